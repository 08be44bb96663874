// Local S3 for tests: s3rver on 127.0.0.1 (free port, temp dir, one or more
// buckets) behind a tiny recording HTTP proxy. Clients talk to `endpoint` (the
// proxy), which records every request's method/path/headers (so tests can
// assert what was SENT, e.g. x-amz-server-side-encryption, which s3rver itself
// ignores) and can inject S3-style XML error responses or hangs.
//
// Use http://127.0.0.1:PORT endpoints: the SDK v3 S3 endpoint rules switch to
// path-style addressing for IP-address endpoints, so no forcePathStyle is needed.
// s3rver accepts any SigV4 request signed with a *known* access key id (it does
// not verify V4 signatures); it only knows "S3RVER" by default, so the helper
// also registers `accessKeyIds` (default ["test"]).
import http from "node:http";
import { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

interface S3rverInstance {
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    httpServer?: http.Server;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;
interface S3rverAccountModel {
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

export interface RecordedS3Request {
    readonly method: string;
    /** Path and query as received, e.g. /bucket/dags/codeartifact.txt?x-id=PutObject */
    readonly url: string;
    readonly headers: Readonly<http.IncomingHttpHeaders>;
    /** Status returned to the client, or "hang". */
    readonly outcome: number | "hang";
    /** True when the response came from an injected fault, not s3rver. */
    readonly injected: boolean;
}

export type S3Fault = {
    /** Only requests with this HTTP method (e.g. "PUT"); default: any. */
    readonly method?: string;
    /** How many matching requests this fault applies to; default 1 (Infinity for "always"). */
    readonly times?: number;
} & ({ readonly status: number; readonly code: string; readonly message?: string } | { readonly hang: true });

export interface S3ServerOptions {
    /** Bucket(s) to create. Default "airflow-test-bucket". */
    readonly buckets?: readonly string[];
    /** Extra access key ids s3rver should accept (default ["test"]; "S3RVER" is always accepted). */
    readonly accessKeyIds?: readonly string[];
}

export interface S3TestServer {
    /** Proxy endpoint to give to clients, e.g. http://127.0.0.1:PORT */
    readonly endpoint: string;
    /** s3rver itself, bypassing recording and faults. */
    readonly directEndpoint: string;
    readonly buckets: readonly string[];
    readonly requests: RecordedS3Request[];
    /** Queues a fault; the first pending matching fault answers the request. */
    injectFault(fault: S3Fault): void;
    clearFaults(): void;
    /** Headers of recorded requests matching method and (optionally) a path prefix such as "/bucket/key". */
    sentHeaders(method: string, pathPrefix?: string): http.IncomingHttpHeaders[];
    close(): Promise<void>;
}

function errorXml(code: string, message: string, resource: string): string {
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message>` +
        `<Resource>${esc(resource)}</Resource><RequestId>INJECTED</RequestId></Error>`;
}

function listen(server: http.Server): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
    const buckets = options.buckets ?? ["airflow-test-bucket"];
    const S3rver = require("s3rver") as S3rverCtor; // eslint-disable-line @typescript-eslint/no-require-imports
    const account = require("s3rver/lib/models/account") as S3rverAccountModel; // eslint-disable-line @typescript-eslint/no-require-imports
    for (const id of options.accessKeyIds ?? ["test"]) account.DUMMY_ACCOUNT.createKeyPair(id, id);

    const directory = await mkdtemp(path.join(os.tmpdir(), "s3rver-"));
    const s3rver = new S3rver({
        address: "127.0.0.1", port: 0, silent: true, directory, resetOnClose: false,
        configureBuckets: buckets.map((name) => ({ name })),
    });
    const { port: s3Port } = await s3rver.run();

    const requests: RecordedS3Request[] = [];
    const faults: Array<{ fault: S3Fault; left: number }> = [];
    const agent = new http.Agent({ keepAlive: false });

    const proxy = http.createServer((req, res) => {
        const method = req.method ?? "GET";
        const url = req.url ?? "/";
        const record = (outcome: number | "hang", injected: boolean) =>
            requests.push({ method, url, headers: req.headers, outcome, injected });
        const pending = faults.find((f) => f.left > 0 && (f.fault.method === undefined || f.fault.method.toUpperCase() === method));
        if (pending) {
            pending.left -= 1;
            const fault = pending.fault;
            req.resume();
            if ("hang" in fault) {
                record("hang", true);
                return;
            }
            req.on("end", () => {
                const body = errorXml(fault.code, fault.message ?? `Injected ${fault.code}`, url.split("?")[0] ?? url);
                res.writeHead(fault.status, { "content-type": "application/xml", "content-length": String(Buffer.byteLength(body)) });
                res.end(body);
                record(fault.status, true);
            });
            return;
        }
        const upstream = http.request({ host: "127.0.0.1", port: s3Port, method, path: url, headers: req.headers, agent }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            record(up.statusCode ?? 502, false);
        });
        upstream.on("error", (err) => {
            if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
            res.end(`proxy error: ${err.message}`);
            record(502, false);
        });
        req.pipe(upstream);
    });
    const proxyPort = await listen(proxy);

    return {
        endpoint: `http://127.0.0.1:${proxyPort}`,
        directEndpoint: `http://127.0.0.1:${s3Port}`,
        buckets,
        requests,
        injectFault(fault) {
            faults.push({ fault, left: fault.times ?? 1 });
        },
        clearFaults() {
            faults.length = 0;
        },
        sentHeaders(method, pathPrefix) {
            return requests
                .filter((r) => r.method === method.toUpperCase() && (pathPrefix === undefined || r.url.startsWith(pathPrefix)))
                .map((r) => r.headers);
        },
        async close() {
            await new Promise<void>((resolve, reject) => {
                proxy.close((err) => (err ? reject(err) : resolve()));
                proxy.closeAllConnections();
            });
            agent.destroy();
            s3rver.httpServer?.closeAllConnections();
            await s3rver.close();
            await rm(directory, { recursive: true, force: true });
        },
    };
}
