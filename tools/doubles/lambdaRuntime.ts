// The packaged Lambda handler in a CHILD node process, the way the Lambda Node.js runtime runs it:
// the package ships no node_modules, and the AWS SDK v3 clients resolve by package name through
// NODE_PATH (the runtime's /var/runtime/node_modules; here the repo's node_modules). Endpoints
// point at local servers through the standard AWS_ENDPOINT_URL_* variables. Used by the artifact
// and pip end-to-end tests; the bench uses the environment for its own timing children.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runProcess, type Proc } from "./process";

/**
 * The node_modules folder the project's SDK clients come from, found the same way whether this file
 * runs compiled (build/test/support) or from source through scripts/ts.js (the bench).
 */
const NODE_MODULES = path.resolve(path.dirname(require.resolve("@aws-sdk/client-s3/package.json")), "..", "..");

export interface LambdaRuntimeEnvOptions {
    /** The Function's own environment variables. */
    readonly variables: Readonly<Record<string, string>>;
    readonly region: string;
    /** AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_CODEARTIFACT. */
    readonly endpoints: { readonly s3: string; readonly codeartifact: string };
    /** A folder to name the (absent) AWS config and credentials files in. */
    readonly scratchDir: string;
    /** A CA certificate (PEM file) the function trusts besides the usual ones: a local HTTPS index's. */
    readonly caFile?: string;
}

/**
 * The environment the Lambda runtime would give the function, pointed at local servers: the
 * Function's variables, the SDK through NODE_PATH, dummy credentials, no AWS config or credentials
 * files, no instance metadata lookups.
 */
export function lambdaRuntimeEnv(opts: LambdaRuntimeEnvOptions): Record<string, string> {
    return {
        ...opts.variables,
        NODE_PATH: NODE_MODULES,
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        AWS_REGION: opts.region,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: path.join(opts.scratchDir, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(opts.scratchDir, "no-aws-credentials"),
        AWS_ENDPOINT_URL_S3: opts.endpoints.s3,
        AWS_ENDPOINT_URL_CODEARTIFACT: opts.endpoints.codeartifact,
        ...(opts.caFile === undefined ? {} : { NODE_EXTRA_CA_CERTS: opts.caFile }),
    };
}

export interface HandlerOutcome extends Proc {
    /** False when the child wrote no result (killed, or crashed before handler({}) settled). */
    readonly reported: boolean;
    /** What handler({}) resolved to (null for undefined); absent when it threw or nothing was reported. */
    readonly result?: unknown;
    /** The message of what it threw. */
    readonly error?: string;
}

/** Requires the entry, calls handler(event) and writes { result } or { error } as JSON. argv: entry, out, event JSON. */
const HANDLER_SCRIPT = [
    "const fs = require('node:fs');",
    "const [entry, out, event] = process.argv.slice(1);",
    "Promise.resolve().then(() => require(entry).handler(JSON.parse(event)))",
    "  .then((result) => fs.writeFileSync(out, JSON.stringify({ result: result === undefined ? null : result })),",
    "        (err) => { fs.writeFileSync(out, JSON.stringify({ error: String(err && err.message || err) })); process.exitCode = 1; });",
].join("\n");

export interface InvokeOptions {
    /** The event handed to the handler; default {}. */
    readonly event?: unknown;
    /** A module the child requires before the handler (node --require), e.g. a clock shim. */
    readonly preload?: string;
}

/**
 * Requires `<dir>/__index.js` in a child node (working directory `dir`, environment `env` only) and
 * calls handler(event), the way the Lambda runtime does. The result travels through a file (stdout is
 * the handler's own: its EMF lines), in a temp folder of its own, removed afterwards: nothing is
 * added to `dir` or next to it. A child killed at `timeoutMs` reports nothing.
 */
export async function runPackagedHandler(dir: string, env: Record<string, string>, timeoutMs = 20_000, opts: InvokeOptions = {}): Promise<HandlerOutcome> {
    const resultDir = await mkdtemp(path.join(os.tmpdir(), "handler-result-"));
    try {
        const resultFile = path.join(resultDir, "handler-result.json");
        const preload = opts.preload === undefined ? [] : ["--require", opts.preload];
        const args = [...preload, "-e", HANDLER_SCRIPT, path.join(dir, "__index.js"), resultFile, JSON.stringify(opts.event ?? {})];
        const proc = await runProcess(process.execPath, args, { cwd: dir, env, timeoutMs });
        let parsed: { result?: unknown; error?: string };
        try {
            parsed = JSON.parse(await readFile(resultFile, "utf8")) as typeof parsed;
        } catch {
            return { ...proc, reported: false };
        }
        return { ...proc, reported: true, ...parsed };
    } finally {
        await rm(resultDir, { recursive: true, force: true });
    }
}
