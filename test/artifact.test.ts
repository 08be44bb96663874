// The artifact test: the Lambda package exactly as Pulumi serializes it (CallbackFunction, closure
// serialization), deployed under the mock engine, written to a temp folder and run in a CHILD node
// process the way the Lambda Node.js runtime runs it: the package ships no node_modules, and the
// AWS SDK v3 clients resolve by package name through NODE_PATH (the runtime's
// /var/runtime/node_modules; here the repo's node_modules). Endpoints point at s3rver and the
// CodeArtifact double through the standard AWS_ENDPOINT_URL_* variables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinModules } from "node:module";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { zipSync } from "fflate";
import { installMocks, settle, valueOf } from "./support/pulumiTesting";
import { startPypiIndex } from "./support/pypiIndex";
import { startCodeArtifactDouble } from "./support/codeartifactDouble";
import { startS3Server } from "./support/s3Server";
import { lambdaRuntimeEnv, runPackagedHandler } from "./support/lambdaRuntime";
import { CodeArtifactTokenRefresher } from "../lib/component";
import { ENV } from "../functions/contract";
import { METRIC_NAME, TOKEN_FILE_CONTENT_TYPE } from "../functions/refresh";
import type { Registration } from "../tools/preview/mocks";

const mocks = installMocks();

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const BUCKET = "airflow-dev-111122223333-us-west-2";
/** Recognisable, and with characters that must be percent-encoded in the index URL. */
const FAKE_TOKEN = "FAKE.artifact-token+slash/equals==";
const T = { timeout: 30_000 };

const MAX_FILES = 3;
const MAX_ZIPPED_BYTES = 8192;

interface Package {
    readonly fn: Registration;
    readonly files: Readonly<Record<string, string>>;
    readonly variables: Readonly<Record<string, string>>;
}

