/**
 * One engine test's world, in a temp folder of its own: the real Pulumi CLI with an isolated
 * PULUMI_HOME and a file backend, passphrase secrets, no plugin downloads, no AWS credentials; the
 * `aws` provider double on PATH with its cloud folder; a versioned S3 server and the CodeArtifact
 * double; and a scratch copy of the project's Pulumi*.yaml files as the working directory, so the
 * CLI reads the stack files and resolves configuration itself. The stack program runs inline, in
 * this process, through the Automation API.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { findPulumiCli, type PulumiCli } from "../engine/pulumiCli";
import { DOUBLE_ENV, DEFAULT_ACCOUNT_ID } from "./aws/cloud";
import { startCodeArtifactDouble, type CodeArtifactDouble } from "./codeartifactDouble";
import { startPypiIndex, type PypiIndex } from "./pypiIndex";
import { startS3Server, type S3TestServer } from "./s3Server";
import { runProcess, type Proc } from "./process";

/** The repository root, whether this runs from build/test/engine/support or from source. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", ...(__dirname.includes(`${path.sep}build${path.sep}`) ? [".."] : []));
/** The compiled project (npm run build): the program and the double run from here. */
const BUILD_ROOT = path.join(REPO_ROOT, "build");
export const PROJECT = "mwaa-codeartifact-token";
export const PASSPHRASE = "engine-tests-only";
/** The buckets the committed stack files name. */
export const STACK_BUCKETS = Object.freeze({
    dev: "airflow-dev-111122223333-us-west-2",
    prod: "airflow-prod-111122223333-us-west-2",
});
export const ACCOUNT_ID = DEFAULT_ACCOUNT_ID;
/**
 * What every world's repository holds (file names only): the projects and pins of the sample stacks,
 * the examples and the engine tests' requirements, so that the deploy-time check finds them.
 */
export const INDEX_LISTINGS: Readonly<Record<string, readonly string[]>> = Object.freeze({
    "apache-airflow-providers-snowflake": ["apache_airflow_providers_snowflake-6.1.0-py3-none-any.whl", "apache_airflow_providers_snowflake-6.1.0.tar.gz"],
    "your-package": ["your_package-1.4.1-py3-none-any.whl", "your_package-1.4.2-py3-none-any.whl"],
    "boto3": ["boto3-1.35.0-py3-none-any.whl"],
});

/**
 * What a plugin's dependency install (the Node.js host runs `npm install` in provider/ during
 * `pulumi package add`) may do in a test: nothing from the network, and not provider/package.json's
 * postinstall, which runs `npm install` in the repository root, whose node_modules the scratch copy
 * links to this checkout's (already installed).
 */
export const NPM_OFFLINE = Object.freeze({ npm_config_ignore_scripts: "true", npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false" });

let cli: PulumiCli | undefined;

/** The CLI, found or built once per test process. */
export function pulumiCli(): PulumiCli {
    cli ??= findPulumiCli({ log: (line) => process.stderr.write(`${line}\n`) });
    return cli;
}

/** The engine must never see credentials of a real account, nor talk to AWS: they leave this process too. */
export function scrubAwsEnvironment(): void {
    for (const name of Object.keys(process.env)) {
        if (name.startsWith("AWS_")) delete process.env[name];
    }
}

/**
 * The stack program as the CLI loads it: Pulumi.yaml's `main`, scripts/pulumi-main.js, which
 * transpiles the sources with esbuild (scripts/ts.js). So the engine deploys the very Lambda code
 * `pulumi up` deploys (tsc's build/ output would serialize to different text). The project's
 * modules leave require's cache first, so the program evaluates afresh on every run; its
 * dependencies stay loaded, as they would in one language host process.
 */
function freshProgram(): Record<string, unknown> {
    forgetProject();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(REPO_ROOT, "scripts", "pulumi-main.js")) as Record<string, unknown>;
}

/** Removes the project's own modules from require's cache; dependencies stay loaded. */
function forgetProject(): void {
    const dependencies = [path.join(REPO_ROOT, "node_modules"), BUILD_ROOT].map((d) => d + path.sep);
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(REPO_ROOT + path.sep) && !dependencies.some((d) => file.startsWith(d))) delete require.cache[file];
    }
}

