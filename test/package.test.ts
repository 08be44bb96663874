// The npm package as a consumer gets it: packed, installed by npm into a scratch program,
// type-checked there with skipLibCheck off, and run under the mock engine.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { type Consumer, packIntoConsumer, PACKAGE_NAME, REPO_ROOT, runInConsumer } from "./support/packageConsumer";
import { stackProgramHandler } from "./support/stackProgram";

const T = { timeout: 240_000 };
let consumer: Consumer;

interface Deployment {
    readonly error?: { name: string; message: string; runError: boolean };
    readonly types: string[];
    readonly handler?: string;
    readonly files: Record<string, string>;
}

async function deployInConsumer(args: Record<string, unknown> = {}): Promise<Deployment> {
    const run = await runInConsumer(consumer, ["deploy.js", REPO_ROOT], { REFRESHER_ARGS: JSON.stringify(args) });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as Deployment;
}

before(async () => {
    consumer = await packIntoConsumer();
});
after(() => consumer?.remove());

test("the package holds the library's compiled JS and declarations, nothing of the stack program, tools or tests", T, () => {
    const paths = consumer.files.map((f) => f.path).sort();
    for (const p of paths) {
        assert.match(p, /^(package\.json|README\.md|LICENSE|dist\/lib\/\w+\.(js|d\.ts)|dist\/functions\/\w+\.(js|d\.ts))$/, `unexpected file ${p} in the package`);
    }
    for (const expected of ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/component.d.ts", "dist/functions/handler.js"]) {
        assert.ok(paths.includes(expected), `${expected} missing from the package`);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(consumer.dir, "node_modules", PACKAGE_NAME, "package.json"), "utf8")) as {
        exports: Record<string, unknown>; peerDependencies: Record<string, string>; dependencies?: Record<string, string>;
    };
    assert.deepEqual(Object.keys(manifest.peerDependencies).sort(), ["@pulumi/aws", "@pulumi/pulumi"]);
    assert.equal(manifest.dependencies, undefined, "the library needs nothing but its peers at deploy time");
    assert.deepEqual(Object.keys(manifest.exports).sort(), [".", "./package.json"]);
    assert.ok(!fs.existsSync(path.join(consumer.dir, "node_modules", "@aws-sdk")), "npm installed an AWS SDK for the consumer");
});

test("declarations carry the TSDoc of the arguments", T, () => {
    const dts = fs.readFileSync(path.join(consumer.dir, "node_modules", PACKAGE_NAME, "dist", "lib", "component.d.ts"), "utf8");
    assert.match(dts, /\/\*\* Name of the MWAA environment's existing, versioned S3 bucket\. \*\/\s+readonly bucket: pulumi\.Input<string>;/);
});

test("a TypeScript consumer type-checks against the package with skipLibCheck off", T, async () => {
    const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const run = await runInConsumer(consumer, [tsc, "-p", "tsconfig.json"]);
    assert.equal(run.code, 0, `tsc found errors:\n${run.stdout}${run.stderr}`);
});

test("only the public entry is importable: deep paths are refused by the exports map", T, async () => {
    const run = await runInConsumer(consumer, ["-e", `require("${PACKAGE_NAME}/dist/lib/component.js")`]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test("installed in a consumer, the function is one small file with bare SDK requires, the same as the stack program's", T, async () => {
    const deployed = await deployInConsumer();
    assert.equal(deployed.error, undefined);
    assert.equal(deployed.handler, "__index.handler");
    assert.deepEqual(Object.keys(deployed.files), ["__index.js"]);
    const text = deployed.files["__index.js"];
    const requires = [...new Set([...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]))].sort();
    assert.deepEqual(requires, ["@aws-sdk/client-codeartifact", "@aws-sdk/client-s3"]);
    assert.ok(!text.includes(PACKAGE_NAME) && !text.includes("node_modules"), "the handler refers to the package or node_modules");
    assert.equal(text, await stackProgramHandler(), "the consumer's handler differs from the stack program's");
});

test("a consumer's bad arguments fail with the component's one clear error", T, async () => {
    const deployed = await deployInConsumer({ domain: "Bad_Domain", tokenDurationSeconds: 60 });
    assert.ok(deployed.error, "expected an error");
    assert.equal(deployed.error.runError, true, "a RunError, which the CLI prints without a stack trace");
    assert.match(deployed.error.message, /^Invalid arguments of CodeArtifactTokenRefresher "consumer" \(2 problems\):\n/);
    assert.match(deployed.error.message, /\n {2}- domain: got "Bad_Domain";/);
    assert.match(deployed.error.message, /\n {2}- tokenDurationSeconds: got 60;/);
    assert.deepEqual(deployed.types, [], "no resource registered");
});
