/**
 * Benchmark of the token refresher: Lambda package size, offline program evaluation, the handler's cold init and its
 * refresh latency against local servers. Prints the machine, then ONE plain-text table to stdout;
 * progress goes to stderr. Numbers only: nothing is asserted, the exit code is non-zero only when a
 * measurement could not be taken.
 *
 *   npm run bench -- [--runs N] [--calls N]
 *   node scripts/ts.js tools/bench/bench.ts [--runs N] [--calls N]     (what that npm script runs)
 *
 *   --runs N   runs per timed process row (preview, bare require, startup, breakdown, cold init);
 *              default 7
 *   --calls N  handler calls in the refresh-latency child, the first one reported apart; default 30
 *
 * Rows:
 * - Lambda package: the dev stack's component deployed in this process under RecordingMocks, its
 *   Function's code archive packaged with tools/preview/lambdaPackage (fflate level 9, fixed mtime).
 * - Commands: wall time of the command bodies of `npm run preview:offline` (dev, prod), `npm run
 *   status` and `npm run refresh` (node scripts/ts.js <command>.ts: esbuild transpiles the sources,
 *   then the command runs), each right after an edit of index.ts (a comment appended, removed on
 *   exit), against `node -e 'require("@pulumi/pulumi")'` and `node -e 0`, run in rotating order
 *   within each round (after one unrecorded warm-up of each) so drift hits every row alike. status
 *   reads s3rver (a fresh token file written there first); refresh invokes a local Lambda double.
 * - pulumi up's load: tools/doubles/cliHost.ts (bundled by esbuild into node_modules/.cache, so that
 *   no transpiler of ours is running when it starts) loads the program as the CLI's run.js does:
 *   today through Pulumi.yaml main (scripts/pulumi-main.js), and, for comparison, through the
 *   vendored ts-node the CLI used while Pulumi.yaml said typescript: true.
 * - Breakdown: one child per round (this script in child mode) times, in the preview's order,
 *   require("@pulumi/pulumi"), require("@pulumi/aws"), the closure serialization, and the
 *   computeCodePaths walk CallbackFunction would add (the component avoids it).
 * - Handler cold init: a fresh node per run with the Function's environment (lambdaRuntimeEnv of
 *   tools/doubles/lambdaRuntime: NODE_PATH = the repo's node_modules, as the Lambda runtime provides
 *   the SDK), timing require("<pkg>/__index.js") inside the child; the serialized factory runs at
 *   require time (config read, client construction).
 * - Refresh: one child calls the packaged handler --calls times against s3rver, the CodeArtifact
 *   double and the local HTTPS PyPI index (tools/doubles) on 127.0.0.1: a scheduled refresh checks
 *   the token against the index root.
 * - Deploy invocation's index check: the same child with the deploy event listing
 *   BENCH_REQUIREMENTS requirements, with INDEX_CHECK=requirements and with INDEX_CHECK=none; the
 *   difference of the medians is what the check adds to the deploy invocation.
 * - pulumi preview through the Node.js host (only when a CLI with its hosts is on PATH or built by
 *   `npm run engine:cli`; nothing is built here): the dev stack in a scratch copy of the project, as
 *   the engine tests' world runs it (the aws double on PATH, a file backend), against a program of one
 *   S3 object on the same CLI and host, alternating, --runs times each; their ratio (target <= 1.2x).
 *
 * Servers and temp folders are removed on every exit path, including failures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type * as Pulumi from "@pulumi/pulumi";
import { buildSync } from "esbuild";
import { ENV } from "../../functions/contract";
import type { CodeArtifactDouble } from "../doubles/codeartifactDouble";
import type { PypiIndex } from "../doubles/pypiIndex";
import type { S3TestServer } from "../doubles/s3Server";

/** tools/bench/bench.ts → the repo root. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** What `npm run preview:offline|status|refresh|bench` run: node RUNNER <command>.ts [args]. */
const RUNNER = path.join(REPO_ROOT, "scripts", "ts.js");
const PREVIEW_SCRIPT = path.join(REPO_ROOT, "tools", "preview", "preview.ts");
const STATUS_SCRIPT = path.join(REPO_ROOT, "tools", "operate", "status.ts");
const REFRESH_SCRIPT_TS = path.join(REPO_ROOT, "tools", "operate", "refresh.ts");
/** Evaluates a program of N refreshers under mocks and reports its evaluation time. */
const MANY_SCRIPT = path.join(REPO_ROOT, "tools", "bench", "manyRefreshers.ts");
/** The refresher counts compared: one environment, and a platform team's many. */
const MANY_COUNTS = [1, 50] as const;
/** The program whose edit precedes every timed command run. */
const PROGRAM_TS = path.join(REPO_ROOT, "index.ts");
/** Prefix of the one stdout line a child reports its numbers on (the handler prints EMF lines too). */
const RESULT_MARKER = "BENCH_RESULT ";
/** argv[2] that turns this script into the breakdown child. */
const CHILD_BREAKDOWN = "--child-breakdown";
/** tools/doubles/cliHost.ts, bundled to plain JavaScript here before the process rounds. */
const CLI_HOST = path.join(REPO_ROOT, "node_modules", ".cache", "mwaa-bench", "cliHost.js");
export const DEFAULT_RUNS = 7;
export const DEFAULT_CALLS = 30;
/** The stack whose settings the package, cold-init and refresh rows use. */
const STACK = "dev";
const COMMAND_TARGET_RATIO = 2.2;
/** p95 is shown only with at least this many samples. */
const MIN_SAMPLES_FOR_P95 = 20;
const PROCESS_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Pure helpers (test/bench.test.ts)
// ---------------------------------------------------------------------------------------------

