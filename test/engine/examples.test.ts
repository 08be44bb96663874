// examples/typescript on the real engine: `up` creates the bucket, the package repository, the
// refresher and the MWAA environment pinned to the requirements.txt the refresher wrote; `destroy`
// removes all of it, the bucket included.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { assertIndexUrl, headObject, objectText, up, worldS3 } from "./support/observe";
import { exampleProgram, startWorld, type World } from "./support/world";
import { CloudStore } from "./aws/cloud";

const EXAMPLE = { name: "mwaa-codeartifact-example", folder: path.join("examples", "typescript") };

describe("engine: examples/typescript", { timeout: 300_000 }, () => {
    let world: World;
    let stack: Stack;
    let s3: S3Client;
    let bucket: string;

    before(async () => {
        world = await startWorld();
        s3 = worldS3(world);
        const dir = path.join(world.projectDir, EXAMPLE.folder);
        // The README's `pulumi config set` commands, as the stack file they write.
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), [
            "config:", "  aws:region: us-west-2",
            `  ${EXAMPLE.name}:subnetIds: [subnet-0aaa, subnet-0bbb]`, `  ${EXAMPLE.name}:securityGroupIds: [sg-0ccc]`, "",
        ].join("\n"));
        stack = await world.stackOf({ dir, name: EXAMPLE.name }, "dev", exampleProgram(dir));
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("up: the environment takes the requirements.txt version the refresher wrote, after a real token", async () => {
        const result = await up(stack);
        // The stack, 3 for the bucket, 3 for CodeArtifact, the refresher and its 13 children, the role, its policy, the environment.
        assert.deepEqual(result.result.summary.resourceChanges, { create: 24 });
        bucket = String(result.result.outputs.bucketName.value);
        assert.match(bucket, /^mwaa-[0-9a-f]{7}$/);
        assertIndexUrl(await objectText(s3, bucket, "dags/codeartifact.txt"), DEFAULT_DOUBLE_TOKEN, "airflow");
        const environments = Object.values(new CloudStore(world.cloudDir).list("aws:mwaa/environment:Environment"));
        assert.equal(environments.length, 1);
        const version = (await headObject(s3, bucket, "requirements.txt")).versionId;
        assert.equal(environments[0].requirementsS3ObjectVersion, version);
        assert.equal(environments[0].requirementsS3Path, "requirements.txt");
        assert.equal(environments[0].sourceBucketArn, `arn:aws:s3:::${bucket}`);
        const policies = Object.values(new CloudStore(world.cloudDir).list("aws:iam/rolePolicy:RolePolicy")).map((p) => String(p.policy));
        const execution = policies.find((p) => p.includes("airflow:PublishMetrics"));
        assert.ok(execution?.includes(`arn:aws:s3:::${bucket}/*`), "the execution role reads the bucket, token file included");
        assert.ok(!execution?.includes("codeartifact"), "and needs nothing of CodeArtifact");
    });

    it("destroy removes every resource and the bucket with the objects the refresher keeps", async () => {
        const destroyed = await stack.destroy();
        assert.equal(destroyed.summary.resourceChanges?.delete, 24);
        await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: bucket })));
        const left = Object.keys(new CloudStore(world.cloudDir).liveIds());
        assert.deepEqual(left, []);
    });
});
