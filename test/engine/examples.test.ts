// examples/typescript as its README runs it: this package installed by npm from the packed tarball
// (`npm pack`, beside the @pulumi/pulumi and @pulumi/aws versions this repository is tested with),
// then `pulumi stack init`, `pulumi config set …` and `pulumi up` through the Node.js language host
// (its Pulumi.yaml says `typescript: true`); `up` creates the bucket, the package repository, the
// refresher and the MWAA environment pinned to the requirements.txt the refresher wrote;
// `pulumi destroy --yes` removes all of it, the bucket included.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { type Consumer, packIntoConsumer } from "../support/packageConsumer";
import type { Proc } from "../support/process";
import { assertIndexUrl, headObject, objectText, worldS3 } from "./support/observe";
import { REPO_ROOT, startWorld, type World } from "./support/world";
import { stackProgramHandler } from "../support/stackProgram";
import { CloudStore } from "../../tools/doubles/aws/cloud";

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "typescript");

describe("engine: examples/typescript (the packed package, pulumi up through the Node.js host)", { timeout: 600_000 }, () => {
    let world: World;
    let consumer: Consumer;
    let s3: S3Client;
    let dir: string;
    let bucket: string;

    async function pulumi(args: string[]): Promise<Proc> {
        const ran = await world.pulumi(args, { cwd: dir, timeoutMs: 300_000 });
        assert.equal(ran.code, 0, `pulumi ${args.join(" ")} exited ${String(ran.code)}:\n${ran.stdout}\n${ran.stderr}`);
        return ran;
    }

    before(async () => {
        const [started, packed] = await Promise.allSettled([startWorld({ componentOnPath: false }), packIntoConsumer()]);
        if (started.status === "fulfilled") world = started.value;
        if (packed.status === "fulfilled") consumer = packed.value;
        for (const step of [started, packed]) if (step.status === "rejected") throw step.reason;
        s3 = worldS3(world);
        // The example's own files, beside the node_modules npm installed from the tarball.
        dir = path.join(world.dir, "example-typescript");
        fs.mkdirSync(dir);
        for (const file of ["Pulumi.yaml", "index.ts"]) fs.copyFileSync(path.join(EXAMPLE_DIR, file), path.join(dir, file));
        fs.symlinkSync(path.join(consumer.dir, "node_modules"), path.join(dir, "node_modules"));
        // The README's commands.
        await pulumi(["stack", "init", "dev"]);
        await pulumi(["config", "set", "aws:region", "us-west-2"]);
        await pulumi(["config", "set", "--path", "subnetIds[0]", "subnet-0aaa"]);
        await pulumi(["config", "set", "--path", "subnetIds[1]", "subnet-0bbb"]);
        await pulumi(["config", "set", "--path", "securityGroupIds[0]", "sg-0ccc"]);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
        consumer?.remove();
    });

    it("up: the environment takes the requirements.txt version the refresher wrote, after a real token", async () => {
        const up = await pulumi(["up", "--yes"]);
        // The stack, 3 for the bucket, 3 for CodeArtifact, the refresher and its 13 children, the role, its policy, the environment.
        assert.match(up.stdout, /Resources:\s*\n\s*\+ 24 created/, up.stdout);
        const outputs = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
        bucket = String(outputs.bucketName);
        assert.match(bucket, /^mwaa-[0-9a-f]{7}$/);
        assertIndexUrl(await objectText(s3, bucket, "dags/codeartifact.txt"), DEFAULT_DOUBLE_TOKEN, "airflow");
        const environments = Object.values(new CloudStore(world.cloudDir).list("aws:mwaa/environment:Environment"));
        assert.equal(environments.length, 1);
        const version = (await headObject(s3, bucket, "requirements.txt")).versionId;
        assert.equal(environments[0].requirementsS3ObjectVersion, version);
        assert.equal(environments[0].requirementsS3Path, "requirements.txt");
        assert.equal(environments[0].sourceBucketArn, `arn:aws:s3:::${bucket}`);
        // The Lambda code the host path deployed is the text the stack program builds (the offline preview's).
        const [functionName] = Object.keys(new CloudStore(world.cloudDir).list("aws:lambda/function:Function"));
        assert.equal(fs.readFileSync(path.join(world.cloudDir, "functions", functionName, "__index.js"), "utf8"), await stackProgramHandler());
        const policies = Object.values(new CloudStore(world.cloudDir).list("aws:iam/rolePolicy:RolePolicy")).map((p) => String(p.policy));
        const execution = policies.find((p) => p.includes("airflow:PublishMetrics"));
        assert.ok(execution?.includes(`arn:aws:s3:::${bucket}/*`), "the execution role reads the bucket, token file included");
        assert.ok(!execution?.includes("codeartifact"), "and needs nothing of CodeArtifact");
    });

    it("pulumi destroy --yes removes every resource and the bucket with the objects the refresher keeps", async () => {
        const destroyed = await pulumi(["destroy", "--yes"]);
        assert.match(destroyed.stdout, /Resources:\s*\n\s*- 24 deleted/, destroyed.stdout);
        await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: bucket })));
        assert.deepEqual(Object.keys(new CloudStore(world.cloudDir).liveIds()), []);
    });
});
