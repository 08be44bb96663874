// Runtime logic of the token-refresh Lambda. Pure: every AWS client is injected.
// This module is serialized by pulumi.runtime.serializeFunction, so: no Pulumi
// import, no top-level mutable state, only the two SDK clients as dependencies,
// and exported values are declared locally then exported with `export { }` so
// that compiled references stay local bindings (not `exports.X`).
//
// SDK modules are imported for types only and require()d inside the functions:
// a captured top-level import is serialized by Pulumi (3.x) as
// require("@aws-sdk/client-s3/dist-cjs/index.js") (packages without an
// "exports" map keep their deep path), whereas a require() in the function text
// is kept verbatim, so the package asks the Lambda runtime for the bare name.
/* eslint-disable @typescript-eslint/no-require-imports -- see above; comments inside function bodies would be serialized */
import type * as CodeArtifactSdk from "@aws-sdk/client-codeartifact";
import type * as S3Sdk from "@aws-sdk/client-s3";
import { ENV, NAME_RULES, TOKEN_DURATION, WIRE, type IndexCheckScope, type IndexOption } from "./contract";
import { checkIndex, type IndexFetch, type RequirementCheck } from "./indexCheck";
import { IAM_PROPAGATION_RETRY_DELAY_MS, IAM_PROPAGATION_WAIT_MS } from "./limits";

const METRIC_NAME = "TokenSecondsLeft";
const METRIC_DIMENSION = "TokenObject";
/** How the token file is written; the component bootstraps it the same way so refreshes never show as drift. */
const TOKEN_FILE_CONTENT_TYPE = "text/plain; charset=utf-8";
const TOKEN_FILE_CACHE_CONTROL = "no-store";
/** Tolerated clock difference between this function and CodeArtifact. */
const MAX_CLOCK_SKEW_SECONDS = 300;
export { METRIC_NAME, METRIC_DIMENSION, MAX_CLOCK_SKEW_SECONDS, TOKEN_FILE_CONTENT_TYPE, TOKEN_FILE_CACHE_CONTROL };

export interface RefreshConfig {
    readonly domain: string;
    readonly domainOwner: string;
    readonly repository: string;
    readonly region: string;
    readonly durationSeconds: number;
    readonly bucket: string;
    readonly key: string;
    readonly indexOption: IndexOption;
    readonly kmsKeyArn?: string;
    readonly metricNamespace: string;
    readonly indexCheck: IndexCheckScope;
    readonly roleArn?: string;
}

export interface RefreshClients {
    readonly codeartifact: CodeArtifactSdk.CodeartifactClient;
    readonly s3: S3Sdk.S3Client;
}

export interface RefreshResult {
    readonly bucket: string;
    readonly key: string;
    readonly endpoint: string;
    /** ISO 8601 */
    readonly expiresAt: string;
    readonly secondsLeft: number;
    readonly versionId?: string;
    /** What the check against the repository's index found, e.g. "token accepted; 10 requirements found". */
    readonly indexCheck: string;
}

/** What an invocation asks for: `pulumi up`'s (which waits for IAM and may list requirements to look up) or a scheduled one. */
export interface RefreshRequest {
    readonly deploy: boolean;
    readonly requirements?: readonly RequirementCheck[];
}

/**
 * Reads and validates the configuration. Throws one Error naming every missing or invalid variable.
 * Every variable the component writes is required (the defaults are the component's); CODEARTIFACT_REGION
 * falls back to AWS_REGION; KMS_KEY_ARN is optional (unset or empty: SSE-S3), and FUNCTION_ROLE_ARN
 * too (it only names the role in a refusal's message, so no rule: `new RegExp("")` takes anything).
 * The names follow the contract's NAME_RULES, the component's own (test/contract.test.ts).
 */
