/**
 * The component from Python as a Python user gets it, on the real engine: the SDK that
 * `pulumi package gen-sdk --language python` (the CLI's own release's Python host) writes from the
 * schema the real plugin serves over GetSchema,
 * installed with the `pulumi` Python SDK into a virtualenv. Python programs run through the Python
 * Automation API with an inline program, so no Python language host is needed.
 *
 * The virtualenv is cached outside the repository (creating it takes about 20 s), keyed by the
 * Python version, the pulumi version and a hash of the generated SDK: a schema change makes a new one.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { cacheRoot } from "../../../tools/engine/pulumiCli";
import { getSchema, startPlugin } from "../../support/plugin";
import { pulumiCli, type World } from "./world";

const run = promisify(execFile);

/**
 * The `pulumi` package from PyPI: the CLI's own release (tools/engine/cli pins v3.259.0), so that no
 * SDK is newer than the CLI and its Python host.
 */
export const PYTHON_PULUMI_VERSION = "3.259.0";

export interface PythonSdk {
    /** The virtualenv's interpreter, with `pulumi` and `pulumi_mwaa_codeartifact` installed. */
    readonly python: string;
    /** The generated SDK's folder (what `pip install` got). */
    readonly sdkDir: string;
    readonly schemaFile: string;
    /** Whether the virtualenv came from the cache. */
    readonly cached: boolean;
    /** Milliseconds per step: schema, generate, venv (0 when cached). */
    readonly timings: Readonly<Record<string, number>>;
}

/**
 * A folder of wheels (pip, setuptools, wheel, and `pulumi` with its dependencies), downloaded from
 * PyPI once and cached like the virtualenvs, so that what the Python language host runs itself
 * (`python -m venv`, `pip install --upgrade pip setuptools wheel`, `pip install -r requirements.txt`,
 * the SDK's build with setuptools) runs offline: see pipOffline.
 */
export async function pythonWheelhouse(extra: readonly string[] = []): Promise<string> {
    const key = createHash("sha256").update(extra.join("\0")).digest("hex").slice(0, 8);
    const dir = path.join(cacheRoot(), `wheels-python${await pythonVersion()}-pulumi${PYTHON_PULUMI_VERSION}-${key}`);
    if (fs.existsSync(dir)) return dir;
    const partial = `${dir}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    await run("python3", ["-m", "pip", "download", "--quiet", "--dest", partial, "pip", "setuptools", "wheel", `pulumi==${PYTHON_PULUMI_VERSION}`, ...extra], { maxBuffer: 16 << 20 });
    try {
        fs.renameSync(partial, dir);
    } catch (err) {
        fs.rmSync(partial, { recursive: true, force: true });
        if (!fs.existsSync(dir)) throw err;
    }
    return dir;
}

/** What the SDK `pulumi package add` generates requires besides `pulumi` (its setup.py's install_requires). */
export const PYTHON_SDK_EXTRAS: readonly string[] = ["parver>=0.2.1", "semver>=2.8.1"];

/** pip's environment for a language host's installs: the wheelhouse only, never an index. */
export function pipOffline(wheelhouse: string): Record<string, string> {
    return { PIP_NO_INDEX: "1", PIP_FIND_LINKS: wheelhouse };
}

/** GetSchema from the plugin started as the CLI starts it, in a folder holding only a Python project. */
export async function servedSchema(dir: string): Promise<string> {
    const consumer = fs.mkdtempSync(path.join(dir, "consumer-"));
    fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), "name: consumer\nruntime: python\n");
    // GetSchema never calls the engine; the address is only required on the command line.
    const plugin = await startPlugin(consumer, "127.0.0.1:1");
    try {
        return JSON.stringify(await getSchema(plugin), null, 2);
    } finally {
        await plugin.stop();
    }
}

/**
 * `pulumi package gen-sdk <schema> --language <language>`: the CLI hands the schema to that
 * language's host (beside it), whose code generator writes `<out>/<language>`. Offline; its own
 * PULUMI_HOME. Returns that folder.
 */
export async function generateSdk(schemaFile: string, language: "python" | "go", out: string): Promise<string> {
    const home = fs.mkdtempSync(path.join(path.dirname(schemaFile), "gen-sdk-home-"));
    try {
        await run(pulumiCli().path, ["package", "gen-sdk", schemaFile, "--language", language, "--out", out], {
            env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" },
            maxBuffer: 16 << 20,
        });
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
    return path.join(out, language);
}

/** sha256 of every file below `dir` (relative path and content), in a stable order. */
function treeHash(dir: string): string {
    const hash = createHash("sha256");
    const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
    for (const file of files) hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update("\0");
    return hash.digest("hex");
}

/**
 * Creates the virtualenv beside its final place, then renames it, so that a run never sees half an
 * install. Only `<venv>/bin/python` is used: the scripts pip writes in bin/ name the old path.
 */
async function createVenv(venv: string, sdkDir: string): Promise<void> {
    const partial = `${venv}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    await run("python3", ["-m", "venv", partial]);
    await run(path.join(partial, "bin", "python"), ["-m", "pip", "install", "--quiet", `pulumi==${PYTHON_PULUMI_VERSION}`, sdkDir], { maxBuffer: 16 << 20 });
    try {
        fs.renameSync(partial, venv);
    } catch (err) {
        // Another test process made the same one meanwhile.
        fs.rmSync(partial, { recursive: true, force: true });
        if (!fs.existsSync(venv)) throw err;
    }
}

