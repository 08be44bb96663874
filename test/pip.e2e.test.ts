// End to end, from `pulumi preview`'s offline twin to a real `pip`:
//
//   node build/tools/preview/preview.js --stack dev --out OUT     (the package, requirements.txt, ...)
//   OUT/lambda/__index.js in a child node, as the Lambda runtime runs it (SDK via NODE_PATH),
//     against s3rver and the CodeArtifact double, whose repository endpoint is a local HTTPS
//     PEP 503 index that demands HTTP Basic auth aws:<token>
//   the token file downloaded from s3rver into a local mirror of the DAGs folder
//   OUT/s3/requirements.txt with its `-r /usr/local/airflow/dags/...` line mapped onto that mirror
//   python3 -m pip download -r <mapped requirements.txt>   → the wheel lands
//   the same with the index expecting another token           → pip fails, after a real 401
//
// The dev stack's user requirement lines that the local index does not serve are dropped (pip
// cannot reach PyPI here); `your-package` stays and is served as a tiny test wheel.
// Nothing is skipped: without `python3 -m pip` or openssl the tests fail (CI installs them).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { unzipSync } from "fflate";
import { parse as parseYaml } from "yaml";
import { BOOTSTRAP_PATTERN } from "../lib/component";
import { MWAA_DAGS_MOUNT } from "../functions/contract";
import { ENV } from "../functions/contract";
import { startCodeArtifactDouble, type CodeArtifactDouble } from "./support/codeartifactDouble";
import { lambdaRuntimeEnv, runPackagedHandler, type HandlerOutcome } from "./support/lambdaRuntime";
import { runProcess, type Proc } from "./support/process";
import { startPypiIndex, type PypiIndex } from "./support/pypiIndex";
import { startS3Server, type S3TestServer } from "./support/s3Server";
import { buildWheel, normalizeProjectName, type Wheel } from "./support/wheel";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const STACK = "dev";
/** Recognisable fake, with `+`, `/` and `=`, which the token file must percent-encode. */
const FAKE_TOKEN = "FAKE.pip-e2e.token+plus/slash=equals==";
const OTHER_TOKEN = "FAKE.pip-e2e.other+token/=";
/** The dev stack asks for `your-package`; the local index serves it. */
const WHEEL_NAME = "your-package";
const T = { timeout: 45_000 };

function describe(p: Proc): string {
    return `exit ${p.code}${p.signal ? ` (${p.signal})` : ""}${p.timedOut ? " after TIMEOUT" : ""}\n--- stdout\n${p.stdout}\n--- stderr\n${p.stderr}`;
}

/** The real interpreter behind `python3` (a pyenv shim needs HOME/PYENV_ROOT, which pip's env drops). */
async function findPython(): Promise<string> {
    const exe = await new Promise<string>((resolve, reject) => {
        execFile("python3", ["-c", "import sys; print(sys.executable)"], { timeout: 15_000 }, (err, stdout) =>
            err ? reject(new Error(`python3 is not available (${err.message}); the pip end-to-end test needs python3 with pip`)) : resolve(stdout.trim()));
    });
    const check = await runProcess(exe, ["-m", "pip", "--version"], { cwd: REPO_ROOT, env: process.env, timeoutMs: 15_000 });
    if (check.code !== 0) {
        assert.fail(`"python3 -m pip" is missing (${exe}): install pip (apt-get install python3-pip; .ci/run does) — this test is never skipped.\n${describe(check)}`);
    }
    return exe;
}

/** Depth-first search for the Function's environment variables (the object holding TOKEN_BUCKET and CODEARTIFACT_DOMAIN). */
function findFunctionVariables(node: unknown, seen = new Set<unknown>()): Record<string, string> | undefined {
    if (node === null || typeof node !== "object" || seen.has(node)) return undefined;
    seen.add(node);
    const record = node as Record<string, unknown>;
    if (typeof record[ENV.bucket] === "string" && typeof record[ENV.domain] === "string") {
        return Object.fromEntries(Object.entries(record).filter(([, v]) => typeof v === "string")) as Record<string, string>;
    }
    for (const value of Object.values(record)) {
        const found = findFunctionVariables(value, seen);
        if (found) return found;
    }
    return undefined;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
    const out: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (entry.isDirectory()) out.push(...await listFiles(path.join(dir, entry.name), rel));
        else out.push(rel);
    }
    return out.sort();
}

/** Every spelling of the token a leak could take. */
function tokenForms(token: string): string[] {
    return [token, encodeURIComponent(token), Buffer.from(`aws:${token}`).toString("base64")];
}

