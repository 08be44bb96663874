import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import * as path from "node:path";
import { DEFAULT_DOUBLE_TOKEN, startCodeArtifactDouble } from "./support/codeartifactDouble";
import { startPypiIndex } from "./support/pypiIndex";
import { lambdaRuntimeEnv, runPackagedHandler } from "./support/lambdaRuntime";
import { startS3Server } from "./support/s3Server";
import { REFRESHER_TYPE } from "../lib/component";

const ROOT = path.resolve(__dirname, "..", "..");
const HOST = path.join(__dirname, "..", "tools", "doubles", "cliHost.js");

interface Loaded {
    tsnode: string | null;
    entry: string;
    types: string[];
    packageFiles: string[];
    packageTexts: Record<string, string>;
    variables: Record<string, string>;
    outputs: Record<string, unknown>;
}

let loaded: Loaded | undefined;
/** The program loaded once, as the Pulumi CLI loads it, under mocks. */
function loadAsTheCli(): Loaded {
    loaded ??= (() => {
        const out = execFileSync(process.execPath, [HOST, ROOT, "dev"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
        return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Loaded;
    })();
    return loaded;
}

test("the Pulumi CLI loads the program through Pulumi.yaml main (esbuild), without ts-node, and it declares the whole stack", () => {
    const result = loadAsTheCli();
    // Pulumi.yaml says typescript: false and main: scripts/pulumi-main.js, so run.js registers no
    // ts-node and requires that file (not package.json's exports, which is the npm package).
    assert.equal(result.tsnode, null);
    assert.equal(result.entry, path.join("scripts", "pulumi-main.js"));
    assert.ok(result.types.includes("aws:lambda/function:Function"));
    assert.ok(result.types.includes(REFRESHER_TYPE));
    assert.deepEqual(result.packageFiles, ["__index.js"]);
    assert.equal(result.outputs.tokenKey, "dags/codeartifact.txt");
});

test("the Lambda package serialized from the esbuild-transpiled program requires only @aws-sdk by name and runs", { timeout: 60_000 }, async () => {
    const { packageTexts, variables, outputs } = loadAsTheCli();
    const source = packageTexts["__index.js"];
    const specs = [...source.matchAll(/\brequire\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((m) => m[2]);
    assert.deepEqual(specs.filter((s) => !/^@aws-sdk\/[a-z0-9-]+$/.test(s)), [], `require() of ${JSON.stringify(specs)}`);

    const bucket = String(outputs.bucket);
    const scratch = await mkdtemp(path.join(os.tmpdir(), "cli-package-"));
    const s3 = await startS3Server({ buckets: [bucket] });
    const index = await startPypiIndex({ repository: "*", token: DEFAULT_DOUBLE_TOKEN, wheels: [] });
    const ca = await startCodeArtifactDouble({ defaultRegion: "us-west-2", repositoryEndpoint: (req) => `${index.origin}/pypi/${req.query["repository"]}/` });
    try {
        await writeFile(path.join(scratch, "__index.js"), source);
        const env = lambdaRuntimeEnv({
            variables, region: "us-west-2", endpoints: { s3: s3.endpoint, codeartifact: ca.endpoint }, scratchDir: scratch, caFile: index.caFile,
        });
        const outcome = await runPackagedHandler(scratch, env);
        assert.equal(outcome.error, undefined, `handler failed: ${outcome.error}\nstderr: ${outcome.stderr}`);
        assert.equal((outcome.result as { key?: string }).key, outputs.tokenKey);
        assert.equal((outcome.result as { indexCheck?: string }).indexCheck, "token accepted");
        assert.equal(ca.requests.filter((r) => r.outcome === 200).length, 2);
    } finally {
        await index.close();
        await ca.close();
        await s3.close();
        await rm(scratch, { recursive: true, force: true });
    }
});