/** The p-th percentile (0..100), linear interpolation between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
    if (values.length === 0) throw new RangeError("percentile of no values");
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} outside 0..100`);
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (p / 100) * (sorted.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
    return percentile(values, 50);
}

export interface Summary {
    readonly n: number;
    readonly median: number;
    readonly p95: number;
    readonly min: number;
    readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
    return {
        n: values.length,
        median: median(values),
        p95: percentile(values, 95),
        min: Math.min(...values),
        max: Math.max(...values),
    };
}

/** Milliseconds with 2, 1 or 0 decimals below 10, 100 and above. */
export function formatMs(ms: number): string {
    const digits = Math.abs(ms) >= 100 ? 0 : Math.abs(ms) >= 10 ? 1 : 2;
    return `${ms.toFixed(digits)} ms`;
}

/** An integer with thousands separators, locale-independent: 1234567 → "1,234,567". */
export function formatCount(n: number): string {
    const sign = n < 0 ? "-" : "";
    return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatBytes(n: number): string {
    return `${formatCount(n)} B`;
}

export function formatRatio(r: number): string {
    return Math.abs(r) >= 100 ? `${formatCount(r)}x` : `${r.toFixed(2)}x`;
}

/** One table row; absent cells print as "-" (the note as nothing). */
export interface Row {
    readonly label: string;
    readonly median?: string;
    readonly p95?: string;
    readonly min?: string;
    readonly max?: string;
    readonly n?: string;
    readonly note?: string;
}

const COLUMNS: readonly { readonly key: keyof Row; readonly title: string; readonly align: "left" | "right" }[] = [
    { key: "label", title: "measurement", align: "left" },
    { key: "median", title: "median", align: "right" },
    { key: "p95", title: "p95", align: "right" },
    { key: "min", title: "min", align: "right" },
    { key: "max", title: "max", align: "right" },
    { key: "n", title: "n", align: "right" },
    { key: "note", title: "note", align: "left" },
];

/**
 * Aligned plain text: a header, a dashed rule, one line per row; columns separated by two spaces,
 * text left-aligned, numbers right-aligned, no trailing spaces.
 */
export function formatTable(rows: readonly Row[]): string {
    const cell = (row: Row, key: keyof Row): string => row[key] ?? (key === "note" ? "" : "-");
    const widths = COLUMNS.map((c) => Math.max(c.title.length, ...rows.map((r) => cell(r, c.key).length)));
    const line = (cells: readonly string[]): string =>
        cells.map((text, i) => (COLUMNS[i].align === "left" ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join("  ").trimEnd();
    return [
        line(COLUMNS.map((c) => c.title)),
        line(widths.map((w) => "-".repeat(w))),
        ...rows.map((r) => line(COLUMNS.map((c) => cell(r, c.key)))),
    ].join("\n") + "\n";
}

/** A timed row: median, p95 (from MIN_SAMPLES_FOR_P95 samples), min, max of `values` in ms. */
export function timedRow(label: string, values: readonly number[], note?: string): Row {
    const s = summarize(values);
    return {
        label,
        median: formatMs(s.median),
        ...(s.n >= MIN_SAMPLES_FOR_P95 ? { p95: formatMs(s.p95) } : {}),
        min: formatMs(s.min),
        max: formatMs(s.max),
        n: String(s.n),
        ...(note !== undefined ? { note } : {}),
    };
}

/** A single value (not timed). */
export function valueRow(label: string, value: string, note?: string): Row {
    return { label, median: value, ...(note !== undefined ? { note } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Failure and cleanup
// ---------------------------------------------------------------------------------------------

class BenchError extends Error {}

const cleanups: (() => Promise<void> | void)[] = [];
/** Children still running: killed first when the bench fails or is interrupted. */
const activeChildren = new Set<ChildProcess>();

async function cleanUp(): Promise<void> {
    for (const child of activeChildren) child.kill("SIGKILL");
    while (cleanups.length > 0) {
        const step = cleanups.pop()!;
        try {
            await step();
        } catch (err) {
            process.stderr.write(`bench: cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
    }
}

function progress(text: string): void {
    process.stderr.write(`bench: ${text}\n`);
}

function tail(text: string, lines = 15): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

interface ChildRun {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    /** From just before spawn() to the child's exit. */
    readonly wallMs: number;
}

function runNode(args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ChildRun> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        let exited = start;
        const child = spawn(process.execPath, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
        activeChildren.add(child);
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), PROCESS_TIMEOUT_MS);
        child.on("error", (err) => {
            clearTimeout(timer);
            activeChildren.delete(child);
            reject(err);
        });
        child.on("exit", () => {
            exited = process.hrtime.bigint();
            activeChildren.delete(child);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr, wallMs: Number(exited - start) / 1e6 });
        });
    });
}

function describeRun(what: string, run: ChildRun): string {
    const how = run.signal !== null ? `was killed by ${run.signal}` : `exited ${run.code}`;
    return `${what} ${how}\n${tail(run.stderr || run.stdout)}`;
}

/** Wall time of a child that must succeed. */
async function timedProcess(what: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
    const run = await runNode(args, { cwd: REPO_ROOT, env });
    if (run.code !== 0) throw new BenchError(describeRun(what, run));
    return run.wallMs;
}

/** The JSON a child printed after RESULT_MARKER; the child must have exited 0. */
function resultOf<T>(what: string, run: ChildRun): T {
    const line = run.stdout.split("\n").reverse().find((l) => l.startsWith(RESULT_MARKER));
    if (line === undefined) throw new BenchError(describeRun(what, run));
    const parsed = JSON.parse(line.slice(RESULT_MARKER.length)) as T & { error?: string };
    if (parsed.error !== undefined) throw new BenchError(`${what} failed: ${parsed.error}\n${tail(run.stderr)}`);
    if (run.code !== 0) throw new BenchError(describeRun(what, run));
    return parsed;
}

/** The environment of the CLI-like children: ours, without config a Pulumi CLI may have left. */
function cliEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.PULUMI_CONFIG;
    delete env.PULUMI_CONFIG_SECRET_KEYS;
    return env;
}

// ---------------------------------------------------------------------------------------------
// Breakdown child: where the preview's time goes
// ---------------------------------------------------------------------------------------------

interface Breakdown {
    /** scripts/ts.js's register(): load esbuild, list the sources, transpile them all. */
    readonly transpileMs: number;
    readonly requirePulumiMs: number;
    readonly requireAwsMs: number;
    readonly serializeMs: number;
    /** What CallbackFunction's code-path walk would add; the component no longer runs it. */
    readonly codePathsDefaultMs: number;
}

async function childBreakdown(): Promise<void> {
    const now = () => process.hrtime.bigint();
    const ms = (from: bigint) => Number(now() - from) / 1e6;
    let t = now();
    const pulumi = await import("@pulumi/pulumi");
    const requirePulumiMs = ms(t);
    t = now();
    // The component with the @pulumi/aws submodules it imports, as the program loads them.
    const { serializeHandler } = await import("../../lib/component");
    const requireAwsMs = ms(t);
    t = now();
    await serializeHandler();
    const serializeMs = ms(t);
    t = now();
    await pulumi.runtime.computeCodePaths({ extraExcludePackages: ["aws-sdk"] });
    const codePathsDefaultMs = ms(t);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transpileMs = (require(RUNNER) as { registerMs(): number | undefined }).registerMs();
    if (transpileMs === undefined) throw new BenchError("the breakdown child was not started through scripts/ts.js");
    const result: Breakdown = { transpileMs, requirePulumiMs, requireAwsMs, serializeMs, codePathsDefaultMs };
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Lambda packages
// ---------------------------------------------------------------------------------------------

interface OurPackage {
    readonly files: Readonly<Record<string, string>>;
    readonly rawBytes: number;
    readonly zippedBytes: number;
    readonly variables: Readonly<Record<string, string>>;
    readonly region: string;
}

/** Deploys the dev stack's component under RecordingMocks and packages its Function. */
async function ourPackage(pulumi: typeof Pulumi): Promise<OurPackage> {
    const { loadStackConfig } = await import("../stackConfig");
    const { RecordingMocks } = await import("../preview/mocks");
    const { PREVIEW_ACCOUNT } = await import("../preview/preview");
    const stack = loadStackConfig(STACK, REPO_ROOT);
    const region = stack.config["aws:region"];
    if (region === undefined) throw new BenchError(`stack ${STACK} sets no aws:region`);
    pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
    const mocks = new RecordingMocks({ accountId: PREVIEW_ACCOUNT, region });
    await pulumi.runtime.setMocks(mocks, stack.project, stack.stack, false);
    const { readSettings, stackArgs } = await import("../../stack/settings");
    const { CodeArtifactTokenRefresher } = await import("../../lib/component");
    const refresher = new CodeArtifactTokenRefresher(`mwaa-codeartifact-${STACK}`, stackArgs(readSettings()));
    await new Promise((resolve) => refresher.alarmNames.apply(resolve));
    const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as { waitForRPCs: () => Promise<void> };
    await settings.waitForRPCs();

    const fns = mocks.ofType("aws:lambda/function:Function");
    if (fns.length !== 1) throw new BenchError(`expected one Lambda function, found ${fns.length}`);
    const { lambdaPackage } = await import("../preview/lambdaPackage");
    const pkg = await lambdaPackage(fns[0].inputs.code);
    const variables = (fns[0].inputs.environment as { variables?: Record<string, string> } | undefined)?.variables;
    if (variables === undefined) throw new BenchError("the Function has no environment variables");
    const rawBytes = Object.values(pkg.files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    return { files: pkg.files, rawBytes, zippedBytes: pkg.zippedBytes, variables, region };
}

// ---------------------------------------------------------------------------------------------
// Handler children
// ---------------------------------------------------------------------------------------------

/** Times require(__index.js) until exports.handler exists. argv: entry. */
const COLD_INIT_SCRIPT = `
const entry = process.argv[1];
const t0 = process.hrtime.bigint();
const mod = require(entry);
const ok = typeof mod.handler === "function";
const t1 = process.hrtime.bigint();
process.stdout.write("\\n${RESULT_MARKER}" + JSON.stringify(ok ? { initMs: Number(t1 - t0) / 1e6 } : { error: "no exports.handler function" }) + "\\n");
`;

/** Calls the handler N times in a row, timing each call. argv: entry, N. */
const REFRESH_SCRIPT = `
const [entry, n, event] = process.argv.slice(1);
const report = (r) => process.stdout.write("\\n${RESULT_MARKER}" + JSON.stringify(r) + "\\n");
(async () => {
    const { handler } = require(entry);
    const callMs = [];
    for (let i = 0; i < Number(n); i++) {
        const t0 = process.hrtime.bigint();
        const result = await handler(JSON.parse(event));
        callMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!result || typeof result.expiresAt !== "string") throw new Error("call " + (i + 1) + " returned " + JSON.stringify(result));
    }
    report({ callMs });
})().catch((err) => {
    report({ error: String((err && err.stack) || err) });
    process.exitCode = 1;
});
`;

// ---------------------------------------------------------------------------------------------
// Command fixtures: what `status`, `refresh` and the pulumi up rows run against
// ---------------------------------------------------------------------------------------------

/** The function name `refresh --function` invokes on the Lambda double. */
const LAMBDA_DOUBLE_FUNCTION = "bench-refresh-function";

/** A fresh token file (1 h left, refreshed now) and a requirements.txt that includes it. */
async function putFreshToken(endpoint: string, region: string, bucket: string, key: string): Promise<void> {
    const { PutObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
        const now = Date.now();
        await s3.send(new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: "--index-url https://aws:bench@example.invalid/simple/\n",
            Metadata: { "token-expires-at": new Date(now + 3600_000).toISOString(), "refreshed-at": new Date(now).toISOString() },
        }));
        const tokenFileName = key.slice(key.indexOf("/") + 1);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "requirements.txt", Body: `-r /usr/local/airflow/dags/${tokenFileName}\n` }));
    } finally {
        s3.destroy();
    }
}

/** Answers every Lambda Invoke with what the refresh function returns on success. */
async function startLambdaDouble(result: { bucket: string; key: string }): Promise<{ endpoint: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
        req.resume().on("end", () => {
            const ok = req.method === "POST" && req.url === `/2015-03-31/functions/${LAMBDA_DOUBLE_FUNCTION}/invocations`;
            const body = ok
                ? { ...result, endpoint: "https://example.invalid/pypi/repo/", expiresAt: new Date(Date.now() + 3600_000).toISOString(), secondsLeft: 3600 }
                : { message: `unexpected ${req.method} ${req.url}` };
            res.writeHead(ok ? 200 : 404, { "content-type": "application/json", ...(ok ? { "x-amz-executed-version": "$LATEST" } : {}) });
            res.end(JSON.stringify(body));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * tools/doubles/cliHost.ts as one plain JavaScript file (its tools/ imports inlined, packages
 * left to node_modules), so that the pulumi up rows start with no transpiler of ours loaded.
 */
function bundleCliHost(): void {
    buildSync({
        entryPoints: [path.join(REPO_ROOT, "tools", "doubles", "cliHost.ts")],
        outfile: CLI_HOST,
        bundle: true,
        packages: "external",
        platform: "node",
        format: "cjs",
        target: "node20",
        logLevel: "error",
    });
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

const USAGE = `Usage: npm run bench -- [--runs N] [--calls N]

  --runs N   runs per timed process row (default ${DEFAULT_RUNS})
  --calls N  handler calls in the refresh-latency child (default ${DEFAULT_CALLS})
`;

export function parseBenchArgs(argv: readonly string[]): { runs: number; calls: number; help: boolean } {
    const { values } = parseArgs({
        args: [...argv],
        options: { runs: { type: "string" }, calls: { type: "string" }, help: { type: "boolean", short: "h" } },
        strict: true,
        allowPositionals: false,
    });
    const int = (name: string, text: string | undefined, fallback: number, min: number): number => {
        if (text === undefined) return fallback;
        if (!/^\d+$/.test(text) || Number(text) < min) throw new BenchError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
        return Number(text);
    };
    return { runs: int("runs", values.runs, DEFAULT_RUNS, 1), calls: int("calls", values.calls, DEFAULT_CALLS, 2), help: values.help ?? false };
}

function machineLines(opts: { runs: number; calls: number }): string[] {
    const cpus = os.cpus();
    return [
        `date:    ${new Date().toISOString()}`,
        `machine: node ${process.version}, ${cpus[0]?.model.trim() ?? "unknown cpu"}, nproc ${os.availableParallelism()}, ${os.platform()} ${os.arch()}`,
        `runs:    ${opts.runs} per timed row, ${opts.calls} handler calls`,
    ];
}

async function main(argv: readonly string[]): Promise<void> {
    const benchStart = process.hrtime.bigint();
    const opts = parseBenchArgs(argv);
    if (opts.help) {
        process.stdout.write(USAGE);
        return;
    }
    // computeCodePaths reads ./package.json and returns paths relative to the working directory.
    process.chdir(REPO_ROOT);
    const header = machineLines(opts);
    const { ours, rows: packageRows } = await measurePackages();
    const fixtures = await startFixtures(ours);
    const processRows = await measureProcesses(fixtures, opts.runs);
    const handlerRows = await measureHandler(ours, fixtures, opts);
    const hostRows = await measureHostPreview(opts.runs);
    await cleanUp();

    const rows = [...packageRows, ...processRows, ...handlerRows, ...hostRows];
    const totalS = Number(process.hrtime.bigint() - benchStart) / 1e9;
    process.stdout.write(`${header.join("\n")}\n\n${formatTable(rows)}\nbench time: ${totalS.toFixed(1)} s\n`);
}

/** Rows 1 + 2: the Lambda package, built in this process. */
async function measurePackages(): Promise<{ ours: OurPackage; rows: Row[] }> {
    progress("deploying the component under mocks and packaging it");
    const pulumi = await import("@pulumi/pulumi");
    const ours = await ourPackage(pulumi);
    return { ours, rows: packageRows(ours) };
}

function packageRows(ours: OurPackage): Row[] {
    return [
        valueRow("Lambda package: files", formatCount(Object.keys(ours.files).length), `${Object.keys(ours.files).sort().join(", ")}; node_modules left to the runtime`),
        valueRow("Lambda package: zipped", formatBytes(ours.zippedBytes), `${formatBytes(ours.rawBytes)} raw; ${STACK} stack under RecordingMocks, fflate level 9`),
    ];
}

/** The local servers and the scratch folder the process and handler rows run against. */
interface Fixtures {
    readonly scratch: string;
    readonly s3: S3TestServer;
    readonly ca: CodeArtifactDouble;
    readonly index: PypiIndex;
    readonly lambdaDouble: { readonly endpoint: string };
}

/**
 * Local servers: s3rver and the CodeArtifact double for the handler rows, s3rver (with a fresh
 * token file) for `status`, a Lambda double for `refresh`. Each is closed by cleanUp().
 */
async function startFixtures(ours: OurPackage): Promise<Fixtures> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    cleanups.push(() => fs.rmSync(scratch, { recursive: true, force: true }));
    progress("starting s3rver, the CodeArtifact double and the Lambda double on 127.0.0.1");
    const { startS3Server } = await import("../doubles/s3Server");
    const { startCodeArtifactDouble } = await import("../doubles/codeartifactDouble");
    const bucket = ours.variables[ENV.bucket];
    const s3 = await startS3Server({ buckets: [bucket] });
    cleanups.push(() => s3.close());
    const { startPypiIndex } = await import("../doubles/pypiIndex");
    const { DEFAULT_DOUBLE_TOKEN } = await import("../doubles/codeartifactDouble");
    const listings = Object.fromEntries(BENCH_REQUIREMENTS.map((r) => [r.name, [`${r.name.replace(/-/g, "_")}-${r.pin ?? "1.0.0"}-py3-none-any.whl`]]));
    const index = await startPypiIndex({ repository: "*", token: DEFAULT_DOUBLE_TOKEN, wheels: [], listings });
    cleanups.push(() => index.close());
    const ca = await startCodeArtifactDouble({ defaultRegion: ours.region, repositoryEndpoint: (req) => `${index.origin}/pypi/${req.query["repository"]}/` });
    cleanups.push(() => ca.close());
    await putFreshToken(s3.endpoint, ours.region, bucket, ours.variables[ENV.key]);
    const lambdaDouble = await startLambdaDouble({ bucket, key: ours.variables[ENV.key] });
    cleanups.push(() => lambdaDouble.close());
    return { scratch, s3, ca, index, lambdaDouble };
}

/**
 * Row 3 + breakdown: whole processes, rotated within each round after one warm-up of each. Every
 * command run follows an edit of index.ts: nothing built before can stand in for the sources.
 */
async function measureProcesses(fixtures: Fixtures, runs: number): Promise<Row[]> {
    const env = cliEnv();
    const awsEnv = awsCommandEnv(env, fixtures);
    const programText = fs.readFileSync(PROGRAM_TS, "utf8");
    cleanups.push(() => fs.writeFileSync(PROGRAM_TS, programText));
    progress("bundling tools/doubles/cliHost.ts for the pulumi up rows");
    bundleCliHost();
    const breakdowns: Breakdown[] = [];
    const tasks = processTasks(env, awsEnv, programText, breakdowns);
    progress("warm-up of each process");
    for (const task of tasks) await task.run();
    breakdowns.length = 0;
    const times = await timeRounds(tasks, runs);
    fs.writeFileSync(PROGRAM_TS, programText);
    return processRows(times, breakdowns);
}

/** `env` with dummy credentials, no AWS config files, and the S3 and Lambda endpoints of the fixtures. */
function awsCommandEnv(env: NodeJS.ProcessEnv, fixtures: Fixtures): NodeJS.ProcessEnv {
    return {
        ...env,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: path.join(fixtures.scratch, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(fixtures.scratch, "no-aws-credentials"),
        AWS_ENDPOINT_URL_S3: fixtures.s3.endpoint,
        AWS_ENDPOINT_URL_LAMBDA: fixtures.lambdaDouble.endpoint,
    };
}

interface ProcessTask {
    readonly key: string;
    /** Runs the process once; its wall time in ms. */
    readonly run: () => Promise<number>;
}

/** The timed processes in rotation order; the breakdown child's numbers go to `breakdowns`. */
function processTasks(env: NodeJS.ProcessEnv, awsEnv: NodeJS.ProcessEnv, programText: string, breakdowns: Breakdown[]): readonly ProcessTask[] {
    let edits = 0;
    const command = (what: string, script: string, args: readonly string[], commandEnv: NodeJS.ProcessEnv) => () => {
        fs.writeFileSync(PROGRAM_TS, `${programText}// bench edit ${++edits}\n`);
        return timedProcess(what, [RUNNER, script, ...args], commandEnv);
    };
    return [
        { key: "dev", run: command("preview --stack dev", PREVIEW_SCRIPT, ["--stack", "dev"], env) },
        { key: "bare", run: () => timedProcess("bare require", ["-e", 'require("@pulumi/pulumi")'], env) },
        { key: "prod", run: command("preview --stack prod", PREVIEW_SCRIPT, ["--stack", "prod"], env) },
        { key: "status", run: command("status --stack dev", STATUS_SCRIPT, ["--stack", STACK], awsEnv) },
        { key: "refresh", run: command("refresh --stack dev", REFRESH_SCRIPT_TS, ["--stack", STACK, "--function", LAMBDA_DOUBLE_FUNCTION], awsEnv) },
        { key: "startup", run: () => timedProcess("node -e 0", ["-e", "0"], env) },
        { key: "cli", run: () => timedProcess("CLI path, Pulumi.yaml main", [CLI_HOST, REPO_ROOT, STACK], env) },
        // ts-node 7 caches its output on disk; without the cache this is what the first `pulumi up`
        // after a code change paid while Pulumi.yaml said typescript: true.
        { key: "cliTsNode", run: () => timedProcess("CLI path, ts-node", [CLI_HOST, REPO_ROOT, STACK, "--typescript"], { ...env, TS_NODE_CACHE: "false" }) },
        ...MANY_COUNTS.map((count) => ({
            key: `many${count}`,
            run: async () => resultOf<{ ms: number }>(`${count} refreshers child`, await runNode([RUNNER, MANY_SCRIPT, String(count)], { cwd: REPO_ROOT, env })).ms,
        })),
        {
            key: "breakdown",
            run: async () => {
                const result = resultOf<Breakdown>("breakdown child", await runNode([RUNNER, __filename, CHILD_BREAKDOWN], { cwd: REPO_ROOT, env }));
                breakdowns.push(result);
                return 0;
            },
        },
    ];
}

/** Each task's wall times over `runs` rounds; round r starts at task r, so drift hits every row alike. */
async function timeRounds(tasks: readonly ProcessTask[], runs: number): Promise<Map<string, number[]>> {
    const times = new Map<string, number[]>(tasks.map((t) => [t.key, []]));
    for (let round = 0; round < runs; round++) {
        progress(`process round ${round + 1}/${runs}`);
        for (let i = 0; i < tasks.length; i++) {
            const task = tasks[(round + i) % tasks.length];
            times.get(task.key)!.push(await task.run());
        }
    }
    return times;
}

function processRows(times: ReadonlyMap<string, number[]>, breakdowns: readonly Breakdown[]): Row[] {
    const dev = times.get("dev")!;
    const bare = times.get("bare")!;
    const startup = times.get("startup")!;
    const ratioRow = (what: string, values: readonly number[]) =>
        valueRow(`  ratio ${what} / bare`, formatRatio(median(values) / median(bare)), `ratio of medians; target <= ${COMMAND_TARGET_RATIO.toFixed(1)}x`);
    const pick = (k: keyof Breakdown) => breakdowns.map((b) => b[k]);
    const breakdownMedians = [pick("transpileMs"), pick("requirePulumiMs"), pick("requireAwsMs"), pick("serializeMs")].map(median);
    const explained = median(startup) + breakdownMedians.reduce((a, b) => a + b, 0);
    return [
        timedRow("Bare require @pulumi/pulumi (process)", bare, `node -e 'require("@pulumi/pulumi")', wall`),
        timedRow("Preview --stack dev (process)", dev, "node scripts/ts.js tools/preview/preview.ts --stack dev, after an edit of index.ts"),
        ratioRow("preview dev", dev),
        timedRow("Preview --stack prod (process)", times.get("prod")!, "alarms + SNS topic, KMS key"),
        ratioRow("preview prod", times.get("prod")!),
        timedRow("Status --stack dev (process)", times.get("status")!, "tools/operate/status.ts: HeadObject + GetObject on s3rver"),
        ratioRow("status", times.get("status")!),
        timedRow("Refresh --stack dev (process)", times.get("refresh")!, "tools/operate/refresh.ts --function: Invoke on a local Lambda double"),
        ratioRow("refresh", times.get("refresh")!),
        timedRow("Node startup (process)", startup, "node -e 0, wall"),
        timedRow("pulumi up's load of the program (process)", times.get("cli")!, "Pulumi.yaml main scripts/pulumi-main.js: esbuild, then index.ts; under mocks"),
        timedRow("  before: ts-node", times.get("cliTsNode")!, "typescript: true: vendored ts-node 7.0.1, transpile-only (noCheck), no ts-node cache"),
        timedRow("Breakdown: esbuild transpile", pick("transpileMs"), "scripts/ts.js register(): load esbuild, list and transpile every source"),
        timedRow("Breakdown: require @pulumi/pulumi", pick("requirePulumiMs"), "in a fresh child, in the preview's order"),
        timedRow("Breakdown: require component", pick("requireAwsMs"), "component.ts and the @pulumi/aws submodules it imports"),
        timedRow("Breakdown: serializeFunction", pick("serializeMs"), "the inline handler factory, the one fixed cost the preview keeps"),
        timedRow("Breakdown: computeCodePaths (avoided)", pick("codePathsDefaultMs"), "what CallbackFunction's node_modules walk would add; the component skips it"),
        valueRow("Breakdown: rest of preview dev", formatMs(median(dev) - explained),
            "derived, noisy: median preview - (startup + esbuild + both requires + serializeFunction); mocks, program, lambdaPackage, output"),
        ...manyRows(times),
    ];
}

/** One program declaring 1, then 50 refreshers: the handler is serialized once per program. */
function manyRows(times: ReadonlyMap<string, number[]>): Row[] {
    const [one, many] = MANY_COUNTS.map((count) => times.get(`many${count}`)!);
    return [
        timedRow(`${MANY_COUNTS[0]} refresher, evaluation`, one, "tools/bench/manyRefreshers.ts: constructors to last registration, under mocks"),
        timedRow(`${MANY_COUNTS[1]} refreshers, evaluation`, many, "50 buckets, one handler serialization for all"),
        valueRow(`  ratio ${MANY_COUNTS[1]} / ${MANY_COUNTS[0]}`, formatRatio(median(many) / median(one)), "ratio of medians; was 12x with a serialization per refresher"),
    ];
}

/** Rows 4 + 5: the packaged handler's cold init and refresh latency, against the local servers. */
async function measureHandler(ours: OurPackage, fixtures: Fixtures, opts: { runs: number; calls: number }): Promise<Row[]> {
    const pkgDir = writePackage(ours.files, path.join(fixtures.scratch, "lambda"));
    const entry = path.join(pkgDir, "__index.js");
    const { lambdaRuntimeEnv } = await import("../doubles/lambdaRuntime");
    const handlerEnv = lambdaRuntimeEnv({
        variables: ours.variables,
        region: ours.region,
        endpoints: { s3: fixtures.s3.directEndpoint, codeartifact: fixtures.ca.endpoint },
        scratchDir: fixtures.scratch,
        caFile: fixtures.index.caFile,
    });
    const child = { entry, pkgDir, handlerEnv };
    return [
        await coldInitRow(child, opts.runs),
        ...(await refreshLatencyRows(child, opts.calls, fixtures.ca)),
        ...(await deployCheckRows(child, opts.calls, fixtures.index)),
    ];
}

/** The package's files written under `pkgDir`; returns `pkgDir`. */
function writePackage(files: Readonly<Record<string, string>>, pkgDir: string): string {
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
        fs.writeFileSync(path.join(pkgDir, name), text);
    }
    return pkgDir;
}

/** Where and how the handler children run the packaged function. */
interface HandlerChild {
    readonly entry: string;
    readonly pkgDir: string;
    readonly handlerEnv: NodeJS.ProcessEnv;
}

async function coldInitRow(handler: HandlerChild, runs: number): Promise<Row> {
    const initMs: number[] = [];
    for (let run = 0; run < runs; run++) {
        progress(`handler cold init ${run + 1}/${runs}`);
        const child = await runNode(["-e", COLD_INIT_SCRIPT, handler.entry], { cwd: handler.pkgDir, env: handler.handlerEnv });
        initMs.push(resultOf<{ initMs: number }>("cold-init child", child).initMs);
    }
    return timedRow("Handler cold init", initMs, "require(__index.js) until exports.handler, fresh node per run");
}

async function refreshLatencyRows(handler: HandlerChild, calls: number, ca: CodeArtifactDouble): Promise<Row[]> {
    progress(`refresh latency, ${calls} calls`);
    const child = await runNode(["-e", REFRESH_SCRIPT, handler.entry, String(calls), JSON.stringify({ source: "bench" })], { cwd: handler.pkgDir, env: handler.handlerEnv });
    const { callMs } = resultOf<{ callMs: number[] }>("refresh child", child);
    const caCalls = ca.requests.filter((r) => r.outcome === 200).length;
    if (callMs.length !== calls || caCalls !== 2 * calls) {
        throw new BenchError(`refresh child made ${callMs.length} calls and ${caCalls} successful CodeArtifact requests, expected ${calls} and ${2 * calls}`);
    }
    return [
        timedRow("Refresh, first call", callMs.slice(0, 1), "includes credential + endpoint resolution, connection setup"),
        timedRow("Refresh, later calls", callMs.slice(1), "2 CodeArtifact calls, the index root, 1 S3 PutObject each, s3rver direct"),
    ];
}

/** Ten requirements, two of them pinned: what the deploy invocation's check looks up in the bench. */
const BENCH_REQUIREMENTS: readonly { readonly name: string; readonly pin?: string }[] = [
    ...["apache-airflow-providers-snowflake", "boto3", "pandas", "requests", "pyyaml", "numpy", "sqlalchemy", "pendulum"].map((name) => ({ name })),
    { name: "your-package", pin: "1.4.2" }, { name: "your-other-package", pin: "2.0.0" },
];

/** The deploy invocation with BENCH_REQUIREMENTS looked up, against the same invocation with the check off. */
async function deployCheckRows(handler: HandlerChild, calls: number, index: PypiIndex): Promise<Row[]> {
    const event = JSON.stringify({ source: "pulumi-up", requirements: BENCH_REQUIREMENTS });
    const timed = async (indexCheck: string): Promise<number[]> => {
        progress(`deploy invocation, INDEX_CHECK=${indexCheck}, ${calls} calls`);
        const env = { ...handler.handlerEnv, [ENV.indexCheck]: indexCheck };
        return resultOf<{ callMs: number[] }>("deploy child", await runNode(["-e", REFRESH_SCRIPT, handler.entry, String(calls), event], { cwd: handler.pkgDir, env })).callMs.slice(1);
    };
    const before = index.requests.length;
    const checked = await timed("requirements");
    const looked = index.requests.length - before;
    if (looked !== calls * (BENCH_REQUIREMENTS.length + 1)) {
        throw new BenchError(`the deploy child made ${looked} index requests, expected ${calls * (BENCH_REQUIREMENTS.length + 1)}`);
    }
    const unchecked = await timed("none");
    return [
        timedRow(`Deploy invocation, ${BENCH_REQUIREMENTS.length} requirements checked`, checked, "the index root + 10 project pages (4 at a time) over HTTPS, later calls"),
        timedRow("Deploy invocation, indexCheck none", unchecked, "the same calls without the check"),
        valueRow("  added by the check", formatMs(median(checked) - median(unchecked)), "difference of the medians; real CodeArtifact adds its own latency per page"),
    ];
}

/** The one-resource program the host preview is compared with: one S3 object, through the same CLI and host. */
const ONE_RESOURCE_PROGRAM = `"use strict";
const aws = require("@pulumi/aws");
new aws.s3.BucketObjectv2("one", { bucket: "airflow-dev-111122223333-us-west-2", key: "one.txt", content: "one\\n" });
`;

/**
 * `pulumi preview` of the dev stack as a user runs it (the CLI starting the Node.js language host,
 * which loads Pulumi.yaml's main), against a one-resource program on the same CLI, host and machine,
 * alternating, with the engine tests' world (the aws double on PATH, a file backend). Only when a CLI
 * with its hosts is on PATH or already built (`npm run engine:cli`): the bench builds nothing.
 */
async function measureHostPreview(runs: number): Promise<Row[]> {
    const { findPulumiCli } = await import("../engine/pulumiCli");
    let cli: { path: string; version: string };
    try {
        cli = findPulumiCli({ noBuild: true });
    } catch (err) {
        progress(`no pulumi preview rows: ${err instanceof Error ? err.message : String(err)}`);
        return [];
    }
    const { startWorld } = await import("../doubles/world");
    progress(`pulumi preview through the Node.js host (CLI v${cli.version})`);
    const world = await startWorld();
    cleanups.push(() => world.close());
    const one = path.join(world.dir, "one");
    fs.mkdirSync(one);
    fs.writeFileSync(path.join(one, "Pulumi.yaml"), "name: one-resource\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(path.join(one, "index.js"), ONE_RESOURCE_PROGRAM);
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(one, "node_modules"));
    const must = async (args: string[], cwd: string): Promise<number> => {
        const started = process.hrtime.bigint();
        const ran = await world.pulumi(args, { cwd });
        if (ran.code !== 0) throw new BenchError(`pulumi ${args.join(" ")} in ${cwd} exited ${String(ran.code)}:\\n${tail(ran.stdout + ran.stderr)}`);
        return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await must(["stack", "init", STACK], world.projectDir);
    await must(["stack", "init", STACK], one);
    await must(["config", "set", "aws:region", "us-west-2"], one);
    const dev: number[] = [];
    const single: number[] = [];
    await must(["preview"], world.projectDir);
    await must(["preview"], one);
    for (let run = 0; run < runs; run++) {
        progress(`pulumi preview round ${run + 1}/${runs}`);
        dev.push(await must(["preview"], world.projectDir));
        single.push(await must(["preview"], one));
    }
    return [
        timedRow("pulumi preview dev (Node.js host)", dev, `CLI v${cli.version}, its Node.js host loading Pulumi.yaml main; aws double, file backend`),
        timedRow("pulumi preview, one resource", single, "one BucketObjectv2, same CLI, host, double and backend"),
        valueRow("  ratio dev / one resource", formatRatio(median(dev) / median(single)), `ratio of medians; target <= ${HOST_TARGET_RATIO.toFixed(1)}x`),
    ];
}

/** The most `pulumi preview` of the dev stack may cost over a one-resource program on the same CLI. */
const HOST_TARGET_RATIO = 1.2;

function failAndExit(err: unknown): void {
    const text = err instanceof BenchError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`bench failed: ${text}\n`);
    void cleanUp().finally(() => process.exit(1));
}

if (require.main === module) {
    if (process.argv[2] === CHILD_BREAKDOWN) {
        childBreakdown().catch((err: unknown) => {
            process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) })}\n`);
            process.exitCode = 1;
        });
    } else {
        process.on("unhandledRejection", failAndExit);
        process.on("uncaughtException", failAndExit);
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
            process.once(signal, () => failAndExit(new BenchError(`interrupted by ${signal}`)));
        }
        main(process.argv.slice(2)).catch(failAndExit);
    }
}
