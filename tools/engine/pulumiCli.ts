/**
 * Provides a real Pulumi CLI for the engine tests, without downloading anything from Pulumi:
 *  1. a `pulumi` on PATH whose version is at least the installed `@pulumi/pulumi` SDK's (users have one);
 *  2. else the CLI built earlier from the wrapper Go module in `tools/engine/cli`, cached outside the
 *     repository and keyed by version;
 *  3. else that build, now, when `go` is on PATH (the Go module proxy serves Pulumi's modules);
 *  4. else one message saying what to install.
 *
 * `npm run engine:cli` prints the CLI's path; `--build` skips the PATH lookup. `findGensdk` provides
 * the same release's SDK generators (tools/engine/cli/gensdk).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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

/**
 * The SDK generator of the pinned release (tools/engine/cli/gensdk), built into the CLI's cache folder
 * when missing. `pulumi package gen-sdk` would reach the same code generators only through the
 * Python and Node.js language hosts, whose modules the Go module proxy refuses. The name carries a
 * hash of the generator's source besides the release, so an edited main.go is never served stale.
 */
export function findGensdk(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): string {
    const version = pinnedVersion();
    const source = fs.readFileSync(path.join(WRAPPER_MODULE_DIR, "gensdk", "main.go"));
    const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
    const target = path.join(cachedCliRoot(version, env), "bin", `gensdk-${hash}`);
    if (fs.existsSync(target)) return target;
    if (which("go", env) === undefined) {
        throw new PulumiCliUnavailable(`Generating SDKs needs Go 1.26+ to build ${WRAPPER_MODULE_DIR}/gensdk (pkg/v3 v${version}'s code generators).`);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    log(`Building gensdk (pkg/v3 v${version} code generators; first run only)...`);
    execFileSync("go", ["build", "-trimpath", "-o", partial, "./gensdk"], {
        cwd: WRAPPER_MODULE_DIR, env: { ...env, CGO_ENABLED: "0" }, stdio: ["ignore", "inherit", "inherit"],
    });
    fs.renameSync(partial, target);
    return target;
}

export interface FindOptions {
    readonly env?: NodeJS.ProcessEnv;
    /** Skip a CLI on PATH (to build or reuse the pinned one). */
    readonly ignorePath?: boolean;
    readonly log?: (line: string) => void;
}

/** The CLI the engine tests run; see the module comment for the order. Throws PulumiCliUnavailable. */
export function findPulumiCli(opts: FindOptions = {}): PulumiCli {
    const env = opts.env ?? process.env;
    const minimum = minimumVersion();
    const onPath = opts.ignorePath ? undefined : which("pulumi", env);
    const pathVersion = onPath === undefined ? undefined : reportedVersion(onPath);
    if (onPath !== undefined && pathVersion !== undefined && compareVersions(pathVersion, minimum) >= 0) {
        return { path: onPath, version: pathVersion, source: "PATH" };
    }
    const version = pinnedVersion();
    const cached = path.join(cachedCliRoot(version, env), "bin", "pulumi");
    if (fs.existsSync(cached) && reportedVersion(cached) === version) {
        return { path: cached, version, source: "cache" };
    }
    if (which("go", env) === undefined) {
        const found = onPath === undefined ? "no `pulumi` on PATH" : `${onPath} reports ${pathVersion ?? "no version"}`;
        throw new PulumiCliUnavailable(
            `The engine tests need the Pulumi CLI ${minimum} or newer (${found}). ` +
            `Install it (https://www.pulumi.com/docs/install/), or install Go 1.26+ so that v${version} is built from ${WRAPPER_MODULE_DIR}.`);
    }
    const built = buildCli(version, env, opts.log);
    const builtVersion = reportedVersion(built);
    if (builtVersion !== version) {
        throw new PulumiCliUnavailable(`The CLI built at ${built} reports ${builtVersion ?? "no version"}, expected ${version}.`);
    }
    return { path: built, version, source: "built" };
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