export function readRefreshConfig(env: Readonly<Record<string, string | undefined>>): RefreshConfig {
    const problems: string[] = [];
    const config: Record<string, string | number> = {};
    const { min, max } = TOKEN_DURATION;
    const rules: Record<string, [(v: string) => boolean, string]> = {
        durationSeconds: [(v) => /^\d+$/.test(v) && +v >= min && +v <= max, `an integer number of seconds between ${min} and ${max}`],
        metricNamespace: [(v) => /^[\w./#:-]{1,255}$/.test(v) && !v.startsWith("AWS/"), "a custom CloudWatch namespace"],
    };
    for (const field of Object.keys(ENV) as (keyof typeof ENV)[]) {
        const name = ENV[field];
        const v = (env[name] ?? "").trim() || (field === "region" ? env["AWS_REGION"] ?? "" : "").trim();
        const source = NAME_RULES[field as keyof typeof NAME_RULES] ?? "";
        const [ok, rule] = rules[field] ?? [(s: string) => new RegExp(source).test(s), `a valid ${field}: ${source}`];
        if (!v) {
            if (field !== "kmsKeyArn" && field !== "roleArn") problems.push(`${name} is missing`);
        } else if (!ok(v)) problems.push(`${name} must be ${rule} (got ${JSON.stringify(v)})`);
        else config[field] = field === "durationSeconds" ? +v : v;
    }
    if (problems.length > 0) throw new Error(`Invalid token refresh configuration: ${problems.join("; ")}`);
    return config as unknown as RefreshConfig;
}

/**
 * Renders the pip options file. Throws (without ever quoting the token) when the
 * token is empty or not printable ASCII, or the endpoint is not a plain https URL.
 */
export function renderTokenFile(option: IndexOption, token: string, endpoint: string): string {
    if (option !== "index-url" && option !== "extra-index-url") throw new Error(`Invalid index option ${JSON.stringify(option)}`);
    if (token.length === 0) throw new Error("CodeArtifact returned an empty authorization token");
    if (!/^[\x21-\x7e]+$/.test(token)) {
        throw new Error("CodeArtifact returned an authorization token containing whitespace, control or non-ASCII characters");
    }
    const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
    if (!url || url.protocol !== "https:" || !url.hostname || url.username || url.password || url.search || url.hash) {
        throw new Error(`CodeArtifact returned a repository endpoint that is not a plain https URL: ${JSON.stringify(String(endpoint))}`);
    }
    const path = url.pathname.replace(/\/+$/, "") + "/";
    return `--${option} https://aws:${encodeURIComponent(token)}@${url.host}${path}simple/\n`;
}

/** The shape of an AWS SDK error (and of an S3 error without a body, whose name is the status), for every layer. */
export interface AwsLikeError {
    readonly name?: unknown;
    readonly Code?: unknown;
    readonly message?: unknown;
    readonly $metadata?: { readonly httpStatusCode?: number };
}

function awsErrorCode(err: unknown): string {
    const e = (err ?? {}) as { Code?: string; name?: string };
    return String(e.Code ?? e.name ?? "Error");
}

const ACCESS_DENIED = /AccessDenied|Forbidden/i;

/** Whether an AWS error is an access denial (by its code, or HTTP 403); for a refresh's error, the wrapped AWS error (its `cause`). The commands use it too. */
export function isAccessDenied(err: unknown): boolean {
    const e = err instanceof Error && err.cause ? err.cause : err;
    return ACCESS_DENIED.test(awsErrorCode(e)) || (e as AwsLikeError | undefined)?.$metadata?.httpStatusCode === 403;
}

/** Wraps an AWS error into a clear Error (original kept as `cause`); `secret` is redacted from the text. */
function describeAwsError(err: unknown, action: string, permission: string, config: RefreshConfig, secret?: string): Error {
    const e = (err ?? {}) as AwsLikeError;
    const code = awsErrorCode(err);
    let detail = String(e.message ?? err);
    if (secret) for (const s of [secret, encodeURIComponent(secret)]) detail = detail.split(s).join("***");
    const status = e.$metadata?.httpStatusCode;
    if (!ACCESS_DENIED.test(code)) return new Error(`${action} failed: ${code}${status ? ` (HTTP ${status})` : ""}: ${detail}`, { cause: err });
    if (/kms/i.test(code + detail) && permission.startsWith("s3:")) permission = `kms:GenerateDataKey on ${config.kmsKeyArn ?? "the bucket's KMS key"}`;
    else if (/sts:GetServiceBearerToken/.test(detail)) permission = `sts:GetServiceBearerToken (for domain ${config.domain})`;
    return new Error(`${action} failed: access denied, missing permission ${permission}. ${code}: ${detail}`, { cause: err });
}

/**
 * The invocation's event read as a request: `{"source":"pulumi-up"}` is the deploy-time one, and
 * may carry `requirements` ([{ name, pin? }]) to look up; anything else is a scheduled refresh.
 */
export function refreshRequest(event: unknown): RefreshRequest {
    const { source, requirements } = (event ?? {}) as { source?: unknown; requirements?: RequirementCheck[] };
    if (source !== WIRE.deployEvent) return { deploy: false };
    if (requirements !== undefined && !(Array.isArray(requirements) && requirements.every((r) => typeof r?.name === "string" && ["undefined", "string"].includes(typeof r.pin)))) {
        throw new Error('Invalid deploy event: "requirements" must be a list of {"name": string, "pin"?: string}');
    }
    return requirements === undefined ? { deploy: true } : { deploy: true, requirements };
}

/**
 * Fetches a CodeArtifact token and repository endpoint, validates them, checks the token against
 * the repository's index, writes the pip options file to S3 and emits one CloudWatch EMF line.
 * Nothing is written when any step fails. The token never appears in errors, logs or the result.
 */
export async function refreshToken(
    clients: RefreshClients,
    config: RefreshConfig,
    deps?: RefreshDeps,
    request: RefreshRequest = { deploy: false },
): Promise<RefreshResult> {
    const now = deps?.now ?? Date.now;
    const log = deps?.log ?? writeLine;
    const { token, expiration, endpoint } = await fetchToken(clients, config);
    const body = renderTokenFile(config.indexOption, token, endpoint);
    const nowMs = now();
    const expiresMs = checkedExpiry(expiration, nowMs, config.durationSeconds);
    const expiresAt = new Date(expiresMs).toISOString();
    const indexCheck = await verifyToken(config, token, endpoint, request, deps);
    const versionId = await writeTokenFile(clients, config, token, body, {
        [WIRE.expiresAtMetadata]: expiresAt, [WIRE.refreshedAtMetadata]: new Date(nowMs).toISOString(),
    });
    const secondsLeft = Math.floor((expiresMs - nowMs) / 1000);
    log(metricLine(config, nowMs, secondsLeft));
    const { bucket, key } = config;
    return { bucket, key, endpoint, expiresAt, secondsLeft, ...(versionId ? { versionId } : {}), indexCheck };
}

/**
 * The token checked against the repository as config.indexCheck says: the requirements only at
 * deploy time with index-url (with extra-index-url pip falls back to PyPI, so only a refusal
 * matters). A scheduled refresh that cannot reach the index writes the token anyway, logging why:
 * a refusal is the failure worth an alarm, not a network blip.
 */
async function verifyToken(config: RefreshConfig, token: string, endpoint: string, request: RefreshRequest, deps?: RefreshDeps): Promise<string> {
    if (config.indexCheck === "none") return "off";
    const lookUp = request.deploy && config.indexCheck === "requirements" && config.indexOption === "index-url" && request.requirements?.length;
    try {
        return await checkIndex({ ...config, endpoint }, token, lookUp ? request.requirements : undefined, deps);
    } catch (err) {
        if (request.deploy || (err as { kind?: unknown }).kind !== "unreachable") throw err;
        (deps?.log ?? writeLine)(`${(err as Error).message} Writing the token unchecked: only a refusal fails a scheduled refresh.`);
        return "not checked: index unreachable";
    }
}

/** GetAuthorizationToken and GetRepositoryEndpoint, concurrently; each failure named with the permission it needs. */
async function fetchToken(clients: RefreshClients, config: RefreshConfig): Promise<{ token: string; expiration: unknown; endpoint: string }> {
    const { domain, domainOwner, repository } = config;
    const { GetAuthorizationTokenCommand, GetRepositoryEndpointCommand } = require("@aws-sdk/client-codeartifact") as typeof CodeArtifactSdk;
    const [tokenRes, endpointRes] = await Promise.allSettled([
        clients.codeartifact.send(new GetAuthorizationTokenCommand({ domain, domainOwner, durationSeconds: config.durationSeconds })),
        clients.codeartifact.send(new GetRepositoryEndpointCommand({ domain, domainOwner, repository, format: "pypi" })),
    ]);
    if (tokenRes.status === "rejected") {
        throw describeAwsError(tokenRes.reason, "CodeArtifact GetAuthorizationToken",
            `codeartifact:GetAuthorizationToken on domain ${domain} (owner ${domainOwner}), which also requires sts:GetServiceBearerToken`, config);
    }
    if (endpointRes.status === "rejected") {
        throw describeAwsError(endpointRes.reason, "CodeArtifact GetRepositoryEndpoint",
            `codeartifact:GetRepositoryEndpoint on repository ${repository} in domain ${domain} (owner ${domainOwner})`, config);
    }
    return {
        token: tokenRes.value.authorizationToken ?? "",
        expiration: tokenRes.value.expiration,
        endpoint: endpointRes.value.repositoryEndpoint ?? "",
    };
}

/** The token's expiry in epoch ms; refused when missing, past, or later than requested (beyond clock skew). */
function checkedExpiry(expiration: unknown, nowMs: number, durationSeconds: number): number {
    const expiresMs = expiration instanceof Date ? expiration.getTime() : NaN;
    if (Number.isNaN(expiresMs)) throw new Error("CodeArtifact returned no valid token expiration");
    if (expiresMs <= nowMs) {
        throw new Error(`CodeArtifact returned a token that already expired at ${new Date(expiresMs).toISOString()}`);
    }
    if (expiresMs > nowMs + (durationSeconds + MAX_CLOCK_SKEW_SECONDS) * 1000) {
        throw new Error(`CodeArtifact returned a token expiring at ${new Date(expiresMs).toISOString()}, later than the requested ${durationSeconds} s`);
    }
    return expiresMs;
}

/** PutObject of the pip options file, written the way the component bootstraps it; returns the new version id. */
async function writeTokenFile(
    clients: RefreshClients, config: RefreshConfig, token: string, body: string, metadata: Record<string, string>,
): Promise<string | undefined> {
    const { bucket, key } = config;
    const { PutObjectCommand } = require("@aws-sdk/client-s3") as typeof S3Sdk;
    try {
        const put = await clients.s3.send(new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: TOKEN_FILE_CONTENT_TYPE,
            CacheControl: TOKEN_FILE_CACHE_CONTROL,
            ...(config.kmsKeyArn ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: config.kmsKeyArn } : { ServerSideEncryption: "AES256" }),
            Metadata: metadata,
        }));
        return put.VersionId;
    } catch (err) {
        throw describeAwsError(err, `S3 PutObject to s3://${bucket}/${key}`, `s3:PutObject on s3://${bucket}/${key}`, config, token);
    }
}

