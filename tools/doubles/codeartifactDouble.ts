// A local HTTP double of the two CodeArtifact REST-JSON operations used by the
// token refresher. Point the SDK at it with AWS_ENDPOINT_URL_CODEARTIFACT (or
// `endpoint:`) = double.endpoint.
//
//   POST /v1/authorization-token?domain=&domain-owner=&duration=
//        -> {"authorizationToken": "...", "expiration": <epoch seconds>}
//   GET  /v1/repository/endpoint?domain=&domain-owner=&repository=&format=
//        -> {"repositoryEndpoint": "..."}
//
// The SDK (restJson1) deserializes `expiration` as an epoch-seconds timestamp
// (a JSON number; fractional seconds allowed). Errors are AWS-style: status
// code, `x-amzn-ErrorType` header and a JSON body {"message": ...}, so the SDK
// maps them to AccessDeniedException, ThrottlingException, ...
import http from "node:http";
import { AddressInfo } from "node:net";

export type CodeArtifactOperation = "GetAuthorizationToken" | "GetRepositoryEndpoint";

export interface CodeArtifactRequestInfo {
    readonly operation: CodeArtifactOperation | undefined;
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly headers: Readonly<http.IncomingHttpHeaders>;
    /** Signing region parsed from the SigV4 Authorization header, if any. */
    readonly region: string | undefined;
}

/** An injected failure: an AWS-style error response, or a request that never gets an answer. */
export type CodeArtifactFault = {
    /** Which operation fails; default: any. */
    readonly operation?: CodeArtifactOperation;
    /** How many matching requests this fault applies to; default 1 (use Infinity for "always"). */
    readonly times?: number;
} & (
    | { readonly status: number; readonly errorType: string; readonly message?: string; readonly retryAfterSeconds?: number }
    | { readonly hang: true }
);

export interface CodeArtifactBehavior {
    /** Token returned by GetAuthorizationToken. */
    readonly token: string;
    /** Epoch seconds, or a function of the request (default: now + requested duration, 43200 when absent or 0). */
    readonly expiration: number | ((req: CodeArtifactRequestInfo) => number);
    /**
     * Repository endpoint returned by GetRepositoryEndpoint, or a function of the request.
     * Default: the real AWS pattern https://{domain}-{owner}.d.codeartifact.{region}.amazonaws.com/{format}/{repository}/
     * (region from the request signature, else `defaultRegion`). May point at a local server.
     */
    readonly repositoryEndpoint: string | ((req: CodeArtifactRequestInfo) => string);
    readonly defaultRegion: string;
    /** Faults consumed in order, first matching one wins. */
    readonly faults: readonly CodeArtifactFault[];
}

export interface RecordedCodeArtifactRequest extends Omit<CodeArtifactRequestInfo, "region"> {
    /** What the double did: HTTP status sent, or "hang". */
    readonly outcome: number | "hang";
}

export interface CodeArtifactDouble {
    /** Base URL, e.g. http://127.0.0.1:54321 */
    readonly endpoint: string;
    readonly requests: RecordedCodeArtifactRequest[];
    /** Every token GetAuthorizationToken has returned (what a repository double accepts). */
    readonly issuedTokens: ReadonlySet<string>;
    /** Shallow-merges into the current behaviour; `faults` replaces the pending fault list. */
    setBehavior(patch: Partial<CodeArtifactBehavior>): void;
    /** Stops the server, answering nothing more and destroying hung connections. */
    close(): Promise<void>;
}

export const DEFAULT_DOUBLE_TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.fake-token";

export function realEndpointPattern(req: CodeArtifactRequestInfo, defaultRegion: string): string {
    const q = req.query;
    return `https://${q["domain"]}-${q["domain-owner"]}.d.codeartifact.${req.region ?? defaultRegion}.amazonaws.com/${q["format"]}/${q["repository"]}/`;
}

function operationOf(method: string, path: string): CodeArtifactOperation | undefined {
    if (method === "POST" && path === "/v1/authorization-token") return "GetAuthorizationToken";
    if (method === "GET" && path === "/v1/repository/endpoint") return "GetRepositoryEndpoint";
    return undefined;
}