function leaks(text: string | Uint8Array, token: string): boolean {
    const s = typeof text === "string" ? text : Buffer.from(text).toString("latin1");
    return tokenForms(token).some((f) => s.includes(f));
}

interface Rig {
    readonly tmp: string;
    readonly out: string;
    readonly python: string;
    readonly preview: Proc;
    readonly previewJson: unknown;
    readonly variables: Readonly<Record<string, string>>;
    readonly bucket: string;
    readonly requirementsKey: string;
    readonly userRequirements: readonly string[];
    readonly wheel: Wheel;
    readonly s3: S3TestServer;
    readonly ca: CodeArtifactDouble;
    readonly index: PypiIndex;
}

const resources: (() => Promise<void>)[] = [];
after(async () => {
    for (const release of resources.reverse()) await release().catch(() => undefined);
});

let rigPromise: Promise<Rig> | undefined;
function rig(): Promise<Rig> {
    rigPromise ??= (async () => {
        const python = await findPython();
        const tmp = await mkdtemp(path.join(os.tmpdir(), "pip-e2e-"));
        resources.push(() => rm(tmp, { recursive: true, force: true }));
        const out = path.join(tmp, "out");

        // The preview runs with the token in its environment, as it would be in a CI job that also
        // runs pip: nothing in --out may pick it up.
        const preview = await runProcess(process.execPath, [path.join(REPO_ROOT, "build", "tools", "preview", "preview.js"), "--stack", STACK, "--out", out], {
            cwd: REPO_ROOT, env: { ...process.env, CODEARTIFACT_AUTH_TOKEN: FAKE_TOKEN }, timeoutMs: 30_000,
        });
        assert.equal(preview.code, 0, `node build/tools/preview/preview.js --stack ${STACK} --out ${out} failed: ${describe(preview)}`);
        const previewJson = JSON.parse(await readFile(path.join(out, "preview.json"), "utf8")) as unknown;
        const variables = findFunctionVariables(previewJson);
        assert.ok(variables, "preview.json holds no Function environment variables (no object with TOKEN_BUCKET and CODEARTIFACT_DOMAIN)");

        const { config } = parseYaml(await readFile(path.join(REPO_ROOT, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, unknown> };
        const setting = (key: string): unknown => config[`mwaa-codeartifact-token:${key}`];
        const bucket = setting("bucket");
        assert.ok(typeof bucket === "string", `Pulumi.${STACK}.yaml sets no bucket`);
        assert.equal(variables[ENV.bucket], bucket, "the Function's bucket is not the stack's");
        const configuredKey = setting("requirementsKey");
        const requirementsKey = typeof configuredKey === "string" ? configuredKey : "requirements.txt";
        const configuredLines = setting("requirements");
        const userRequirements = Array.isArray(configuredLines) ? configuredLines.map(String) : [];

        const wheel = buildWheel(WHEEL_NAME);
        const index = await startPypiIndex({ repository: variables[ENV.repository], token: FAKE_TOKEN, wheels: [wheel] });
        resources.push(() => index.close());
        const s3 = await startS3Server({ buckets: [bucket] });
        resources.push(() => s3.close());
        const ca = await startCodeArtifactDouble({ token: FAKE_TOKEN, repositoryEndpoint: index.repositoryEndpoint });
        resources.push(() => ca.close());
        return { tmp, out, python, preview, previewJson, variables, bucket, requirementsKey, userRequirements, wheel, s3, ca, index };
    })();
    return rigPromise;
}

interface HandlerRun extends HandlerOutcome {
    /** The token file as downloaded from s3rver, in the local mirror of the DAGs folder. */
    readonly tokenFile: string;
    readonly tokenFileBody: string;
}

let handlerPromise: Promise<HandlerRun> | undefined;
/** Runs OUT/lambda/__index.js's handler({}) once in a child node, as the Lambda runtime would, and downloads its output. */
function packagedHandlerRun(): Promise<HandlerRun> {
    handlerPromise ??= (async () => {
        const r = await rig();
        const lambdaDir = path.join(r.out, "lambda");
        const proc = await runPackagedHandler(lambdaDir, lambdaRuntimeEnv({
            variables: r.variables,
            region: "us-west-2",
            endpoints: { s3: r.s3.endpoint, codeartifact: r.ca.endpoint },
            scratchDir: r.tmp,
            caFile: r.index.caFile,
        }));
        const outcome: { result?: unknown; error?: string } = proc.reported ? proc : { error: "the child wrote no result" };
        assert.equal(outcome.error, undefined, `the packaged handler failed: ${outcome.error}\n${describe(proc)}`);
        assert.equal(proc.code, 0, describe(proc));

        const key = r.variables[ENV.key];
        assert.ok(key.startsWith("dags/"), `the dev stack's token key ${key} is not in the default DAGs folder "dags"`);
        const direct = new S3Client({ endpoint: r.s3.directEndpoint, region: "us-west-2", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
        let tokenFileBody: string;
        try {
            const got = await direct.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }));
            tokenFileBody = await got.Body!.transformToString();
        } finally {
            direct.destroy();
        }
        // MWAA syncs s3://bucket/dags/ to /usr/local/airflow/dags/; mirror it under tmp.
        const tokenFile = path.join(r.tmp, "airflow", "dags", ...key.slice("dags/".length).split("/"));
        await mkdir(path.dirname(tokenFile), { recursive: true });
        await writeFile(tokenFile, tokenFileBody);
        return { ...proc, ...outcome, tokenFile, tokenFileBody };
    })();
    return handlerPromise;
}

interface MappedRequirements {
    readonly file: string;
    readonly kept: readonly string[];
    readonly dropped: readonly string[];
}

let requirementsPromise: Promise<MappedRequirements> | undefined;
/** OUT/s3/requirements.txt with the MWAA mount mapped onto the local mirror, and only lines the local index can serve. */
function mappedRequirements(): Promise<MappedRequirements> {
    requirementsPromise ??= (async () => {
        const r = await rig();
        const h = await packagedHandlerRun();
        const lines = (await readFile(path.join(r.out, "s3", r.requirementsKey), "utf8")).split("\n").filter((l) => l.trim() !== "");
        const first = lines[0] ?? "";
        const m = /^-r (\S+)$/.exec(first);
        assert.ok(m && m[1].startsWith(`${MWAA_DAGS_MOUNT}/`), `requirements.txt does not start with "-r ${MWAA_DAGS_MOUNT}/...": ${first}`);
        const mapped = path.join(r.tmp, "airflow", "dags", ...m[1].slice(MWAA_DAGS_MOUNT.length + 1).split("/"));
        assert.equal(mapped, h.tokenFile, "the -r line does not name the file the handler writes");
        const served = normalizeProjectName(r.wheel.project);
        const nameOf = (line: string) => normalizeProjectName(/^[A-Za-z0-9._-]+/.exec(line.trim())?.[0] ?? "");
        const kept = lines.slice(1).filter((l) => nameOf(l) === served);
        const dropped = lines.slice(1).filter((l) => nameOf(l) !== served);
        const body = [`-r ${mapped}`, ...(kept.length > 0 ? kept : [r.wheel.project])].join("\n") + "\n";
        const file = path.join(r.tmp, "requirements.mapped.txt");
        await writeFile(file, body);
        return { file, kept, dropped };
    })();
    return requirementsPromise;
}

/** The pip invocation: isolated from any user/site config, no prompts, no retries, bounded. */
function pipArgs(command: "download", dest: string, requirements: string): string[] {
    return [
        "-m", "pip", command, "--isolated", "--no-cache-dir", "--no-input", "--disable-pip-version-check",
        "--keyring-provider", "disabled", "--retries", "0", "--timeout", "10", "--progress-bar", "off",
        "-d", dest, "-r", requirements,
    ];
}

function pipEnv(r: Rig, caBundle: string | undefined): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: path.join(r.tmp, "home"),
        LANG: "C.UTF-8",
        PIP_CONFIG_FILE: "/dev/null",
        PIP_DISABLE_PIP_VERSION_CHECK: "1",
        PIP_NO_INPUT: "1",
        PYTHONDONTWRITEBYTECODE: "1",
        NO_PROXY: "127.0.0.1",
        ...(caBundle === undefined ? {} : { REQUESTS_CA_BUNDLE: caBundle }),
    };
}