export interface World {
    readonly dir: string;
    readonly projectDir: string;
    readonly cloudDir: string;
    readonly backendDir: string;
    readonly s3: S3TestServer;
    readonly codeartifact: CodeArtifactDouble;
    /**
     * The repository's PEP 503 index (HTTPS, any repository name) that the CodeArtifact double's
     * endpoints point at; it accepts every token the double has issued.
     */
    readonly index: PypiIndex;
    /** The environment every CLI run gets (and passes on to the provider double). */
    readonly env: Record<string, string>;
    /** Selects or creates a stack of the project in the scratch folder, running the stack program inline. */
    stack(name: string): Promise<Stack>;
    /** The same, running another inline program (with the project's configuration). */
    stackWithProgram(name: string, program: () => Promise<Record<string, unknown> | void>): Promise<Stack>;
    /** A stack of a project in `dir` whose program the CLI runs itself (through its language host). */
    localStack(dir: string, stackName: string): Promise<Stack>;
    /**
     * Runs the `pulumi` binary as a user types it: a child process in `cwd` (the scratch project by
     * default) with this process's environment and the world's, so the CLI starts the language host
     * the project's Pulumi.yaml names, which loads its `main`.
     */
    pulumi(args: readonly string[], opts?: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> }): Promise<Proc>;
    /** The environment `pulumi` runs with (and passes on to the language host and the providers). */
    processEnv(extra?: Readonly<Record<string, string>>): NodeJS.ProcessEnv;
    /** Writes a stack file into the scratch project. */
    writeStackFile(stack: string, yamlText: string): void;
    /**
     * Edits the `config:` block of a stack file in the scratch project, as a user edits the file:
     * comments and the secrets salt the CLI added stay. `undefined` removes a key.
     */
    editStackConfig(stack: string, changes: Readonly<Record<string, unknown>>): void;
    close(): Promise<void>;
}

/** An executable `pulumi-resource-aws` that runs the compiled double with this Node. */
function installProviderDouble(binDir: string): void {
    // Compiled (npm run build) for the tests; from source through scripts/ts.js for `npm run bench`.
    const compiled = path.join(BUILD_ROOT, "tools", "doubles", "aws", "main.js");
    const entry = fs.existsSync(compiled) && __dirname.startsWith(BUILD_ROOT + path.sep)
        ? `"${compiled}"` : `"${path.join(REPO_ROOT, "scripts", "ts.js")}" "${path.join(REPO_ROOT, "tools", "doubles", "aws", "main.ts")}"`;
    const script = `#!/bin/sh\nexec "${process.execPath}" ${entry} "$@"\n`;
    fs.writeFileSync(path.join(binDir, "pulumi-resource-aws"), script, { mode: 0o755 });
}

/**
 * An executable `pulumi-resource-mwaa-codeartifact`, found on PATH when a program in another language
 * registers the component (remote): it runs what pulumi-language-nodejs's RunPlugin runs for
 * provider/ (PulumiPlugin.yaml, `runtime: nodejs`), which these tests cannot start because the Go
 * module proxy refuses the host's module. The host resolves `@pulumi/pulumi/cmd/run-plugin` from the
 * plugin folder, sets PULUMI_NODEJS_TYPESCRIPT=true (the `typescript` option's default), keeps the
 * CLI's environment and working directory, and passes the plugin folder then the CLI's arguments;
 * it runs `node` from PATH, this script the Node running the tests (as for the aws double).
 */
function installComponentPlugin(binDir: string): void {
    const pluginDir = path.join(REPO_ROOT, "provider");
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [pluginDir] });
    const script = `#!/bin/sh\nPULUMI_NODEJS_TYPESCRIPT=true exec "${process.execPath}" "${runPlugin}" "${pluginDir}" "$@"\n`;
    fs.writeFileSync(path.join(binDir, "pulumi-resource-mwaa-codeartifact"), script, { mode: 0o755 });
}

/** A folder laid out as `<root>/bin/pulumi`, as PulumiCommand.get expects, whatever the CLI's own path. */
function cliRoot(dir: string): string {
    const root = path.join(dir, "cli");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    fs.symlinkSync(pulumiCli().path, path.join(root, "bin", "pulumi"));
    return root;
}

