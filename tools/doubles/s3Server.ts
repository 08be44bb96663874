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
//
// s3rver has no bucket versioning. With `versioning: true` the proxy supplies it
// (see VersionedBuckets): s3rver keeps holding the *current* version of each
// object, the proxy keeps every version's history in memory and answers the
// version-aware calls itself. Writes through `directEndpoint` bypass the history.
import http from "node:http";
import { randomBytes } from "node:crypto";
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
    /**
     * Every bucket behaves as a versioned S3 bucket: PutObject (and CopyObject) add a version,
     * DeleteObject leaves a delete marker, ?versionId= reads and deletes, ListObjectVersions and
     * GetBucketVersioning answer. Default false: plain s3rver.
     */
    readonly versioning?: boolean;
}

/** One entry of a key's version history (with `versioning: true`). */
export interface S3ObjectVersion {
    readonly versionId: string;
    /** Quoted, as in the ETag header; undefined for a delete marker. */
    readonly etag: string | undefined;
    readonly lastModified: Date;
    readonly isDeleteMarker: boolean;
    /** The object's bytes (aws-chunked framing removed); undefined for a delete marker. */
    readonly body: Buffer | undefined;
    /** Lower-case object headers: content-type, cache-control, x-amz-meta-*, x-amz-server-side-encryption*, ... */
    readonly headers: Readonly<Record<string, string>>;
}

export interface S3TestServer {
    /** Proxy endpoint to give to clients, e.g. http://127.0.0.1:PORT */
    readonly endpoint: string;
    /** s3rver itself, bypassing recording and faults (and the version history). */
    readonly directEndpoint: string;
    readonly buckets: readonly string[];
    readonly requests: RecordedS3Request[];
    /** Queues a fault; the first pending matching fault answers the request. */
    injectFault(fault: S3Fault): void;
    clearFaults(): void;
    /** Headers of recorded requests matching method and (optionally) a path prefix such as "/bucket/key". */
    sentHeaders(method: string, pathPrefix?: string): http.IncomingHttpHeaders[];
    /** Version history of a key, newest first; always empty without `versioning: true`. */
    versions(bucket: string, key: string): S3ObjectVersion[];
    close(): Promise<void>;
}

type Headers = Record<string, string>;
type HeaderSource = Readonly<Record<string, string | string[] | undefined>>;
type Recorder = (outcome: number | "hang", injected: boolean) => void;
interface PendingFault { readonly fault: S3Fault; left: number }
/** Where s3rver listens; the proxy's own requests to it share one non-keep-alive agent. */
interface Upstream { readonly port: number; readonly agent: http.Agent }
interface Reply { readonly status: number; readonly headers: http.OutgoingHttpHeaders; readonly body?: Buffer | string }
interface DirectResponse { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: Buffer }

const xmlEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

function errorXml(code: string, message: string, fields: Readonly<Headers>): string {
    const extra = Object.entries(fields).map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`).join("");
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>${extra}</Error>`;
}

function listen(server: http.Server): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
}

function firstHeader(headers: HeaderSource, name: string): string | undefined {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
}

function pickHeaders(headers: HeaderSource, keep: (name: string) => boolean): Headers {
    const picked: Headers = {};
    for (const name of Object.keys(headers)) {
        const value = firstHeader(headers, name);
        if (value !== undefined && keep(name)) picked[name] = value;
    }
    return picked;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => resolve(Buffer.concat(chunks)));
        stream.on("error", reject);
    });
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

/** Sends a fully buffered reply; returns its status for the request record. */
function send(res: http.ServerResponse, method: string, reply: Reply): number {
    const body = typeof reply.body === "string" ? Buffer.from(reply.body) : reply.body ?? Buffer.alloc(0);
    const headers: http.OutgoingHttpHeaders = { ...reply.headers };
    // The upstream's framing does not describe the buffered body.
    for (const name of ["connection", "keep-alive", "transfer-encoding"]) delete headers[name];
    // HEAD replies announce the length of what GET would return, so keep a given one.
    if (reply.status !== 204 && !(method === "HEAD" && headers["content-length"] !== undefined)) {
        headers["content-length"] = String(body.length);
    }
    res.writeHead(reply.status, headers);
    res.end(method === "HEAD" ? undefined : body);
    return reply.status;
}

