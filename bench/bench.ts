/**
 * Benchmark of the token refresher: Lambda package size (ours vs what `CallbackFunction` would ship
 * by default for the same callback), offline program evaluation, the handler's cold init and its
 * refresh latency against local servers. Prints the machine, then ONE plain-text table to stdout;
 * progress goes to stderr. Numbers only: nothing is asserted, the exit code is non-zero only when a
 * measurement could not be taken.
 *
 *   npm run bench -- [--runs N] [--calls N]
 *   node build/bench/bench.js [--runs N] [--calls N]
 *
 *   --runs N   runs per timed process row (preview, bare require, startup, breakdown, cold init);
 *              default 7
 *   --calls N  handler calls in the refresh-latency child, the first one reported apart; default 30
 *
 * Rows:
 * - Lambda package, ours: the dev stack's component deployed in this process under RecordingMocks,
 *   its Function's code archive packaged with offline/lambdaPackage (fflate level 9, fixed mtime).
 * - Lambda package, CallbackFunction default: the same callback serialized the way
 *   @pulumi/aws lambdaMixins.js does it when `codePathOptions` is omitted (serializeFunction, then
 *   computeCodePaths with extraExcludePackages ["aws-sdk"]), directories expanded the way the engine
 *   expands a FileArchive (filepath.Walk order, `.pulumi` skipped, symlinked directories skipped,
 *   first occurrence of a name wins), zipped with the same fflate settings.
 * - Program evaluation: wall time of whole `node build/offline/preview.js --stack dev|prod`
 *   processes against `node -e 'require("@pulumi/pulumi")'` and `node -e 0`, run in rotating order
 *   within each round (after one unrecorded warm-up of each) so drift hits every row alike.
 * - Breakdown: one child per round (this script in child mode) times, in the preview's order,
 *   require("@pulumi/pulumi"), require("@pulumi/aws"), the closure serialization and
 *   computeCodePaths with our options (and, for comparison, the default options).
 * - Handler cold init: a fresh node per run with the Function's environment (lambdaRuntimeEnv of
 *   test/support/lambdaRuntime: NODE_PATH = the repo's node_modules, as the Lambda runtime provides
 *   the SDK), timing require("<pkg>/__index.js") inside the child; the serialized factory runs at
 *   require time (config read, client construction).
 * - Refresh: one child calls the packaged handler --calls times against s3rver and the CodeArtifact
 *   double (test/support) on 127.0.0.1.
 *
 * Servers and temp folders are removed on every exit path, including failures.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type * as Pulumi from "@pulumi/pulumi";
import { createHandler } from "../functions/handler";
import { ENV } from "../functions/refresh";

/** build/bench/bench.js → the repo root. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");
const PREVIEW_SCRIPT = path.join(REPO_ROOT, "build", "offline", "preview.js");
/** Prefix of the one stdout line a child reports its numbers on (the handler prints EMF lines too). */
const RESULT_MARKER = "BENCH_RESULT ";
/** argv[2] that turns this script into the breakdown child. */
const CHILD_BREAKDOWN = "--child-breakdown";
/** Loads index.ts through the Pulumi CLI's ts-node registration, under mocks. */
const CLI_HOST = path.join(__dirname, "..", "test", "support", "cliHost.js");
export const DEFAULT_RUNS = 7;
export const DEFAULT_CALLS = 30;
/** The stack whose settings the package, cold-init and refresh rows use. */
const STACK = "dev";
const PREVIEW_TARGET_RATIO = 1.6;
/** p95 is shown only with at least this many samples. */
const MIN_SAMPLES_FOR_P95 = 20;
/** offline/lambdaPackage.ts's fixed entry timestamp (not exported there): 1980-01-01 00:00 local. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
const PROCESS_TIMEOUT_MS = 60_000;

/** The Function's callback, written exactly as component.ts writes it. */
const callbackFactory = () => createHandler(process.env);