interface ArchiveLike {
    readonly assets: Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Reads the name → text of every asset of the registered code archive. */
async function archiveFiles(code: unknown): Promise<Record<string, string>> {
    assert.ok(code !== null && typeof code === "object" && "assets" in code, "Function inputs.code is not an AssetArchive");
    const assets = await (code as ArchiveLike).assets;
    const files: Record<string, string> = {};
    for (const [name, asset] of Object.entries(assets)) {
        assert.ok(asset !== null && typeof asset === "object" && "text" in asset, `${name} is not a StringAsset`);
        files[name] = await (asset as { text: Promise<string> | string }).text;
    }
    return files;
}

let cached: Promise<Package> | undefined;
/** Deploys the component once (dev-like settings) and returns the Function's package. */
function deployedPackage(): Promise<Package> {
    cached ??= (async () => {
        const refresher = new CodeArtifactTokenRefresher("artifact", {
            bucket: BUCKET,
            domain: "your-domain",
            repository: "your_repo",
            tokenDurationSeconds: 3600,
        });
        await valueOf(refresher.alarmNames);
        await settle();
        const fns = mocks.ofType("aws:lambda/function:Function").filter((r) => r.name.startsWith("artifact-"));
        assert.equal(fns.length, 1);
        const fn = fns[0];
        const files = await archiveFiles(fn.inputs.code);
        const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
        return { fn, files, variables };
    })();
    return cached;
}

/** Every `require("...")` / `require('...')` argument in a source text. */
function requiredSpecifiers(source: string): string[] {
    return [...source.matchAll(/\brequire\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((m) => m[2]);
}

/** True for a Node builtin (`fs`, `node:fs`) or the bare name of an @aws-sdk package. */
function allowedSpecifier(spec: string): boolean {
    if (spec.startsWith("node:")) return builtinModules.includes(spec.slice(5)) || builtinModules.includes(spec);
    if (builtinModules.includes(spec)) return true;
    return /^@aws-sdk\/[a-z0-9][a-z0-9-]*$/.test(spec);
}

test("the serialized package runs in a child node with the runtime's SDK and fetch, checks the token with the repository and writes the token file", T, async () => {
    const pkg = await deployedPackage();
    const scratch = await mkdtemp(path.join(os.tmpdir(), "artifact-"));
    const s3 = await startS3Server({ buckets: [BUCKET] });
    const index = await startPypiIndex({ repository: "your_repo", token: FAKE_TOKEN, wheels: [] });
    const ca = await startCodeArtifactDouble({ token: FAKE_TOKEN, repositoryEndpoint: index.repositoryEndpoint });
    const direct = new S3Client({ endpoint: s3.directEndpoint, region: "us-west-2", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
        const dir = path.join(scratch, "lambda");
        await mkdir(dir);
        for (const [name, text] of Object.entries(pkg.files)) {
            await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
            await writeFile(path.join(dir, name), text);
        }
        const before = Date.now();
        const env = lambdaRuntimeEnv({
            variables: pkg.variables, region: "us-west-2", endpoints: { s3: s3.endpoint, codeartifact: ca.endpoint }, scratchDir: scratch, caFile: index.caFile,
        });
        const outcome = await runPackagedHandler(dir, env);
        assert.equal(outcome.error, undefined, `handler failed: ${outcome.error}\nstderr: ${outcome.stderr}`);
        assert.equal(outcome.code, 0, `child exited ${outcome.code} (${outcome.signal})\nstderr: ${outcome.stderr}`);

        // What reached S3.
        const key = pkg.variables[ENV.key];
        assert.equal(key, "dags/codeartifact.txt");
        const expectedEndpoint = index.repositoryEndpoint;
        const got = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.equal(await got.Body!.transformToString(), `--index-url https://aws:${encodeURIComponent(FAKE_TOKEN)}@${expectedEndpoint.slice("https://".length)}simple/\n`);
        const head = await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.equal(head.ContentType, TOKEN_FILE_CONTENT_TYPE);
        assert.equal(head.CacheControl, "no-store");
        assert.deepEqual(Object.keys(head.Metadata ?? {}).sort(), ["refreshed-at", "token-expires-at"]);
        const expires = Date.parse(head.Metadata!["token-expires-at"]);
        assert.ok(expires >= before + 3599_000 && expires <= Date.now() + 3600_000, `expiry ${head.Metadata!["token-expires-at"]}`);
        const refreshed = Date.parse(head.Metadata!["refreshed-at"]);
        assert.ok(refreshed >= before - 1000 && refreshed <= Date.now(), `refreshed-at ${head.Metadata!["refreshed-at"]}`);
        const puts = s3.sentHeaders("PUT", `/${BUCKET}/${key}`);
        assert.equal(puts.length, 1);
        assert.equal(puts[0]["x-amz-server-side-encryption"], "AES256");

        // What CodeArtifact was asked, with the Function's own settings.
        const byOp = (op: string) => ca.requests.find((r) => r.operation === op)?.query;
        assert.deepEqual(byOp("GetAuthorizationToken"), { domain: "your-domain", "domain-owner": "111122223333", duration: "3600" });
        assert.deepEqual(byOp("GetRepositoryEndpoint"), { domain: "your-domain", "domain-owner": "111122223333", repository: "your_repo", format: "pypi" });

        // What the handler returned and printed: never the token.
        assert.deepEqual(outcome.result, {
            bucket: BUCKET, key, endpoint: expectedEndpoint,
            expiresAt: head.Metadata!["token-expires-at"], secondsLeft: (outcome.result as { secondsLeft: number }).secondsLeft,
            indexCheck: "token accepted",
        });
        // A scheduled refresh checks the token alone: one request to the index root, with Basic auth as pip sends it.
        assert.deepEqual(index.requests.map((r) => [r.method, r.path, r.auth, r.status]), [["GET", "/pypi/your_repo/simple/", "ok", 200]]);
        for (const [what, text] of [["result", JSON.stringify(outcome.result)], ["stdout", outcome.stdout], ["stderr", outcome.stderr]] as const) {
            assert.ok(!text.includes(FAKE_TOKEN) && !text.includes(encodeURIComponent(FAKE_TOKEN)), `the token leaked into the handler's ${what}`);
        }
        const lines = outcome.stdout.split("\n").filter((l) => l.trim() !== "");
        assert.equal(lines.length, 1, `expected one EMF line, got: ${outcome.stdout}`);
        const emf = JSON.parse(lines[0]) as Record<string, unknown>;
        assert.ok(Number(emf[METRIC_NAME]) > 3590 && Number(emf[METRIC_NAME]) <= 3600, String(emf[METRIC_NAME]));
    } finally {
        direct.destroy();
        await ca.close();
        await index.close();
        await s3.close();
        await rm(scratch, { recursive: true, force: true });
    }
});

test(`the package has at most ${MAX_FILES} files and zips (fflate, level 9) to at most ${MAX_ZIPPED_BYTES} bytes`, T, async (t) => {
    const { files } = await deployedPackage();
    const names = Object.keys(files).sort();
    assert.ok(names.includes("__index.js"), `no __index.js in ${names.join(", ")}`);
    assert.ok(names.length <= MAX_FILES, `${names.length} files: ${names.join(", ")}`);
    assert.ok(!names.some((n) => n.split("/").includes("node_modules")), `the package ships node_modules: ${names.join(", ")}`);
    const zip = zipSync(Object.fromEntries(names.map((n) => [n, new TextEncoder().encode(files[n])])), { level: 9 });
    const raw = names.reduce((sum, n) => sum + Buffer.byteLength(files[n]), 0);
    t.diagnostic(`package: ${names.length} file(s) [${names.join(", ")}], ${raw} bytes raw, ${zip.byteLength} bytes zipped (fflate level 9)`);
    assert.ok(zip.byteLength <= MAX_ZIPPED_BYTES, `${zip.byteLength} bytes zipped`);
});

test("the package holds no token-like string and no absolute path of this machine", T, async () => {
    const { files } = await deployedPackage();
    const machinePaths = [...new Set([REPO_ROOT, process.cwd(), os.homedir(), os.tmpdir(), path.dirname(process.execPath)])]
        .filter((p) => p.length > 1 && p !== "/tmp");
    const tokenLike: readonly [string, RegExp][] = [
        ["a JWT/JWE-style token", /eyJ[A-Za-z0-9_-]{8,}/],
        ["an AWS access key id", /\b(AKIA|ASIA)[A-Z0-9]{16}\b/],
        ["credentials in a URL", /:\/\/[^/\s"'`:@]+:[^/\s"'`@$]+@/],
        ["a long base64 run", /[A-Za-z0-9+/_-]{60,}={0,2}/],
        ["a fake test token", /FAKE[.-]|fake-token/i],
    ];
    for (const [name, text] of Object.entries(files)) {
        for (const [what, re] of tokenLike) {
            const m = re.exec(text);
            assert.equal(m, null, `${name} contains ${what}: ${m?.[0]}`);
        }
        for (const p of machinePaths) assert.ok(!text.includes(p), `${name} contains the local path ${p}`);
        const absolute = /(?<![A-Za-z0-9.])(?:\/(?:home|root|Users|work|tmp|private|var\/folders|opt\/hostedtoolcache)\/|[A-Za-z]:\\\\)[^\s"'`]*/.exec(text);
        assert.equal(absolute, null, `${name} contains an absolute path: ${absolute?.[0]}`);
    }
});

test("every require() in __index.js names an @aws-sdk package or a Node builtin, never a deep or relative path", T, async (t) => {
    const { files } = await deployedPackage();
    const source = files["__index.js"];
    assert.ok(source !== undefined, "no __index.js");
    const specs = requiredSpecifiers(source);
    t.diagnostic(`require() in __index.js: ${JSON.stringify(specs)}`);
    assert.ok(specs.some((s) => s.startsWith("@aws-sdk/")), `no @aws-sdk require at all: ${JSON.stringify(specs)}`);
    const bad = specs.filter((s) => !allowedSpecifier(s));
    assert.deepEqual(bad, [], `require() paths must be bare @aws-sdk package names or builtins (the Lambda runtime resolves only those): ${JSON.stringify(bad)}`);
    // A require with a computed argument would escape this check.
    const dynamic = [...source.matchAll(/\brequire\s*\(\s*(?!["'`][^"'`]+["'`]\s*\))[^)]*\)/g)].map((m) => m[0]);
    assert.deepEqual(dynamic, [], "computed require() arguments");
});
