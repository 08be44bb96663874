/**
 * Provides a real Pulumi CLI with its Node.js, Python and Go language hosts beside it, all of one
 * release, for the engine tests, without downloading anything from Pulumi:
 *  1. a `pulumi` on PATH whose version is at least the installed `@pulumi/pulumi` SDK's, with the
 *     three hosts in its folder (a normal Pulumi install ships them there);
 *  2. else the CLI and hosts built earlier, cached outside the repository by version
 *     (`<cache>/pulumi-v<version>/bin/`, the version being the wrapper module's in `tools/engine/cli`);
 *  3. else that build, now, when `go` is on PATH: the CLI from the wrapper module (the Go module
 *     proxy serves pkg/v3), the hosts from Pulumi's unmodified source of the same release, which
 *     `$MWAA_PULUMI_SOURCE` names (the proxy refuses the hosts' own modules);
 *  4. else one message saying what to install.
 *
 * `npm run engine:cli` prints the CLI's path; `--build` skips the PATH lookup. SDKs come from the
 * CLI itself (`pulumi package add`, `pulumi package gen-sdk`), through the hosts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The wrapper Go module that pins the CLI's release (go.mod + go.sum are the reviewable record),
 * found from this file whether it runs from source (tools/engine) or compiled (build/tools/engine).
 */
export const WRAPPER_MODULE_DIR = wrapperModuleDir(__dirname);

function wrapperModuleDir(start: string): string {
    for (let dir = start; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "tools", "engine", "cli");
        if (fs.existsSync(path.join(candidate, "go.mod"))) return candidate;
        if (path.dirname(dir) === dir) throw new Error(`tools/engine/cli/go.mod not found above ${start}`);
    }
}
const CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
/** Where the CLI reads its own version; the Automation API refuses a CLI that reports none. */
const VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";

export interface PulumiCli {
    /** Absolute path of the `pulumi` binary. */
    readonly path: string;
    /** Its version without the leading "v", e.g. "3.274.1". */
    readonly version: string;
    readonly source: "PATH" | "cache" | "built";
    /** The folder holding `pulumi` and its language hosts (`pulumi-language-nodejs`, ...). */
    readonly binDir: string;
}

export class PulumiCliUnavailable extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PulumiCliUnavailable";
    }
}

/** The CLI release the wrapper module requires, read from its go.mod (the one place it is written). */
export function pinnedVersion(moduleDir = WRAPPER_MODULE_DIR): string {
    const goMod = fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8");
    const match = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\d+\.\d+\.\d+)\b/m.exec(goMod);
    if (!match) throw new Error(`${moduleDir}/go.mod does not require github.com/pulumi/pulumi/pkg/v3 at a release version`);
    return match[1];
}

/** The oldest CLI the tests accept from PATH: the version of the installed @pulumi/pulumi SDK. */
export function minimumVersion(): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("@pulumi/pulumi/package.json") as { version: string }).version;
}

/** Compares dotted release versions numerically ("3.274.1" > "3.99.0"); pre-release tags are ignored. */
export function compareVersions(a: string, b: string): number {
    const parts = (v: string) => v.replace(/^v/, "").split(/[-+]/)[0].split(".").map(Number);
    const [pa, pb] = [parts(a), parts(b)];
    for (let i = 0; i < 3; i++) {
        const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (diff !== 0) return Math.sign(diff);
    }
    return 0;
}

/** The cache folder: $MWAA_ENGINE_CACHE, else $XDG_CACHE_HOME/mwaa-codeartifact-token, else ~/.cache/mwaa-codeartifact-token. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
    if (env.MWAA_ENGINE_CACHE) return path.resolve(env.MWAA_ENGINE_CACHE);
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "mwaa-codeartifact-token");
}

/** `<cache>/pulumi-v<version>`: laid out as `bin/pulumi`, the root the Automation API's PulumiCommand expects. */
export function cachedCliRoot(version: string, env: NodeJS.ProcessEnv = process.env): string {
    return path.join(cacheRoot(env), `pulumi-v${version}`);
}

/** Finds an executable on PATH, as the shell would. */
export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, command);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/** What `pulumi version` prints, without "v"; undefined when it cannot run or prints no version. */
export function reportedVersion(binary: string): string | undefined {
    const run = spawnSync(binary, ["version"], {
        encoding: "utf8", timeout: 30_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
    });
    const match = /^v?(\d+\.\d+\.\d+\S*)\s*$/.exec((run.stdout ?? "").trim());
    return run.status === 0 && match ? match[1] : undefined;
}