/** What lambdaMixins.js passes to serializeFunction for a `callbackFactory`. */
const SERIALIZE_ARGS: Pulumi.runtime.SerializeFunctionArgs = {
    serialize: () => true,
    exportName: "handler",
    isFactoryFunction: true,
    allowSecrets: true,
};

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
    readonly requirePulumiMs: number;
    readonly requireAwsMs: number;
    readonly serializeMs: number;
    readonly codePathsOursMs: number;
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
    const { PACKAGES_LEFT_TO_THE_RUNTIME } = await import("../component");
    const requireAwsMs = ms(t);
    t = now();
    await pulumi.runtime.serializeFunction(callbackFactory, SERIALIZE_ARGS);
    const serializeMs = ms(t);
    t = now();
    await pulumi.runtime.computeCodePaths({ extraExcludePackages: [...PACKAGES_LEFT_TO_THE_RUNTIME, "aws-sdk"] });
    const codePathsOursMs = ms(t);
    t = now();
    await pulumi.runtime.computeCodePaths({ extraExcludePackages: ["aws-sdk"] });
    const codePathsDefaultMs = ms(t);
    const result: Breakdown = { requirePulumiMs, requireAwsMs, serializeMs, codePathsOursMs, codePathsDefaultMs };
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
    const { loadStackConfig } = await import("../offline/stackConfig");
    const { RecordingMocks } = await import("../offline/mocks");
    const { PREVIEW_ACCOUNT } = await import("../offline/preview");
    const stack = loadStackConfig(STACK, REPO_ROOT);
    const region = stack.config["aws:region"];
    if (region === undefined) throw new BenchError(`stack ${STACK} sets no aws:region`);
    pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
    const mocks = new RecordingMocks({ accountId: PREVIEW_ACCOUNT, region });
    await pulumi.runtime.setMocks(mocks, stack.project, stack.stack, false);
    const { readSettings } = await import("../settings");
    const { CodeArtifactTokenRefresher, refresherArgs } = await import("../component");
    const refresher = new CodeArtifactTokenRefresher(`mwaa-codeartifact-${STACK}`, refresherArgs(readSettings()));
    await new Promise((resolve) => refresher.alarmNames.apply(resolve));
    const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as { waitForRPCs: () => Promise<void> };
    await settings.waitForRPCs();

    const fns = mocks.ofType("aws:lambda/function:Function");
    if (fns.length !== 1) throw new BenchError(`expected one Lambda function, found ${fns.length}`);
    const { lambdaPackage } = await import("../offline/lambdaPackage");
    const pkg = await lambdaPackage(fns[0].inputs.code);
    const variables = (fns[0].inputs.environment as { variables?: Record<string, string> } | undefined)?.variables;
    if (variables === undefined) throw new BenchError("the Function has no environment variables");
    const rawBytes = Object.values(pkg.files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    return { files: pkg.files, rawBytes, zippedBytes: pkg.zippedBytes, variables, region };
}

/**
 * The files of a directory FileArchive as the engine lists them (sdk/go/common/resource/archive
 * readPath): filepath.Walk in lexical order, `.pulumi` skipped, directories (and symlinks to
 * directories) not archived, symlinks to files archived as copies, names relative with "/".
 */
export function walkArchiveDirectory(root: string): string[] {
    const out: string[] = [];
    const visit = (dir: string, rel: string): void => {
        for (const name of fs.readdirSync(dir).sort()) {
            if (name === ".pulumi") continue;
            const full = path.join(dir, name);
            const relName = rel === "" ? name : `${rel}/${name}`;
            const stat = fs.lstatSync(full);
            if (stat.isDirectory()) {
                visit(full, relName);
            } else if (stat.isSymbolicLink()) {
                if (!fs.statSync(full).isDirectory()) out.push(relName);
            } else {
                out.push(relName);
            }
        }
    };
    visit(root, "");
    return out;
}

interface DefaultPackage {
    readonly files: number;
    readonly packageFolders: number;
    readonly rawBytes: number;
    readonly zippedBytes: number;
    readonly zipMs: number;
    readonly indexText: string;
}