/** One CloudWatch embedded-metric-format line: TokenSecondsLeft for this token file. */
function metricLine(config: RefreshConfig, nowMs: number, secondsLeft: number): string {
    return JSON.stringify({
        _aws: {
            Timestamp: nowMs,
            CloudWatchMetrics: [{
                Namespace: config.metricNamespace,
                Dimensions: [[METRIC_DIMENSION]],
                Metrics: [{ Name: METRIC_NAME, Unit: "Seconds" }],
            }],
        },
        [METRIC_DIMENSION]: `s3://${config.bucket}/${config.key}`,
        [METRIC_NAME]: secondsLeft,
        Repository: `${config.domain}/${config.repository}`,
    });
}

/** The default log: one line to stdout, where Lambda sends it to CloudWatch Logs (and EMF lines become metrics). */
function writeLine(line: string): void {
    process.stdout.write(line + "\n");
}

export interface RefreshDeps {
    readonly now?: () => number;
    readonly log?: (line: string) => void;
    readonly sleep?: (ms: number) => Promise<void>;
    /** The index check's HTTP client; default Node's own fetch. */
    readonly fetch?: IndexFetch;
}

/**
 * The deploy-time refresh. Its role policy may have been created seconds earlier, and IAM
 * propagates a new policy within seconds to a couple of minutes, so an access denial is retried
 * for at most IAM_PROPAGATION_WAIT_MS. Any other error fails at once, and a denial that outlasts
 * the wait fails with the same clear message, saying how long it waited.
 */
export async function refreshWaitingForIam(
    clients: RefreshClients, config: RefreshConfig, deps?: RefreshDeps, request: RefreshRequest = { deploy: true },
): Promise<RefreshResult> {
    const now = deps?.now ?? Date.now;
    const log = deps?.log ?? writeLine;
    const sleep = deps?.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const started = now();
    for (let attempt = 1; ; attempt++) {
        try {
            return await refreshToken(clients, config, deps, request);
        } catch (err) {
            const waitedMs = now() - started;
            if (!isAccessDenied(err)) throw err;
            if (waitedMs + IAM_PROPAGATION_RETRY_DELAY_MS > IAM_PROPAGATION_WAIT_MS) {
                const message = (err as Error).message;
                throw new Error(`${message} (still denied after ${attempt} attempts over ${Math.round(waitedMs / 1000)} s of waiting for IAM propagation)`, { cause: err });
            }
            log(`Attempt ${attempt} was denied; retrying in ${IAM_PROPAGATION_RETRY_DELAY_MS / 1000} s in case IAM is still propagating this deployment's role policy: ${(err as Error).message}`);
            await sleep(IAM_PROPAGATION_RETRY_DELAY_MS);
        }
    }
}