async function pip(r: Rig, args: readonly string[], caBundle: string | undefined): Promise<Proc> {
    await mkdir(path.join(r.tmp, "home"), { recursive: true });
    return runProcess(r.python, args, { cwd: r.tmp, env: pipEnv(r, caBundle), timeoutMs: 30_000 });
}

const pipOutputs: { what: string; proc: Proc }[] = [];

test("preview --out writes the package, the requirements file and a placeholder token file", T, async (t) => {
    const r = await rig();
    const files = await listFiles(r.out);
    t.diagnostic(`--out files: ${files.join(", ")}`);
    const lambdaFiles = files.filter((f) => f.startsWith("lambda/")).map((f) => f.slice("lambda/".length));
    assert.ok(lambdaFiles.includes("__index.js"), `no lambda/__index.js in ${files.join(", ")}`);
    assert.ok(files.includes("preview.json") && files.includes("lambda.zip"), files.join(", "));
    // lambda.zip holds exactly the files of lambda/.
    const zipped = unzipSync(new Uint8Array(await readFile(path.join(r.out, "lambda.zip"))));
    assert.deepEqual(Object.keys(zipped).filter((n) => !n.endsWith("/")).sort(), lambdaFiles);
    for (const name of lambdaFiles) {
        assert.ok(Buffer.from(zipped[name]).equals(await readFile(path.join(r.out, "lambda", name))), `lambda.zip's ${name} differs from lambda/${name}`);
    }
    const requirements = await readFile(path.join(r.out, "s3", r.requirementsKey), "utf8");
    assert.equal(requirements, [`-r ${MWAA_DAGS_MOUNT}/codeartifact.txt`, ...r.userRequirements].join("\n") + "\n");
    assert.match(await readFile(path.join(r.out, "s3", r.variables[ENV.key]), "utf8"), BOOTSTRAP_PATTERN);
    assert.ok(JSON.stringify(r.previewJson).includes(r.bucket), "preview.json does not name the stack's bucket");
});