/** What `CallbackFunction` ships for the same callback when `codePathOptions` is omitted. */
async function defaultPackage(pulumi: typeof Pulumi): Promise<DefaultPackage> {
    // lambdaMixins.js: serializeFunction, then computeCodePaths(closure, "__index", args.codePathOptions).
    const closure = await pulumi.runtime.serializeFunction(callbackFactory, SERIALIZE_ARGS);
    const codePaths: Record<string, Pulumi.asset.Asset | Pulumi.asset.Archive> = {
        "__index.js": new pulumi.asset.StringAsset(closure.text),
    };
    const codePathOptions: Pulumi.runtime.CodePathOptions = {};
    codePathOptions.extraExcludePackages = codePathOptions.extraExcludePackages ?? [];
    codePathOptions.extraExcludePackages.push("aws-sdk");
    const modulePaths = await pulumi.runtime.computeCodePaths(codePathOptions);
    for (const [p, asset] of modulePaths) codePaths[p] = asset;

    // The engine flattens the AssetArchive in sorted key order; a name met twice keeps its first blob.
    const { zipSync } = await import("fflate");
    const zippable: Record<string, [Uint8Array, { level: 9; mtime: Date }]> = {};
    let rawBytes = 0;
    const add = (name: string, data: Uint8Array): void => {
        if (name in zippable) return;
        zippable[name] = [data, { level: 9, mtime: FIXED_MTIME }];
        rawBytes += data.byteLength;
    };
    for (const key of Object.keys(codePaths).sort()) {
        const entry = codePaths[key];
        if (entry instanceof pulumi.asset.StringAsset) {
            add(key, new TextEncoder().encode(await entry.text));
        } else if (entry instanceof pulumi.asset.FileAsset) {
            add(key, new Uint8Array(fs.readFileSync(path.resolve(await entry.path))));
        } else if (entry instanceof pulumi.asset.FileArchive) {
            const dir = path.resolve(await entry.path);
            for (const rel of walkArchiveDirectory(dir)) add(`${key}/${rel}`, new Uint8Array(fs.readFileSync(path.join(dir, rel))));
        } else {
            throw new BenchError(`${key}: unexpected ${entry.constructor.name} in the default code paths`);
        }
    }
    const start = process.hrtime.bigint();
    const zip = zipSync(zippable, { level: 9, mtime: FIXED_MTIME });
    const zipMs = Number(process.hrtime.bigint() - start) / 1e6;
    return {
        files: Object.keys(zippable).length,
        packageFolders: modulePaths.size,
        rawBytes,
        zippedBytes: zip.byteLength,
        zipMs,
        indexText: closure.text,
    };
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
const [entry, n] = process.argv.slice(1);
const report = (r) => process.stdout.write("\\n${RESULT_MARKER}" + JSON.stringify(r) + "\\n");
(async () => {
    const { handler } = require(entry);
    const callMs = [];
    for (let i = 0; i < Number(n); i++) {
        const t0 = process.hrtime.bigint();
        const result = await handler({ source: "bench" });
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
// main
// ---------------------------------------------------------------------------------------------

const USAGE = `Usage: node build/bench/bench.js [--runs N] [--calls N]

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
    const rows: Row[] = [];

    // 1 + 2: Lambda packages, in this process.
    progress("deploying the component under mocks and packaging it");
    const pulumi = await import("@pulumi/pulumi");
    const ours = await ourPackage(pulumi);
    const oursFiles = Object.keys(ours.files).length;
    progress("packaging the same callback the CallbackFunction default way");
    const dflt = await defaultPackage(pulumi);
    const sameIndex = dflt.indexText === ours.files["__index.js"];
    rows.push(
        valueRow("Lambda package, ours: files", formatCount(oursFiles), `${Object.keys(ours.files).sort().join(", ")}; node_modules left to the runtime`),
        valueRow("Lambda package, ours: zipped", formatBytes(ours.zippedBytes), `${formatBytes(ours.rawBytes)} raw; ${STACK} stack under RecordingMocks, fflate level 9`),
        valueRow("Lambda package, default: files", formatCount(dflt.files),
            `__index.js + ${dflt.packageFolders} package folders; __index.js ${sameIndex ? "identical to ours" : "DIFFERS from ours"}`),
        valueRow("Lambda package, default: zipped", formatBytes(dflt.zippedBytes),
            `${formatBytes(dflt.rawBytes)} raw; zipped in ${formatMs(dflt.zipMs)} (same fflate settings)`),
        valueRow("  ratio default/ours: files", formatRatio(dflt.files / oursFiles)),
        valueRow("  ratio default/ours: zipped", formatRatio(dflt.zippedBytes / ours.zippedBytes)),
    );

    // 3 + breakdown: whole processes, rotated within each round after one warm-up of each.
    const env = cliEnv();
    const breakdowns: Breakdown[] = [];
    const tasks = [
        { key: "dev", run: () => timedProcess("preview --stack dev", [PREVIEW_SCRIPT, "--stack", "dev"], env) },
        { key: "bare", run: () => timedProcess("bare require", ["-e", 'require("@pulumi/pulumi")'], env) },
        { key: "prod", run: () => timedProcess("preview --stack prod", [PREVIEW_SCRIPT, "--stack", "prod"], env) },
        { key: "startup", run: () => timedProcess("node -e 0", ["-e", "0"], env) },
        // ts-node 7 caches its output on disk; without the cache this is what the first `pulumi up`
        // after a code change pays.
        { key: "cli", run: () => timedProcess("CLI path, transpile-only", [CLI_HOST, REPO_ROOT, "dev"], { ...env, TS_NODE_CACHE: "false" }) },
        {
            key: "cliTypecheck",
            run: () => timedProcess("CLI path, type-checked", [CLI_HOST, REPO_ROOT, "dev"],
                { ...env, TS_NODE_CACHE: "false", PULUMI_NODEJS_TRANSPILE_ONLY: "false" }),
        },
        {
            key: "breakdown",
            run: async () => {
                const result = resultOf<Breakdown>("breakdown child", await runNode([__filename, CHILD_BREAKDOWN], { cwd: REPO_ROOT, env }));
                breakdowns.push(result);
                return 0;
            },
        },
    ] as const;
    const times = new Map<string, number[]>(tasks.map((t) => [t.key, []]));
    progress("warm-up of each process");
    for (const task of tasks) await task.run();
    breakdowns.length = 0;
    for (let round = 0; round < opts.runs; round++) {
        progress(`process round ${round + 1}/${opts.runs}`);
        for (let i = 0; i < tasks.length; i++) {
            const task = tasks[(round + i) % tasks.length];
            times.get(task.key)!.push(await task.run());
        }
    }
    const dev = times.get("dev")!;
    const bare = times.get("bare")!;
    const prod = times.get("prod")!;
    const startup = times.get("startup")!;
    const pick = (k: keyof Breakdown) => breakdowns.map((b) => b[k]);
    const breakdownMedians = [pick("requirePulumiMs"), pick("requireAwsMs"), pick("serializeMs"), pick("codePathsOursMs")].map(median);
    const explained = median(startup) + breakdownMedians.reduce((a, b) => a + b, 0);
    rows.push(
        timedRow("Preview --stack dev (process)", dev, "node build/offline/preview.js --stack dev, wall"),
        timedRow("Bare require @pulumi/pulumi (process)", bare, `node -e 'require("@pulumi/pulumi")', wall`),
        valueRow("  ratio preview dev / bare", formatRatio(median(dev) / median(bare)), `ratio of medians; target <= ${PREVIEW_TARGET_RATIO.toFixed(1)}x`),
        timedRow("Preview --stack prod (process)", prod, "alarms + SNS topic, KMS key"),
        timedRow("Node startup (process)", startup, "node -e 0, wall"),
        timedRow("pulumi up's load of index.ts (process)", times.get("cli")!, "ts-node 7.0.1 as the CLI registers it, no ts-node cache; tsconfig noCheck: transpile-only"),
        timedRow("  same, type-checked", times.get("cliTypecheck")!, "PULUMI_NODEJS_TRANSPILE_ONLY=false: what noCheck saves"),
        timedRow("Breakdown: require @pulumi/pulumi", pick("requirePulumiMs"), "in a fresh child, in the preview's order"),
        timedRow("Breakdown: require component", pick("requireAwsMs"), "component.ts and the @pulumi/aws submodules it imports"),
        timedRow("Breakdown: serializeFunction", pick("serializeMs"), "the callback, as lambdaMixins.js serializes it"),
        timedRow("Breakdown: computeCodePaths, ours", pick("codePathsOursMs"), "our extraExcludePackages: arborist still loads the whole tree"),
        timedRow("Breakdown: computeCodePaths, default", pick("codePathsDefaultMs"), "not in the preview; runs 2nd in the child (arborist already loaded)"),
        valueRow("Breakdown: rest of preview dev", formatMs(median(dev) - explained),
            "derived, noisy: median preview - (startup + 4 steps above); mocks, program, lambdaPackage, output"),
    );

    // 4 + 5: the packaged handler, against local servers.
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    cleanups.push(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const pkgDir = path.join(scratch, "lambda");
    for (const [name, text] of Object.entries(ours.files)) {
        fs.mkdirSync(path.dirname(path.join(pkgDir, name)), { recursive: true });
        fs.writeFileSync(path.join(pkgDir, name), text);
    }
    const entry = path.join(pkgDir, "__index.js");
    progress("starting s3rver and the CodeArtifact double on 127.0.0.1");
    const { startS3Server } = await import("../test/support/s3Server");
    const { startCodeArtifactDouble } = await import("../test/support/codeartifactDouble");
    const { lambdaRuntimeEnv } = await import("../test/support/lambdaRuntime");
    const bucket = ours.variables[ENV.bucket];
    const s3 = await startS3Server({ buckets: [bucket] });
    cleanups.push(() => s3.close());
    const ca = await startCodeArtifactDouble({ defaultRegion: ours.region });
    cleanups.push(() => ca.close());
    const handlerEnv = lambdaRuntimeEnv({
        variables: ours.variables,
        region: ours.region,
        endpoints: { s3: s3.directEndpoint, codeartifact: ca.endpoint },
        scratchDir: scratch,
    });

    const initMs: number[] = [];
    for (let run = 0; run < opts.runs; run++) {
        progress(`handler cold init ${run + 1}/${opts.runs}`);
        const child = await runNode(["-e", COLD_INIT_SCRIPT, entry], { cwd: pkgDir, env: handlerEnv });
        initMs.push(resultOf<{ initMs: number }>("cold-init child", child).initMs);
    }
    rows.push(timedRow("Handler cold init", initMs, "require(__index.js) until exports.handler, fresh node per run"));

    progress(`refresh latency, ${opts.calls} calls`);
    const child = await runNode(["-e", REFRESH_SCRIPT, entry, String(opts.calls)], { cwd: pkgDir, env: handlerEnv });
    const { callMs } = resultOf<{ callMs: number[] }>("refresh child", child);
    const caCalls = ca.requests.filter((r) => r.outcome === 200).length;
    if (callMs.length !== opts.calls || caCalls !== 2 * opts.calls) {
        throw new BenchError(`refresh child made ${callMs.length} calls and ${caCalls} successful CodeArtifact requests, expected ${opts.calls} and ${2 * opts.calls}`);
    }
    rows.push(
        timedRow("Refresh, first call", callMs.slice(0, 1), "includes credential + endpoint resolution, connection setup"),
        timedRow("Refresh, later calls", callMs.slice(1), "2 CodeArtifact calls + 1 S3 PutObject each, s3rver direct"),
    );
    await cleanUp();

    const totalS = Number(process.hrtime.bigint() - benchStart) / 1e9;
    process.stdout.write(`${header.join("\n")}\n\n${formatTable(rows)}\nbench time: ${totalS.toFixed(1)} s\n`);
}

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
