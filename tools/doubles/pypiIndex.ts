// A local PEP 503 "simple" index over HTTPS on 127.0.0.1, shaped like a CodeArtifact PyPI
// repository endpoint (https://HOST/pypi/<repository>/simple/) and guarded like one: every request
// needs HTTP Basic auth `aws:<token>`, anything else gets 401 with `WWW-Authenticate: Basic`.
//
//   GET /pypi/<repo>/simple/                      -> links to every project
//   GET /pypi/<repo>/simple/<project>/            -> links to its wheels, `<file>#sha256=<hex>`
//   GET /pypi/<repo>/simple/<project>/<file.whl>  -> the wheel
//
// The TLS certificate is a throwaway self-signed one for IP 127.0.0.1, generated with openssl into
// a temp dir; give `caFile` to the client (REQUESTS_CA_BUNDLE for pip). close() stops the server
// and removes the temp dir. Passwords are never recorded.
import { execFile } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import https from "node:https";
import type http from "node:http";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { normalizeProjectName, type Wheel } from "./wheel";

export type IndexAuth = "none" | "not-basic" | "wrong-user" | "wrong-token" | "ok";

export interface IndexRequest {
    readonly method: string;
    /** Path as requested, query dropped. */
    readonly path: string;
    readonly auth: IndexAuth;
    /** The status sent; 0 for a request left unanswered (an injected hang). */
    readonly status: number;
    readonly userAgent: string;
}

export interface PypiIndexOptions {
    /** Repository name in the path, e.g. "your_repo"; "*" serves the same projects under any name. */
    readonly repository: string;
    /** The only token accepted (as the password of user `aws`), unless `acceptToken` decides. */
    readonly token: string;
    readonly wheels: readonly Wheel[];
    /** Decides which tokens are valid instead of `token` (e.g. every token a CodeArtifact double issued). */
    readonly acceptToken?: (token: string) => boolean;
    /** Projects listed by file name only (PEP 503 normalized name -> file names); their files are not served. */
    readonly listings?: Readonly<Record<string, readonly string[]>>;
}

/** An injected failure for the next `times` requests (default 1): a status, or no answer at all. */
export type IndexFault = { readonly times?: number } & ({ readonly status: number } | { readonly hang: true });

export interface PypiIndex {
    /** https://127.0.0.1:PORT */
    readonly origin: string;
    /** What CodeArtifact's GetRepositoryEndpoint would return: https://127.0.0.1:PORT/pypi/<repo>/ */
    readonly repositoryEndpoint: string;
    /** PEM file of the self-signed certificate, to trust it. */
    readonly caFile: string;
    readonly requests: IndexRequest[];
    /** Changes the token accepted from now on. */
    setToken(token: string): void;
    /**
     * From now on a valid token gets this status instead of the page (401 or 403: the repository's
     * policy does not grant the token's role ReadFromRepository); undefined serves again.
     */
    setRefusal(status: number | undefined): void;
    /** Failures for the next requests, in order, before anything else is looked at. */
    setFaults(faults: readonly IndexFault[]): void;
    close(): Promise<void>;
}