function sendProxyError(res: http.ServerResponse, err: unknown): number {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`proxy error: ${err instanceof Error ? err.message : String(err)}`);
    return 502;
}

/** A request of the proxy's own to s3rver (read-backs, restores), fully buffered. */
function direct(upstream: Upstream, method: string, urlPath: string, headers: http.OutgoingHttpHeaders, body?: Buffer): Promise<DirectResponse> {
    return new Promise((resolve, reject) => {
        const request = http.request({ host: "127.0.0.1", port: upstream.port, method, path: urlPath, headers, agent: upstream.agent }, (up) => {
            readAll(up).then((data) => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: data }), reject);
        });
        request.on("error", reject);
        request.end(body);
    });
}

/**
 * Pipes the client's request to s3rver and the answer back. `extra` adds headers once the
 * status is known (the versioning layer's stamps). Resolves with the status sent.
 */
function forward(upstream: Upstream, req: http.IncomingMessage, res: http.ServerResponse, extra?: (status: number) => Headers): Promise<number> {
    return new Promise((resolve) => {
        const options = { host: "127.0.0.1", port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: upstream.agent };
        const request = http.request(options, (up) => {
            const status = up.statusCode ?? 502;
            res.writeHead(status, extra ? { ...up.headers, ...extra(status) } : up.headers);
            up.pipe(res);
            resolve(status);
        });
        request.on("error", (err) => resolve(sendProxyError(res, err)));
        req.pipe(request);
    });
}

/** Answers from the first pending fault matching the request; false when none applies. */
function answerFault(faults: PendingFault[], req: http.IncomingMessage, res: http.ServerResponse, record: Recorder): boolean {
    const method = req.method ?? "GET";
    const pending = faults.find((f) => f.left > 0 && (f.fault.method === undefined || f.fault.method.toUpperCase() === method));
    if (!pending) return false;
    pending.left -= 1;
    const fault = pending.fault;
    req.resume();
    if ("hang" in fault) {
        record("hang", true);
        return true;
    }
    req.on("end", () => {
        const url = req.url ?? "/";
        const body = errorXml(fault.code, fault.message ?? `Injected ${fault.code}`, { Resource: url.split("?")[0] ?? url, RequestId: "INJECTED" });
        res.writeHead(fault.status, { "content-type": "application/xml", "content-length": String(Buffer.byteLength(body)) });
        res.end(body);
        record(fault.status, true);
    });
    return true;
}

// ---------------------------------------------------------------------------------------------
// Versioning layer

/** Object headers s3rver stores and returns (its S3Object.ALLOWED_METADATA), plus user metadata. */
const STORED_HEADERS = new Set(["cache-control", "content-disposition", "content-encoding", "content-language", "content-type",
    "expires", "x-amz-storage-class", "x-amz-website-redirect-location"]);
const isStoredHeader = (name: string): boolean => STORED_HEADERS.has(name) || name.startsWith("x-amz-meta-");
/** s3rver ignores these on PUT; S3 echoes them on PUT/GET/HEAD of the version, so the layer keeps them. */
const SSE_HEADERS = new Set(["x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-bucket-key-enabled"]);
const isSseHeader = (name: string): boolean => SSE_HEADERS.has(name);

/** S3-like: 32 URL-safe characters, so ids travel in ?versionId= unescaped. */
const newVersionId = (): string => randomBytes(24).toString("base64url");

function httpDate(value: string | undefined): Date {
    const parsed = new Date(value ?? Date.now());
    return Number.isNaN(parsed.getTime()) ? new Date() : parsed;
}

// SDK streams without a precomputed checksum arrive aws-chunked:
// "<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n<trailers>\r\n\r\n". s3rver would store
// that framing as the object, so versioned writes are unwrapped before they reach it.
function isAwsChunked(headers: HeaderSource): boolean {
    const encodings = (firstHeader(headers, "content-encoding") ?? "").split(",").map((e) => e.trim());
    return encodings.includes("aws-chunked") || (firstHeader(headers, "x-amz-content-sha256") ?? "").startsWith("STREAMING-");
}