/** Builds the pinned CLI into the cache (written beside, then renamed: never a half-written binary). */
export function buildCli(version: string, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): string {
    const root = cachedCliRoot(version, env);
    const target = path.join(root, "bin", "pulumi");
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    log(`Building the Pulumi CLI v${version} from ${CLI_PACKAGE} (first run only; minutes)...`);
    execFileSync("go", [
        "build", "-trimpath", "-tags", "osusergo,grpcnotrace",
        "-ldflags", `-X ${VERSION_VARIABLE}=v${version}`,
        "-o", partial, CLI_PACKAGE,
    ], { cwd: WRAPPER_MODULE_DIR, env: { ...env, CGO_ENABLED: "0" }, stdio: ["ignore", "inherit", "inherit"] });
    fs.renameSync(partial, target);
    return target;
}

export interface FindOptions {
    readonly env?: NodeJS.ProcessEnv;
    /** Skip a CLI on PATH (to build or reuse the pinned one). */
    readonly ignorePath?: boolean;
    readonly log?: (line: string) => void;
    /** Never build: a CLI on PATH or in the cache, else PulumiCliUnavailable (for `npm run bench`). */
    readonly noBuild?: boolean;
}

/** The language hosts the engine tests run programs with; each is `pulumi-language-<name>` beside the CLI. */
export const HOSTS = ["nodejs", "python", "go"] as const;
export type HostName = (typeof HOSTS)[number];

/** The environment variable naming the hosts' source: Pulumi's release tree, the folder holding `sdk/`. */
export const SOURCE_VARIABLE = "MWAA_PULUMI_SOURCE";

/** Each host's Go module in Pulumi's source tree, and what else it needs beside its binary. */
const HOST_SOURCES: Readonly<Record<HostName, { module: string; extras: readonly string[] }>> = {
    nodejs: { module: "sdk/nodejs/cmd/pulumi-language-nodejs", extras: [] },
    // The host runs this script (with the program's Python) from its own folder.
    python: { module: "sdk/python/cmd/pulumi-language-python", extras: ["sdk/python/cmd/pulumi-language-python-exec"] },
    go: { module: "sdk/go/pulumi-language-go", extras: [] },
};

/** The files that must sit beside `pulumi` for every host to run. */
export function hostFiles(): string[] {
    return HOSTS.flatMap((h) => [`pulumi-language-${h}`, ...HOST_SOURCES[h].extras.map((e) => path.basename(e))]);
}

/** The host files missing from `binDir`. */
export function missingHosts(binDir: string): string[] {
    return hostFiles().filter((f) => !fs.existsSync(path.join(binDir, f)));
}

/** What `pulumi-language-<name> -version` prints, without "v"; undefined when it cannot run. */
export function hostVersion(binary: string): string | undefined {
    const run = spawnSync(binary, ["-version"], { encoding: "utf8", timeout: 30_000 });
    const match = /^v?(\d+\.\d+\.\d+\S*)\s*$/.exec((run.stdout ?? "").trim());
    return run.status === 0 && match ? match[1] : undefined;
}

/**
 * Builds one language host from Pulumi's unmodified source at `sourceRoot` into `binDir`: its module
 * is copied to a temporary folder, its `replace` lines to the monorepo's pkg/ and sdk/ become
 * requirements of the released modules of the same tag (which the Go module proxy serves), and it
 * is built with the version stamped, written beside, then renamed.
 */