function run(file: string, args: readonly string[], cwd: string): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile(file, args, { cwd, timeout: 30_000 }, (err, _stdout, stderr) => {
            if (err) {
                const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
                reject(new Error(missing ? `${file} is not installed; the local HTTPS index needs it for its certificate`
                    : `${file} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
            } else {
                resolve();
            }
        });
    });
}

/** A self-signed certificate for IP 127.0.0.1, valid for a day. */
async function selfSignedCertificate(dir: string): Promise<{ key: Buffer; cert: Buffer; certFile: string }> {
    await run("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", "key.pem", "-out", "cert.pem",
    ], dir);
    const certFile = path.join(dir, "cert.pem");
    return { key: await readFile(path.join(dir, "key.pem")), cert: await readFile(certFile), certFile };
}

function escapeHtml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function page(title: string, links: readonly [href: string, text: string][]): string {
    const body = links.map(([href, text]) => `    <a href="${escapeHtml(href)}">${escapeHtml(text)}</a><br/>`).join("\n");
    return `<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.0"><title>${escapeHtml(title)}</title></head>\n  <body>\n${body}\n  </body>\n</html>\n`;
}

function sameSecret(given: string, expected: string): boolean {
    const a = Buffer.from(given, "utf8");
    const b = Buffer.from(expected, "utf8");
    return a.length === b.length && timingSafeEqual(a, b);
}

export async function startPypiIndex(options: PypiIndexOptions): Promise<PypiIndex> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pypi-index-"));
    let server: https.Server | undefined;
    try {
        const { key, cert, certFile } = await selfSignedCertificate(dir);
        let token = options.token;
        let refusal: number | undefined;
        let faults: { fault: IndexFault; left: number }[] = [];
        const hung: http.ServerResponse[] = [];
        const requests: IndexRequest[] = [];
        const basePattern = options.repository === "*" ? /^\/pypi\/[^/]+\/simple\// : new RegExp(`^/pypi/${options.repository.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/simple/`);
        const projects = new Map<string, Wheel[]>();
        for (const wheel of options.wheels) projects.set(wheel.project, [...(projects.get(wheel.project) ?? []), wheel]);
        const listed = new Map(Object.entries(options.listings ?? {}));

        const authOf = (req: http.IncomingMessage): IndexAuth => {
            const header = req.headers.authorization;
            if (header === undefined) return "none";
            const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
            if (!m) return "not-basic";
            const decoded = Buffer.from(m[1], "base64").toString("utf8");
            const colon = decoded.indexOf(":");
            if (colon < 0 || decoded.slice(0, colon) !== "aws") return "wrong-user";
            const given = decoded.slice(colon + 1);
            const valid = options.acceptToken ? options.acceptToken(given) : sameSecret(given, token);
            return valid ? "ok" : "wrong-token";
        };

        const handle = (req: http.IncomingMessage, res: http.ServerResponse, auth: IndexAuth): number | "hang" => {
            const method = req.method ?? "GET";
            const send = (status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}): number => {
                const data = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
                res.writeHead(status, { "content-type": type, "content-length": String(data.byteLength), "cache-control": "no-store", ...headers });
                res.end(method === "HEAD" ? undefined : data);
                return status;
            };
            const pending = faults.find((f) => f.left > 0);
            if (pending) {
                pending.left--;
                if ("hang" in pending.fault) {
                    hung.push(res);
                    return "hang";
                }
                return send(pending.fault.status, "text/plain; charset=utf-8", `Injected ${pending.fault.status}\n`);
            }
            if (auth !== "ok") {
                return send(401, "text/plain; charset=utf-8", "Unauthorized\n", { "www-authenticate": `Basic realm="${options.repository}"` });
            }
            if (refusal !== undefined) return send(refusal, "text/plain; charset=utf-8", "Not authorized to read this repository\n");
            if (method !== "GET" && method !== "HEAD") return send(405, "text/plain; charset=utf-8", "Method Not Allowed\n", { allow: "GET, HEAD" });
            const urlPath = new URL(req.url ?? "/", "https://index").pathname;
            const base = basePattern.exec(urlPath)?.[0] ?? "";
            if (urlPath === base) {
                return send(200, "text/html; charset=utf-8", page("Simple index", [...new Set([...projects.keys(), ...listed.keys()])].sort().map((p) => [`${p}/`, p])));
            }
            if (base === "") return send(404, "text/plain; charset=utf-8", "Not Found\n");
            const rest = urlPath.slice(base.length).split("/");
            const project = decodeURIComponent(rest[0] ?? "");
            const files = listed.get(normalizeProjectName(project));
            if (files && rest.length === 2 && rest[1] === "") {
                return send(200, "text/html; charset=utf-8", page(`Links for ${project}`, files.map((f) => [`../../files/${f}#sha256=${"0".repeat(64)}`, f])));
            }
            const wheels = projects.get(normalizeProjectName(project));
            if (!wheels) return send(404, "text/plain; charset=utf-8", "Not Found\n");
            if (rest.length === 1) return send(301, "text/plain; charset=utf-8", "Moved\n", { location: `${urlPath}/` });
            if (project !== normalizeProjectName(project)) {
                return send(301, "text/plain; charset=utf-8", "Moved\n", { location: `${base}${normalizeProjectName(project)}/${rest.slice(1).join("/")}` });
            }
            if (rest.length === 2 && rest[1] === "") {
                return send(200, "text/html; charset=utf-8", page(`Links for ${project}`, wheels.map((w) => [`${w.filename}#sha256=${w.sha256}`, w.filename])));
            }
            const wheel = rest.length === 2 ? wheels.find((w) => w.filename === decodeURIComponent(rest[1])) : undefined;
            if (!wheel) return send(404, "text/plain; charset=utf-8", "Not Found\n");
            return send(200, "application/octet-stream", wheel.data);
        };

        server = https.createServer({ key, cert }, (req, res) => {
            req.resume();
            const auth = authOf(req);
            let status: number | "hang";
            try {
                status = handle(req, res, auth);
            } catch (err) {
                if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
                res.end(`index failed: ${String(err)}\n`);
                status = 500;
            }
            requests.push({
                method: req.method ?? "GET",
                path: new URL(req.url ?? "/", "https://index").pathname,
                auth,
                status: status === "hang" ? 0 : status,
                userAgent: String(req.headers["user-agent"] ?? ""),
            });
        });
        const listening = server;
        await new Promise<void>((resolve, reject) => {
            listening.once("error", reject);
            listening.listen(0, "127.0.0.1", () => resolve());
        });
        const { port } = listening.address() as AddressInfo;
        const origin = `https://127.0.0.1:${port}`;
        return {
            origin,
            repositoryEndpoint: `${origin}/pypi/${options.repository}/`,
            caFile: certFile,
            requests,
            setToken(next) {
                token = next;
            },
            setRefusal(status) {
                refusal = status;
            },
            setFaults(next) {
                faults = next.map((fault) => ({ fault, left: fault.times ?? 1 }));
            },
            async close() {
                for (const res of hung.splice(0)) res.destroy();
                await new Promise<void>((resolve, reject) => {
                    listening.close((err) => (err ? reject(err) : resolve()));
                    listening.closeAllConnections();
                });
                await rm(dir, { recursive: true, force: true });
            },
        };
    } catch (err) {
        server?.close();
        await rm(dir, { recursive: true, force: true });
        throw err;
    }
}
