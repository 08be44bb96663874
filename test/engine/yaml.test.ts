// examples/yaml on the real engine: the CLI runs the YAML program with the real YAML language host
// (built from github.com/pulumi/pulumi-yaml), which loads the component's schema from the plugin
// and has the engine construct it; its children reach the aws double.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { findYamlHost } from "../../tools/engine/languageHosts";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { assertIndexUrl, headObject, objectText, preview, up, worldS3 } from "./support/observe";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";

const PROJECT = "mwaa-codeartifact-yaml";
const BUCKET = STACK_BUCKETS.dev;

function writeStackFile(dir: string, extra: Record<string, string | number> = {}): void {
    const values = { bucket: BUCKET, domain: "data-platform", repository: "airflow", ...extra };
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), ["config:", "  aws:region: us-west-2",
        ...Object.entries(values).map(([k, v]) => `  ${PROJECT}:${k}: ${v}`), ""].join("\n"));
}

describe("engine: examples/yaml with the real YAML language host", { timeout: 600_000 }, () => {
    let world: World;
    let stack: Stack;
    let s3: S3Client;
    let dir: string;

    before(async () => {
        world = await startWorld({ path: [findYamlHost(process.env, (line) => process.stderr.write(`${line}\n`))] });
        s3 = worldS3(world);
        dir = path.join(world.projectDir, "examples", "yaml");
        writeStackFile(dir);
        stack = await world.localStack(dir, "dev");
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("up: the component and its 13 children are created, the function runs, outputs reach the YAML program", async () => {
        const result = await up(stack);
        assert.match(result.printed, /using pulumi-language-yaml from \$PATH/);
        assert.deepEqual(result.result.summary.resourceChanges, { create: 15 });
        assertIndexUrl(await objectText(s3, BUCKET, "dags/codeartifact.txt"), DEFAULT_DOUBLE_TOKEN, "airflow");
        assert.equal(result.result.outputs.requirementsVersionId.value, (await headObject(s3, BUCKET, "requirements.txt")).versionId);
        assert.match(String(result.result.outputs.functionName.value), /^refresher-function-[0-9a-f]{7}$/);
    });

    it("a bad argument gets the component's one message", async () => {
        const text = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), text.replace("      domain: ${domain}\n", "      domain: ${domain}\n      tokenDurationSeconds: 100\n"));
        try {
            const message = await preview(stack).then(() => "", (err: Error) => err.message);
            assert.match(message, /- tokenDurationSeconds: got 100; allowed: an integer number of seconds from 900 to 43200/);
            assert.doesNotMatch(message, /^\s+at .+:\d+:\d+\)?$/m, "no stack trace");
        } finally {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), text);
        }
    });

    it("destroy keeps the two retained objects", async () => {
        const before = await objectText(s3, BUCKET, "requirements.txt");
        const destroyed = await stack.destroy();
        assert.equal(destroyed.summary.resourceChanges?.delete, 15);
        assert.equal(await objectText(s3, BUCKET, "requirements.txt"), before);
        assertIndexUrl(await objectText(s3, BUCKET, "dags/codeartifact.txt"), DEFAULT_DOUBLE_TOKEN, "airflow");
    });
});