/** The version of `python3` on PATH, which makes the virtualenv; one clear message when there is none. */
async function pythonVersion(): Promise<string> {
    try {
        const { stdout } = await run("python3", ["-c", "import sys; assert sys.version_info >= (3, 9); print('%d.%d.%d' % sys.version_info[:3])"]);
        return stdout.trim();
    } catch (err) {
        throw new Error(`The Python engine test needs python3 3.9+ (the generated SDK's python_requires) with venv on PATH: ${(err as Error).message}`);
    }
}

/** Generates the Python SDK into `dir` and provides a virtualenv with it installed. */
export async function pythonSdk(dir: string): Promise<PythonSdk> {
    const timings: Record<string, number> = {};
    let start = Date.now();
    const schemaFile = path.join(dir, "schema.json");
    fs.writeFileSync(schemaFile, await servedSchema(dir));
    timings.schema = Date.now() - start;
    start = Date.now();
    const sdkDir = await generateSdk(schemaFile, "python", path.join(dir, "sdk"));
    timings.generate = Date.now() - start;
    start = Date.now();
    const venv = path.join(cacheRoot(), `python${await pythonVersion()}-pulumi${PYTHON_PULUMI_VERSION}-sdk-${treeHash(sdkDir).slice(0, 12)}`);
    const cached = fs.existsSync(venv);
    if (!cached) await createVenv(venv, sdkDir);
    timings.venv = Date.now() - start;
    return { python: path.join(venv, "bin", "python"), sdkDir, schemaFile, cached, timings };
}

export interface PythonRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs a Python script with the virtualenv's interpreter in the world, with the environment the
 * Node Automation API gives the CLI (this process's, then the world's: PULUMI_HOME, file backend,
 * passphrase, the doubles and plugins on PATH) and the CLI's folder first on PATH,
 * where the Automation API looks for `pulumi`, and the scratch project as working directory.
 */