/** Outside a git checkout: every file but dependencies, outputs and dot-folders. */
function projectFiles(dir = REPO_ROOT, prefix = ""): string[] {
    return fs.readdirSync(dir, { withFileTypes: true })
        .filter((e) => !e.name.startsWith(".") && !["node_modules", "build", "dist"].includes(e.name))
        .flatMap((e) => e.isDirectory() ? projectFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

/** The project's own files (what git tracks, as a fresh clone has them) beside the installed node_modules. */
function copyProject(projectDir: string): void {
    let tracked: string[];
    try {
        tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\0").filter(Boolean);
    } catch {
        tracked = projectFiles();
    }
    for (const file of tracked) {
        const source = path.join(REPO_ROOT, file);
        if (!fs.existsSync(source)) continue;
        fs.mkdirSync(path.dirname(path.join(projectDir, file)), { recursive: true });
        fs.copyFileSync(source, path.join(projectDir, file));
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(projectDir, "node_modules"));
}

function cliEnvironment(w: { dir: string; binDir: string; cloudDir: string; backendDir: string; s3: S3TestServer; ca: CodeArtifactDouble; index: PypiIndex }): Record<string, string> {
    return {
        PATH: `${w.binDir}${path.delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
        PULUMI_HOME: path.join(w.dir, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${w.backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        [DOUBLE_ENV.cloudDir]: w.cloudDir,
        [DOUBLE_ENV.s3Endpoint]: w.s3.endpoint,
        [DOUBLE_ENV.codeartifactEndpoint]: w.ca.endpoint,
        [DOUBLE_ENV.caFile]: w.index.caFile,
    };
}

function editStackFile(file: string, changes: Readonly<Record<string, unknown>>): void {
    const document = parseDocument(fs.readFileSync(file, "utf8"));
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) document.deleteIn(["config", key]);
        else document.setIn(["config", key], value);
    }
    fs.writeFileSync(file, document.toString());
}

export interface WorldOptions {
    /** The account the aws double plays (default: the documentation account the sample stacks name). */
    readonly accountId?: string;
    /** Buckets besides the sample stacks' two. */
    readonly buckets?: readonly string[];
    /** Folders put first on the CLI's PATH (language hosts). */
    readonly path?: readonly string[];
    /**
     * Put the stand-in `pulumi-resource-mwaa-codeartifact` on PATH (default true), for programs run
     * without `pulumi package add`; false leaves the CLI to find the plugin where Pulumi.yaml's
     * `packages` names it (provider/), started through the Node.js host.
     */
    readonly componentOnPath?: boolean;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
    scrubAwsEnvironment();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
    const [binDir, cloudDir, backendDir, projectDir] = ["bin", "cloud", "backend", "project"].map((d) => path.join(dir, d));
    for (const d of [binDir, cloudDir, backendDir]) fs.mkdirSync(d, { recursive: true });
    installProviderDouble(binDir);
    if (opts.componentOnPath !== false) installComponentPlugin(binDir);
    copyProject(projectDir);
    const s3 = await startS3Server({ buckets: [...Object.values(STACK_BUCKETS), ...(opts.buckets ?? [])], versioning: true });
    const ca = await startCodeArtifactDouble();
    const index = await startPypiIndex({ repository: "*", token: "", wheels: [], listings: INDEX_LISTINGS, acceptToken: (t) => ca.issuedTokens.has(t) });
    ca.setBehavior({ repositoryEndpoint: (req) => `${index.origin}/pypi/${req.query["repository"]}/` });
    const env: Record<string, string> = {
        ...cliEnvironment({ dir, binDir, cloudDir, backendDir, s3, ca, index }), [DOUBLE_ENV.accountId]: opts.accountId ?? ACCOUNT_ID,
    };
    // The CLI's folder holds its language hosts: on PATH too, for what the hosts start themselves.
    env.PATH = [...(opts.path ?? []), env.PATH, pulumiCli().binDir].join(path.delimiter);
    const pulumiCommand = await PulumiCommand.get({ root: cliRoot(dir) });
    const options = { workDir: projectDir, pulumiHome: env.PULUMI_HOME, envVars: env, pulumiCommand, secretsProvider: "passphrase" };
    const processEnv = (extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
        const merged: NodeJS.ProcessEnv = { ...process.env, ...env, ...extra };
        // Set by `node --test`: a Node process the CLI starts (the host's program, a plugin) must not report to this runner.
        delete merged.NODE_TEST_CONTEXT;
        return merged;
    };
    return {
        dir, projectDir, cloudDir, backendDir, s3, codeartifact: ca, index, env, processEnv,
        pulumi: (args, o = {}) => runProcess(pulumiCli().path, args, { cwd: o.cwd ?? projectDir, env: processEnv(o.env), timeoutMs: o.timeoutMs ?? 240_000 }),
        stack: (stackName) => LocalWorkspace.createOrSelectStack(
            { stackName, projectName: PROJECT, program: () => Promise.resolve(freshProgram()) }, options),
        stackWithProgram: (stackName, program) => LocalWorkspace.createOrSelectStack({ stackName, projectName: PROJECT, program }, options),
        localStack: (workDir, stackName) => LocalWorkspace.createOrSelectStack({ stackName, workDir }, { ...options, workDir }),
        writeStackFile: (stack, yamlText) => fs.writeFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), yamlText),
        editStackConfig: (stack, changes) => editStackFile(path.join(projectDir, `Pulumi.${stack}.yaml`), changes),
        async close() {
            await Promise.allSettled([s3.close(), ca.close(), index.close()]);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