test("the packaged handler from --out, run as the Lambda runtime runs it, writes the local index URL with the token percent-encoded", T, async () => {
    const r = await rig();
    const h = await packagedHandlerRun();
    const host = r.index.repositoryEndpoint.slice("https://".length);
    assert.equal(h.tokenFileBody, `--index-url https://aws:${encodeURIComponent(FAKE_TOKEN)}@${host}simple/\n`);
    assert.match(h.tokenFileBody, /%2B.*%2F.*%3D/, "+ / = must be percent-encoded");
    assert.equal((h.result as { endpoint?: string } | undefined)?.endpoint, r.index.repositoryEndpoint);
    assert.deepEqual(r.ca.requests.map((q) => q.outcome), [200, 200]);
    // Before writing it, the handler sends the token as pip will: one request to the index root, Basic auth accepted.
    const byHandler = r.index.requests.filter((q) => q.userAgent.startsWith("node"));
    assert.deepEqual(byHandler.map((q) => [q.method, q.path, q.auth, q.status]), [["GET", `/pypi/${r.variables[ENV.repository]}/simple/`, "ok", 200]]);
    assert.equal((h.result as { indexCheck?: string } | undefined)?.indexCheck, "token accepted");
});

test("real pip resolves requirements.txt → token file → local HTTPS index with Basic auth, and the wheel lands", T, async (t) => {
    const r = await rig();
    const req = await mappedRequirements();
    t.diagnostic(`requirements kept: ${JSON.stringify(req.kept)}; dropped (not resolvable offline): ${JSON.stringify(req.dropped)}`);
    const dl = path.join(r.tmp, "dl");
    const args = pipArgs("download", dl, req.file);
    t.diagnostic(`pip: ${r.python} ${args.join(" ")}; env REQUESTS_CA_BUNDLE=${r.index.caFile} PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1`);
    const before = r.index.requests.length;
    const proc = await pip(r, args, r.index.caFile);
    pipOutputs.push({ what: "pip download (right token)", proc });
    assert.equal(proc.code, 0, `pip download failed: ${describe(proc)}`);

    const landed = path.join(dl, r.wheel.filename);
    const data = await readFile(landed).catch(() => assert.fail(`${r.wheel.filename} is not in ${dl}: ${describe(proc)}`));
    assert.equal(createHash("sha256").update(data).digest("hex"), r.wheel.sha256);
    const seen = r.index.requests.slice(before);
    assert.ok(seen.length > 0, "pip never reached the index");
    assert.deepEqual(seen.filter((q) => q.auth !== "ok" || q.status >= 400), [], "every request pip sent carried the right token");
    assert.ok(seen.some((q) => q.path.endsWith(`/simple/${r.wheel.project}/`)), "pip did not read the project page");
    assert.ok(seen.some((q) => q.path.endsWith(`/${r.wheel.filename}`)), "pip did not fetch the wheel from the index");
    assert.match(seen[0].userAgent, /^pip\//);

    // The wheel is a real one: pip installs it and Python imports it.
    const site = path.join(r.tmp, "site");
    const install = await pip(r, ["-m", "pip", "install", "--isolated", "--no-index", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
        "--no-input", "--target", site, landed], undefined);
    assert.equal(install.code, 0, describe(install));
    const imported = await runProcess(r.python, ["-c", `import ${r.wheel.module}; print(${r.wheel.module}.VALUE)`], {
        cwd: r.tmp, env: { ...pipEnv(r, undefined), PYTHONPATH: site }, timeoutMs: 15_000,
    });
    assert.equal(imported.stdout.trim(), r.wheel.marker, describe(imported));
});

test("pip verifies the index's self-signed certificate through REQUESTS_CA_BUNDLE: without it, TLS fails before any request", T, async () => {
    const r = await rig();
    const req = await mappedRequirements();
    const before = r.index.requests.length;
    const proc = await pip(r, pipArgs("download", path.join(r.tmp, "dl-no-ca"), req.file), undefined);
    pipOutputs.push({ what: "pip download (no CA bundle)", proc });
    assert.notEqual(proc.code, 0, `pip succeeded without trusting the certificate: ${describe(proc)}`);
    assert.match(proc.stdout + proc.stderr, /CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSLError/i, describe(proc));
    assert.equal(r.index.requests.length, before, "no HTTP request may complete without a verified TLS connection");
});

test("when the index expects a different token, pip fails and the index really answered 401", T, async () => {
    const r = await rig();
    const req = await mappedRequirements();
    const dl = path.join(r.tmp, "dl-wrong-token");
    const before = r.index.requests.length;
    r.index.setToken(OTHER_TOKEN);
    let proc: Proc;
    try {
        proc = await pip(r, pipArgs("download", dl, req.file), r.index.caFile);
    } finally {
        r.index.setToken(FAKE_TOKEN);
    }
    pipOutputs.push({ what: "pip download (index expects another token)", proc });
    assert.notEqual(proc.code, 0, `pip succeeded against an index that refuses its token: ${describe(proc)}`);
    assert.ok(!proc.timedOut, describe(proc));
    const seen = r.index.requests.slice(before);
    const refused = seen.filter((q) => q.status === 401);
    assert.ok(refused.length >= 1, `the index served no 401: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen.filter((q) => q.status !== 401), [], "nothing but 401s");
    assert.ok(refused.every((q) => q.auth === "wrong-token"), `pip should have sent aws:<old token>: ${JSON.stringify(refused.map((q) => q.auth))}`);
    // At default verbosity pip does not print the 401 itself, only that nothing matched.
    assert.match(proc.stderr, /No matching distribution found for your-package/, describe(proc));
    const landed = await stat(path.join(dl, r.wheel.filename)).then(() => true, () => false);
    assert.equal(landed, false, "no wheel may land");
});

test("the fake token appears in no --out file, not in preview.json, nor in the handler's output; pip redacts it", T, async (t) => {
    const r = await rig();
    const h = await packagedHandlerRun();
    assert.ok(!leaks(r.preview.stdout + r.preview.stderr, FAKE_TOKEN), "the preview printed the token");
    for (const name of await listFiles(r.out)) {
        const data = new Uint8Array(await readFile(path.join(r.out, name)));
        assert.ok(!leaks(data, FAKE_TOKEN), `--out file ${name} holds the token`);
        if (name.endsWith(".zip")) {
            for (const [entry, content] of Object.entries(unzipSync(data))) assert.ok(!leaks(content, FAKE_TOKEN), `${name}:${entry} holds the token`);
        }
    }
    assert.ok(!leaks(JSON.stringify(r.previewJson), FAKE_TOKEN), "preview.json holds the token");
    assert.ok(!leaks(h.stdout, FAKE_TOKEN), "the handler's stdout holds the token");
    assert.ok(!leaks(h.stderr, FAKE_TOKEN), "the handler's stderr holds the token");
    assert.ok(!leaks(JSON.stringify(h.result ?? null), FAKE_TOKEN), "the handler's result holds the token");
    // pip's own output: reported, not failed on (pip is not ours); it should show aws:****.
    if (pipOutputs.length === 0) t.diagnostic("no pip run to inspect: the pip tests did not run");
    for (const { what, proc } of pipOutputs) {
        const text = proc.stdout + proc.stderr;
        const redacted = /aws:\*{4}@/.test(text);
        t.diagnostic(`${what}: token ${leaks(text, FAKE_TOKEN) ? "PRINTED" : "not printed"}; ${redacted ? "URL shown as aws:****@" : "no redacted URL shown"}`);
    }
});