export function runPython(world: World, sdk: PythonSdk, script: string, args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): Promise<PythonRun> {
    const file = path.join(world.dir, `program-${process.hrtime.bigint()}.py`);
    fs.writeFileSync(file, script);
    const env: NodeJS.ProcessEnv = { ...process.env, ...world.env, ...extraEnv, PATH: `${path.dirname(pulumiCli().path)}${path.delimiter}${world.env.PATH}` };
    // Set by `node --test`; the plugin is a Node process and must not report to this test runner.
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(sdk.python, [file, ...args], { cwd: world.projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    return new Promise((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/**
 * `pulumi-aws` from PyPI, for the Python example: the newest release PyPI serves (`pip index versions
 * pulumi-aws`), which requires pulumi >=3.231.0, so PYTHON_PULUMI_VERSION fits. Its resources ask the
 * engine for the `aws` plugin at this version; the double on PATH serves them all the same.
 */
export const PYTHON_AWS_VERSION = "7.51.1";

/** The import name of the component's generated Python SDK. */
export const PYTHON_SDK_PACKAGE = "pulumi_mwaa_codeartifact";

export interface PythonAwsVenv {
    /** The virtualenv's interpreter, with `pulumi` and `pulumi_aws` installed. */
    readonly python: string;
    /** Whether the virtualenv came from the cache. */
    readonly cached: boolean;
    /** Milliseconds to provide it (0 or nearly when cached). */
    readonly ms: number;
}

/** As createVenv, with any requirements: created beside its final place, then renamed. */
async function createVenvWith(venv: string, requirements: readonly string[]): Promise<void> {
    const partial = `${venv}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    await run("python3", ["-m", "venv", partial]);
    await run(path.join(partial, "bin", "python"), ["-m", "pip", "install", "--quiet", ...requirements], { maxBuffer: 16 << 20 });
    try {
        fs.renameSync(partial, venv);
    } catch (err) {
        fs.rmSync(partial, { recursive: true, force: true });
        if (!fs.existsSync(venv)) throw err;
    }
}

/**
 * A virtualenv with `pulumi` and `pulumi-aws` from PyPI, cached beside the SDK's and keyed by the
 * Python, pulumi and pulumi-aws versions only: pulumi-aws is large (about 360 MB installed, most of a
 * minute to download and install), so a schema change must not reinstall it. The component's SDK
 * comes from pythonSdk's virtualenv instead, through sdkPythonPath.
 */
export async function pythonAwsVenv(): Promise<PythonAwsVenv> {
    const start = Date.now();
    const venv = path.join(cacheRoot(), `python${await pythonVersion()}-pulumi${PYTHON_PULUMI_VERSION}-aws${PYTHON_AWS_VERSION}`);
    const cached = fs.existsSync(venv);
    if (!cached) await createVenvWith(venv, [`pulumi==${PYTHON_PULUMI_VERSION}`, `pulumi-aws==${PYTHON_AWS_VERSION}`]);
    return { python: path.join(venv, "bin", "python"), cached, ms: Date.now() - start };
}

/**
 * A folder for PYTHONPATH that holds only the component's SDK as pip installed it into `sdk`'s
 * virtualenv: the package and its dist-info (its _utilities reads its version from the metadata), as
 * symlinks made in `dir`. Another virtualenv's interpreter then imports the SDK, and nothing of
 * `sdk`'s virtualenv shadows its own packages.
 */
export function sdkPythonPath(sdk: PythonSdk, dir: string): string {
    const lib = path.join(path.dirname(path.dirname(sdk.python)), "lib");
    const versionDir = fs.readdirSync(lib).find((d) => /^python3\.\d+$/.test(d));
    if (versionDir === undefined) throw new Error(`no site-packages below ${lib}`);
    const site = path.join(lib, versionDir, "site-packages");
    const entries = fs.readdirSync(site).filter((e) => e === PYTHON_SDK_PACKAGE || (e.startsWith(`${PYTHON_SDK_PACKAGE}-`) && e.endsWith(".dist-info")));
    if (entries.length !== 2) throw new Error(`expected ${PYTHON_SDK_PACKAGE} and its dist-info in ${site}, found: ${entries.join(", ")}`);
    const overlay = fs.mkdtempSync(path.join(dir, "sdk-path-"));
    for (const entry of entries) fs.symlinkSync(path.join(site, entry), path.join(overlay, entry));
    return overlay;
}