export function buildHost(host: HostName, version: string, sourceRoot: string, binDir: string, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): string {
    const { module, extras } = HOST_SOURCES[host];
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `pulumi-language-${host}-`));
    const target = path.join(binDir, `pulumi-language-${host}`);
    const partial = `${target}.partial-${process.pid}`;
    try {
        fs.cpSync(path.join(sourceRoot, module), work, { recursive: true });
        const goEnv = { ...env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false -mod=mod" };
        const go = (args: string[]) => execFileSync("go", args, { cwd: work, env: goEnv, stdio: ["ignore", "inherit", "inherit"] });
        go(["mod", "edit",
            "-dropreplace", "github.com/pulumi/pulumi/pkg/v3", "-dropreplace", "github.com/pulumi/pulumi/sdk/v3",
            "-require", `github.com/pulumi/pulumi/pkg/v3@v${version}`, "-require", `github.com/pulumi/pulumi/sdk/v3@v${version}`]);
        log(`Building pulumi-language-${host} v${version} from ${path.join(sourceRoot, module)} (first run only; minutes)...`);
        go(["build", "-trimpath", "-ldflags", `-X ${VERSION_VARIABLE}=v${version}`, "-o", partial, "."]);
        for (const extra of extras) fs.copyFileSync(path.join(sourceRoot, extra), path.join(binDir, path.basename(extra)));
        for (const extra of extras) fs.chmodSync(path.join(binDir, path.basename(extra)), 0o755);
        fs.renameSync(partial, target);
        return target;
    } finally {
        fs.rmSync(partial, { force: true });
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** What the cache folder of `version` lacks: `pulumi` and the hosts that are absent or report another version. */
function missingFromCache(binDir: string, version: string): string[] {
    const cli = path.join(binDir, "pulumi");
    const hostOk = (h: HostName) => {
        const binary = path.join(binDir, `pulumi-language-${h}`);
        return fs.existsSync(binary) && HOST_SOURCES[h].extras.every((e) => fs.existsSync(path.join(binDir, path.basename(e)))) && hostVersion(binary) === version;
    };
    return [
        ...(fs.existsSync(cli) && reportedVersion(cli) === version ? [] : ["pulumi"]),
        ...HOSTS.filter((h) => !hostOk(h)).map((h) => `pulumi-language-${h}`),
    ];
}

/**
 * The CLI the engine tests run, with the Node.js, Python and Go language hosts of the same release
 * beside it (the CLI finds them in its own folder); see the module comment for the order. Throws
 * PulumiCliUnavailable with one message saying what to install.
 */
export function findPulumiCli(opts: FindOptions = {}): PulumiCli {
    const env = opts.env ?? process.env;
    const minimum = minimumVersion();
    const onPath = opts.ignorePath ? undefined : which("pulumi", env);
    const pathVersion = onPath === undefined ? undefined : reportedVersion(onPath);
    const pathMissing = onPath === undefined ? [] : missingHosts(path.dirname(fs.realpathSync(onPath)));
    if (onPath !== undefined && pathVersion !== undefined && compareVersions(pathVersion, minimum) >= 0 && pathMissing.length === 0) {
        return { path: onPath, version: pathVersion, source: "PATH", binDir: path.dirname(fs.realpathSync(onPath)) };
    }
    const version = pinnedVersion();
    const binDir = path.join(cachedCliRoot(version, env), "bin");
    const missing = missingFromCache(binDir, version);
    if (missing.length === 0) return { path: path.join(binDir, "pulumi"), version, source: "cache", binDir };
    const source = env[SOURCE_VARIABLE];
    const hostsNeeded = missing.some((m) => m !== "pulumi");
    const sourceOk = source !== undefined && source !== "" && HOSTS.every((h) => fs.existsSync(path.join(source, HOST_SOURCES[h].module, "go.mod")));
    if (opts.noBuild === true) {
        throw new PulumiCliUnavailable(`No Pulumi CLI with its hosts on PATH, and ${cachedCliRoot(version, env)} lacks ${missing.join(", ")} (not built here: \`npm run engine:cli\` builds it).`);
    }
    if (which("go", env) === undefined || (hostsNeeded && !sourceOk)) {
        const found = onPath === undefined ? "no `pulumi` on PATH"
            : pathVersion === undefined || compareVersions(pathVersion, minimum) < 0 ? `${onPath} reports ${pathVersion ?? "no version"}`
            : `${onPath} has no ${pathMissing.join(", ")} beside it`;
        const why = which("go", env) === undefined ? "no `go` on PATH"
            : !source ? `${SOURCE_VARIABLE} is not set`
            : `${SOURCE_VARIABLE}=${source} does not hold ${HOSTS.map((h) => HOST_SOURCES[h].module).join(", ")}`;
        throw new PulumiCliUnavailable(
            `The engine tests need the Pulumi CLI ${minimum} or newer with its Node.js, Python and Go language hosts beside it ` +
            `(${found}; ${cachedCliRoot(version, env)} lacks ${missing.join(", ")}; ${why}). ` +
            `Install Pulumi (https://www.pulumi.com/docs/install/: it ships the hosts), or install Go 1.26+ and set ${SOURCE_VARIABLE} ` +
            `to Pulumi v${version}'s source (the folder holding sdk/) so that the CLI is built from ${WRAPPER_MODULE_DIR} and the hosts from that source.`);
    }
    fs.mkdirSync(binDir, { recursive: true });
    if (missing.includes("pulumi")) {
        const built = buildCli(version, env, opts.log);
        const builtVersion = reportedVersion(built);
        if (builtVersion !== version) {
            throw new PulumiCliUnavailable(`The CLI built at ${built} reports ${builtVersion ?? "no version"}, expected ${version}.`);
        }
    }
    for (const host of HOSTS) {
        if (!missing.includes(`pulumi-language-${host}`)) continue;
        const built = buildHost(host, version, source as string, binDir, env, opts.log);
        const builtVersion = hostVersion(built);
        if (builtVersion !== version) {
            throw new PulumiCliUnavailable(`The host built at ${built} reports ${builtVersion ?? "no version"}, expected ${version}.`);
        }
    }
    return { path: path.join(binDir, "pulumi"), version, source: "built", binDir };
}

function main(argv: readonly string[]): number {
    const ignorePath = argv.includes("--build");
    try {
        const cli = findPulumiCli({ ignorePath, log: (line) => process.stderr.write(`${line}\n`) });
        process.stderr.write(`Pulumi CLI v${cli.version} (${cli.source})\n`);
        process.stdout.write(`${cli.path}\n`);
        return 0;
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