function decodeAwsChunked(framed: Buffer): Buffer {
    const chunks: Buffer[] = [];
    for (let at = 0; ;) {
        const lineEnd = framed.indexOf("\r\n", at);
        const size = lineEnd < 0 ? NaN : parseInt(framed.toString("latin1", at, lineEnd).split(";")[0] ?? "", 16);
        if (!Number.isInteger(size) || size < 0) throw new Error("malformed aws-chunked body");
        if (size === 0) return Buffer.concat(chunks);
        chunks.push(framed.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
    }
}

function withoutAwsChunked(headers: http.IncomingHttpHeaders, length: number): http.OutgoingHttpHeaders {
    const plain: http.OutgoingHttpHeaders = { ...headers, "content-length": String(length), "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
    for (const name of ["transfer-encoding", "x-amz-decoded-content-length", "x-amz-trailer"]) delete plain[name];
    const encodings = (firstHeader(headers, "content-encoding") ?? "").split(",").map((e) => e.trim()).filter((e) => e && e !== "aws-chunked");
    if (encodings.length > 0) plain["content-encoding"] = encodings.join(",");
    else delete plain["content-encoding"];
    return plain;
}

/** A request the versioning layer answers itself (or stamps), parsed. */
interface Target {
    readonly method: string;
    /** Path and query as received. */
    readonly url: string;
    /** Path as received (still percent-encoded), for the layer's own requests to s3rver. */
    readonly path: string;
    readonly bucket: string;
    /** Decoded key; "" for a bucket-level call. */
    readonly key: string;
    readonly query: URLSearchParams;
}
type VersionedCall = "getBucketVersioning" | "listObjectVersions" | "write" | "read" | "delete";

function parseTarget(method: string, url: string): Target | undefined {
    const queryAt = url.indexOf("?");
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const [, bucket = "", ...rest] = rawPath.split("/");
    try {
        const query = new URLSearchParams(queryAt < 0 ? "" : url.slice(queryAt + 1));
        return bucket ? { method, url, path: rawPath, bucket: decodeURIComponent(bucket), key: decodeURIComponent(rest.join("/")), query } : undefined;
    } catch {
        return undefined; // malformed escapes: let s3rver give its answer
    }
}

// Parameters that only tune an object call; anything else (tagging, uploadId, acl, ...) names
// a sub-resource the layer leaves to s3rver.
const isObjectTuning = (name: string): boolean =>
    name === "x-id" || name === "versionId" || name.startsWith("response-") || name.toLowerCase().startsWith("x-amz-");

function classify(t: Target): VersionedCall | undefined {
    if (t.key === "") {
        if (t.method !== "GET") return undefined;
        if (t.query.has("versioning")) return "getBucketVersioning";
        return t.query.has("versions") ? "listObjectVersions" : undefined;
    }
    if (![...t.query.keys()].every(isObjectTuning)) return undefined;
    switch (t.method) {
        case "PUT": return "write";
        case "GET":
        case "HEAD": return "read";
        case "DELETE": return "delete";
        default: return undefined;
    }
}

function errorReply(status: number, code: string, message: string, fields: Readonly<Headers>, headers: Readonly<Headers> = {}): Reply {
    return { status, headers: { ...headers, "content-type": "application/xml" }, body: errorXml(code, message, { ...fields, RequestId: "VERSIONING" }) };
}

/** s3rver answers `response-content-type=…` overrides on plain GETs; version reads honour them too. */
function responseOverrides(query: URLSearchParams): Headers {
    const overrides: Headers = {};
    for (const [name, value] of query) if (name.startsWith("response-")) overrides[name.slice("response-".length)] = value;
    return overrides;
}

function versionEntryXml(key: string, version: S3ObjectVersion, isLatest: boolean): string {
    const common = `<Key>${xmlEscape(key)}</Key><VersionId>${version.versionId}</VersionId>` +
        `<IsLatest>${String(isLatest)}</IsLatest><LastModified>${version.lastModified.toISOString()}</LastModified>`;
    if (version.isDeleteMarker) return `<DeleteMarker>${common}</DeleteMarker>`;
    const storageClass = version.headers["x-amz-storage-class"] ?? "STANDARD";
    return `<Version>${common}<ETag>${xmlEscape(version.etag ?? "")}</ETag><Size>${version.body?.length ?? 0}</Size>` +
        `<StorageClass>${xmlEscape(storageClass)}</StorageClass></Version>`;
}

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The version histories of every bucket (newest first per key) and the calls that need them.
 * s3rver always holds each key's latest non-marker version as its object, so plain reads and
 * listings keep going to s3rver; calls on one key are serialised so a write's read-back sees
 * that write.
 */
class VersionedBuckets {
    private readonly histories = new Map<string, Map<string, S3ObjectVersion[]>>();
    private readonly queues = new Map<string, Promise<unknown>>();

    constructor(private readonly upstream: Upstream) {}

    versions(bucket: string, key: string): S3ObjectVersion[] {
        return [...(this.histories.get(bucket)?.get(key) ?? [])];
    }

    route(method: string, url: string): { target: Target; call: VersionedCall } | undefined {
        const target = parseTarget(method, url);
        const call = target && classify(target);
        return target && call ? { target, call } : undefined;
    }

    async answer(t: Target, call: VersionedCall, req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
        const versionId = t.query.get("versionId");
        switch (call) {
            case "getBucketVersioning":
                req.resume();
                return this.getBucketVersioning(t, res);
            case "listObjectVersions":
                req.resume();
                return this.listObjectVersions(t, res);
            case "read":
                if (versionId !== null) {
                    req.resume();
                    return this.exclusive(t, () => this.readVersion(t, versionId, res));
                }
                return this.exclusive(t, () => forward(this.upstream, req, res, (status) => this.currentHeaders(t, status)));
            case "write": {
                const body = await readAll(req);
                return this.exclusive(t, () => this.write(t, req.headers, body, res));
            }
            case "delete": {
                const body = await readAll(req);
                return this.exclusive(t, () => versionId === null ? this.deleteCurrent(t, req.headers, body, res) : this.deleteVersion(t, versionId, res));
            }
        }
    }

    /** Runs `work` after every earlier call on the same key has finished. */
    private async exclusive<T>(t: Target, work: () => Promise<T>): Promise<T> {
        const id = JSON.stringify([t.bucket, t.key]);
        const run = (this.queues.get(id) ?? Promise.resolve()).then(work, work);
        const settled = run.catch(() => undefined);
        this.queues.set(id, settled);
        try {
            return await run;
        } finally {
            if (this.queues.get(id) === settled) this.queues.delete(id);
        }
    }

    private push(t: Target, version: S3ObjectVersion): void {
        let keys = this.histories.get(t.bucket);
        if (!keys) this.histories.set(t.bucket, (keys = new Map<string, S3ObjectVersion[]>()));
        keys.set(t.key, [version, ...(keys.get(t.key) ?? [])]);
    }

    /** NoSuchBucket for calls the layer answers without s3rver, which would otherwise check. */
    private async missingBucket(t: Target): Promise<Reply | undefined> {
        const head = await direct(this.upstream, "HEAD", `/${encodeURIComponent(t.bucket)}`, {});
        return head.status === 404
            ? errorReply(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: t.bucket })
            : undefined;
    }

    private async getBucketVersioning(t: Target, res: http.ServerResponse): Promise<number> {
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="${S3_XMLNS}"><Status>Enabled</Status></VersioningConfiguration>`;
        return send(res, t.method, (await this.missingBucket(t)) ?? { status: 200, headers: { "content-type": "application/xml" }, body: xml });
    }

    private async listObjectVersions(t: Target, res: http.ServerResponse): Promise<number> {
        const missing = await this.missingBucket(t);
        if (missing) return send(res, t.method, missing);
        const prefix = t.query.get("prefix") ?? "";
        const keys = [...(this.histories.get(t.bucket)?.keys() ?? [])].filter((key) => key.startsWith(prefix)).sort(byUtf8);
        const entries = keys.flatMap((key) => this.versions(t.bucket, key).map((v, i) => versionEntryXml(key, v, i === 0)));
        const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="${S3_XMLNS}">` +
            `<Name>${xmlEscape(t.bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>` +
            `<MaxKeys>${xmlEscape(t.query.get("max-keys") ?? "1000")}</MaxKeys><IsTruncated>false</IsTruncated>${entries.join("")}</ListVersionsResult>`;
        return send(res, t.method, { status: 200, headers: { "content-type": "application/xml" }, body: xml });
    }

    /** What S3 adds to a plain GET/HEAD: the current version's id and encryption, or the delete marker. */
    private currentHeaders(t: Target, status: number): Headers {
        const latest = this.versions(t.bucket, t.key)[0];
        if (latest === undefined) return {};
        if (latest.isDeleteMarker) return status === 404 ? { "x-amz-delete-marker": "true", "x-amz-version-id": latest.versionId } : {};
        if (!isSuccess(status) && status !== 304) return {};
        // After a restore s3rver's copy is newer than the version it stands for.
        return { ...pickHeaders(latest.headers, isSseHeader), "last-modified": latest.lastModified.toUTCString(), "x-amz-version-id": latest.versionId };
    }

    private async readVersion(t: Target, versionId: string, res: http.ServerResponse): Promise<number> {
        const missing = await this.missingBucket(t);
        if (missing) return send(res, t.method, missing);
        const version = this.versions(t.bucket, t.key).find((v) => v.versionId === versionId);
        if (version === undefined) {
            return send(res, t.method, errorReply(404, "NoSuchVersion", "The specified version does not exist.", { Key: t.key, VersionId: versionId }));
        }
        const stamps = { "x-amz-version-id": version.versionId, "last-modified": version.lastModified.toUTCString() };
        if (version.isDeleteMarker) {
            return send(res, t.method, errorReply(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
                { Method: t.method, ResourceType: "DeleteMarker" }, { ...stamps, "x-amz-delete-marker": "true", allow: "DELETE" }));
        }
        const body = version.body ?? Buffer.alloc(0);
        const headers = { ...version.headers, ...responseOverrides(t.query), ...stamps, etag: version.etag ?? "", "accept-ranges": "bytes", "content-length": String(body.length) };
        return send(res, t.method, { status: 200, headers, body: t.method === "HEAD" ? undefined : body });
    }

    private async write(t: Target, sent: http.IncomingHttpHeaders, framed: Buffer, res: http.ServerResponse): Promise<number> {
        const chunked = isAwsChunked(sent);
        const body = chunked ? decodeAwsChunked(framed) : framed;
        const stored = await direct(this.upstream, t.method, t.url, chunked ? withoutAwsChunked(sent, body.length) : sent, body);
        if (!isSuccess(stored.status)) return send(res, t.method, stored);
        const version = await this.readBack(t, sent);
        this.push(t, version);
        const headers = { ...stored.headers, ...pickHeaders(version.headers, isSseHeader), "x-amz-version-id": version.versionId };
        return send(res, t.method, { status: stored.status, headers, body: stored.body });
    }

    /** The new version as s3rver stored it (decoded body, ETag, metadata), with the SSE headers it ignored. */
    private async readBack(t: Target, sent: http.IncomingHttpHeaders): Promise<S3ObjectVersion> {
        const back = await direct(this.upstream, "GET", t.path, {});
        if (back.status !== 200) throw new Error(`reading ${t.path} back from s3rver answered ${back.status}`);
        return {
            versionId: newVersionId(),
            etag: firstHeader(back.headers, "etag"),
            lastModified: httpDate(firstHeader(back.headers, "last-modified")),
            isDeleteMarker: false,
            body: back.body,
            headers: { ...pickHeaders(back.headers, isStoredHeader), ...pickHeaders(sent, isSseHeader) },
        };
    }

    private async deleteCurrent(t: Target, sent: http.IncomingHttpHeaders, body: Buffer, res: http.ServerResponse): Promise<number> {
        const removed = await direct(this.upstream, t.method, t.url, sent, body);
        if (!isSuccess(removed.status)) return send(res, t.method, removed);
        // As on S3, a delete marker is added even when the key had no current version.
        const marker: S3ObjectVersion = { versionId: newVersionId(), etag: undefined, lastModified: new Date(), isDeleteMarker: true, body: undefined, headers: {} };
        this.push(t, marker);
        return send(res, t.method, { status: 204, headers: { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId } });
    }

    private async deleteVersion(t: Target, versionId: string, res: http.ServerResponse): Promise<number> {
        const missing = await this.missingBucket(t);
        if (missing) return send(res, t.method, missing);
        const keys = this.histories.get(t.bucket);
        const history = keys?.get(t.key) ?? [];
        const index = history.findIndex((v) => v.versionId === versionId);
        const headers: Headers = { "x-amz-version-id": versionId };
        // An unknown version id is a no-op 204: deletes are idempotent.
        if (index >= 0) {
            const remaining = history.filter((_, i) => i !== index);
            if (history[index]?.isDeleteMarker) headers["x-amz-delete-marker"] = "true";
            if (index === 0) await this.restoreCurrent(t, remaining[0]);
            if (remaining.length > 0) keys?.set(t.key, remaining);
            else keys?.delete(t.key);
        }
        return send(res, t.method, { status: 204, headers });
    }

    /** s3rver holds only the current version: once the latest is gone, the new latest takes its place (or nothing does). */
    private async restoreCurrent(t: Target, latest: S3ObjectVersion | undefined): Promise<void> {
        const outcome = latest?.body !== undefined
            ? await direct(this.upstream, "PUT", t.path, { ...pickHeaders(latest.headers, isStoredHeader), "content-length": String(latest.body.length) }, latest.body)
            : await direct(this.upstream, "DELETE", t.path, {});
        if (!isSuccess(outcome.status)) throw new Error(`restoring ${t.path} in s3rver answered ${outcome.status}`);
    }
}

// ---------------------------------------------------------------------------------------------

async function runS3rver(buckets: readonly string[], accessKeyIds: readonly string[]): Promise<{ s3rver: S3rverInstance; directory: string; port: number }> {
    const S3rver = require("s3rver") as S3rverCtor; // eslint-disable-line @typescript-eslint/no-require-imports
    const account = require("s3rver/lib/models/account") as S3rverAccountModel; // eslint-disable-line @typescript-eslint/no-require-imports
    for (const id of accessKeyIds) account.DUMMY_ACCOUNT.createKeyPair(id, id);
    const directory = await mkdtemp(path.join(os.tmpdir(), "s3rver-"));
    const s3rver = new S3rver({
        address: "127.0.0.1", port: 0, silent: true, directory, resetOnClose: false,
        configureBuckets: buckets.map((name) => ({ name })),
    });
    const { port } = await s3rver.run();
    return { s3rver, directory, port };
}

function createProxy(upstream: Upstream, requests: RecordedS3Request[], faults: PendingFault[], versioned: VersionedBuckets | undefined): http.Server {
    return http.createServer((req, res) => {
        const method = req.method ?? "GET";
        const url = req.url ?? "/";
        const record: Recorder = (outcome, injected) => {
            requests.push({ method, url, headers: req.headers, outcome, injected });
        };
        if (answerFault(faults, req, res, record)) return;
        const route = versioned?.route(method, url);
        const answered = route && versioned ? versioned.answer(route.target, route.call, req, res) : forward(upstream, req, res);
        answered.then((status) => record(status, false), (err: unknown) => record(sendProxyError(res, err), false));
    });
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3TestServer> {
    const buckets = options.buckets ?? ["airflow-test-bucket"];
    const { s3rver, directory, port: s3Port } = await runS3rver(buckets, options.accessKeyIds ?? ["test"]);
    const requests: RecordedS3Request[] = [];
    const faults: PendingFault[] = [];
    const upstream: Upstream = { port: s3Port, agent: new http.Agent({ keepAlive: false }) };
    const versioned = options.versioning ? new VersionedBuckets(upstream) : undefined;
    const proxy = createProxy(upstream, requests, faults, versioned);
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
        versions(bucket, key) {
            return versioned?.versions(bucket, key) ?? [];
        },
        async close() {
            await new Promise<void>((resolve, reject) => {
                proxy.close((err) => (err ? reject(err) : resolve()));
                proxy.closeAllConnections();
            });
            upstream.agent.destroy();
            s3rver.httpServer?.closeAllConnections();
            await s3rver.close();
            await rm(directory, { recursive: true, force: true });
        },
    };
}