const REQUIRED: Record<CodeArtifactOperation, readonly string[]> = {
    GetAuthorizationToken: ["domain"],
    GetRepositoryEndpoint: ["domain", "repository", "format"],
};

export async function startCodeArtifactDouble(opts: Partial<CodeArtifactBehavior> = {}): Promise<CodeArtifactDouble> {
    let behavior: CodeArtifactBehavior = {
        token: DEFAULT_DOUBLE_TOKEN,
        expiration: (req) => Math.floor(Date.now() / 1000) + (Number(req.query["duration"]) || 43200),
        repositoryEndpoint: (req) => realEndpointPattern(req, behavior.defaultRegion),
        defaultRegion: "us-west-2",
        faults: [],
        ...opts,
    };
    // Remaining uses per fault, index-aligned with behavior.faults.
    let remaining: number[] = behavior.faults.map((f) => f.times ?? 1);
    const requests: RecordedCodeArtifactRequest[] = [];
    const issuedTokens = new Set<string>();

    const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(text)),
            "x-amzn-requestid": `double-${requests.length}`,
            ...headers,
        });
        res.end(text);
        return status;
    };
    const sendError = (res: http.ServerResponse, status: number, errorType: string, message: string, headers: Record<string, string> = {}): number =>
        send(res, status, { message }, { "x-amzn-errortype": errorType, ...headers });

    const handle = (req: http.IncomingMessage, res: http.ServerResponse): number | "hang" => {
        const url = new URL(req.url ?? "/", "http://double");
        const method = req.method ?? "GET";
        const operation = operationOf(method, url.pathname);
        const query = Object.fromEntries(url.searchParams.entries());
        const auth = String(req.headers.authorization ?? "");
        const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/codeartifact\//.exec(auth)?.[1];
        const info: CodeArtifactRequestInfo = { operation, method, path: url.pathname, query, headers: req.headers, region };

        const i = behavior.faults.findIndex((f, j) => (remaining[j] ?? 0) > 0 && (f.operation === undefined || f.operation === operation));
        if (i >= 0) {
            remaining[i] = (remaining[i] ?? 1) - 1;
            const fault = behavior.faults[i];
            if ("hang" in fault) return "hang";
            return sendError(res, fault.status, fault.errorType, fault.message ?? `Injected ${fault.errorType}`,
                fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {});
        }
        if (!operation) return sendError(res, 404, "UnknownOperationException", `No route for ${method} ${url.pathname}`);
        if (!auth.startsWith("AWS4-HMAC-SHA256 ")) return sendError(res, 403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        const missing = REQUIRED[operation].filter((name) => !query[name]);
        if (missing.length > 0) return sendError(res, 400, "ValidationException", `Missing required parameter(s): ${missing.join(", ")}`);
        if (operation === "GetAuthorizationToken") {
            const expiration = typeof behavior.expiration === "function" ? behavior.expiration(info) : behavior.expiration;
            issuedTokens.add(behavior.token);
            return send(res, 200, { authorizationToken: behavior.token, expiration });
        }
        const repositoryEndpoint = typeof behavior.repositoryEndpoint === "function" ? behavior.repositoryEndpoint(info) : behavior.repositoryEndpoint;
        return send(res, 200, { repositoryEndpoint });
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://double");
            const method = req.method ?? "GET";
            let outcome: number | "hang";
            try {
                outcome = handle(req, res);
            } catch (err) {
                outcome = sendError(res, 500, "InternalServerException", `Double failed: ${String(err)}`);
            }
            requests.push({
                operation: operationOf(method, url.pathname), method, path: url.pathname,
                query: Object.fromEntries(url.searchParams.entries()), headers: req.headers, outcome,
            });
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;

    return {
        endpoint: `http://127.0.0.1:${port}`,
        requests,
        issuedTokens,
        setBehavior(patch) {
            behavior = { ...behavior, ...patch };
            if (patch.faults) remaining = patch.faults.map((f) => f.times ?? 1);
        },
        close() {
            return new Promise<void>((resolve, reject) => {
                server.close((err) => (err ? reject(err) : resolve()));
                server.closeAllConnections();
            });
        },
    };
}
