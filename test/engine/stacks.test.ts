// dev and prod side by side in one backend and one S3 server, then `pulumi destroy` of dev: every
// resource gone but the two retained objects, which keep their content and every version; prod
// untouched. And a stack whose state was written under the component's previous type token.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { PREVIOUS_REFRESHER_TYPE, REFRESHER_TYPE } from "../../lib/component";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { assertIndexUrl, changedChildren, childOps, objectText, stateResources, up, worldS3 } from "./support/observe";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";
import { CloudStore } from "../../tools/doubles/aws/cloud";

const TOKEN_KEY = "dags/codeartifact.txt";

describe("engine: dev and prod in one backend and one S3 server, then destroy of dev", { timeout: 300_000 }, () => {
    let world: World;
    let dev: Stack;
    let prod: Stack;
    let s3: S3Client;
    const names: Record<string, string> = {};

    before(async () => {
        world = await startWorld();
        s3 = worldS3(world);
        dev = await world.stack("dev");
        prod = await world.stack("prod");
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("both stacks deploy, each with its own resources, bucket and token file", async () => {
        const devUp = await up(dev);
        const prodUp = await up(prod);
        // prod adds the alarm email's topic and subscription.
        assert.deepEqual(devUp.result.summary.resourceChanges, { create: 15 });
        assert.deepEqual(prodUp.result.summary.resourceChanges, { create: 17 });
        names.dev = String(devUp.result.outputs.functionName.value);
        names.prod = String(prodUp.result.outputs.functionName.value);
        assert.notEqual(names.dev, names.prod);
        for (const bucket of Object.values(STACK_BUCKETS)) assertIndexUrl(await objectText(s3, bucket, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        assert.match(await objectText(s3, STACK_BUCKETS.prod, "requirements.txt"), /^-r \/usr\/local\/airflow\/dags\/codeartifact.txt\n--constraint /);
        assert.equal(world.s3.versions(STACK_BUCKETS.prod, TOKEN_KEY)[0].headers["x-amz-server-side-encryption"], "aws:kms");
        assert.deepEqual(new CloudStore(world.cloudDir).liveIds()["aws:lambda/function:Function"]?.sort(), [names.dev, names.prod].sort());
    });

    it("destroy of dev removes every resource but the two retained objects, which keep content and versions; prod is untouched", async () => {
        const bucket = STACK_BUCKETS.dev;
        const before = {
            token: await objectText(s3, bucket, TOKEN_KEY),
            requirements: await objectText(s3, bucket, "requirements.txt"),
            tokenVersions: world.s3.versions(bucket, TOKEN_KEY).map((v) => v.versionId),
            requirementsVersions: world.s3.versions(bucket, "requirements.txt").map((v) => v.versionId),
        };
        const prodCloud = new CloudStore(world.cloudDir).liveIds();
        const destroyed = await dev.destroy();
        assert.equal(destroyed.summary.resourceChanges?.delete, 15);
        assert.deepEqual(stateResources(world, "dev"), []);

        assert.equal(await objectText(s3, bucket, TOKEN_KEY), before.token);
        assert.equal(await objectText(s3, bucket, "requirements.txt"), before.requirements);
        assert.deepEqual(world.s3.versions(bucket, TOKEN_KEY).map((v) => v.versionId), before.tokenVersions);
        assert.deepEqual(world.s3.versions(bucket, "requirements.txt").map((v) => v.versionId), before.requirementsVersions);
        assert.ok(!fs.existsSync(path.join(world.cloudDir, "functions", names.dev)), "the function's code is gone");

        const left = new CloudStore(world.cloudDir).liveIds();
        const devLeft = Object.values(left).flat().filter((id) => id.includes("mwaa-codeartifact-dev"));
        assert.deepEqual(devLeft, []);
        const prodLeft = (cloud: Record<string, string[]>) => Object.values(cloud).flat().filter((id) => id.includes("prod")).sort();
        assert.deepEqual(prodLeft(left), prodLeft(prodCloud));
        assert.deepEqual((await up(prod)).result.summary.resourceChanges, { same: 17 });
    });
});

describe("engine: a stack whose state holds the previous component type token", { timeout: 300_000 }, () => {
    let world: World;

    before(async () => {
        world = await startWorld();
    });
    after(async () => {
        await world?.close();
    });

    it("upgrades through the alias with nothing replaced, created or deleted", async () => {
        const stack = await world.stack("dev");
        await up(stack);
        // The state as the program wrote it before the type token changed: same names, old type.
        const exported = await stack.exportStack();
        const old = JSON.parse(JSON.stringify(exported).split(REFRESHER_TYPE).join(PREVIOUS_REFRESHER_TYPE)) as typeof exported;
        await stack.importStack(old);
        assert.ok(stateResources(world, "dev").some((r) => r.type === PREVIOUS_REFRESHER_TYPE));

        const upgraded = await up(stack);
        const changes = upgraded.result.summary.resourceChanges ?? {};
        assert.deepEqual(Object.keys(changes).filter((op) => op !== "same"), [], JSON.stringify(changes));
        assert.deepEqual(changedChildren(upgraded.plan, "mwaa-codeartifact-dev"), {});
        assert.equal(Object.keys(childOps(upgraded.plan, "mwaa-codeartifact-dev")).length, 13);
        const types = stateResources(world, "dev").map((r) => r.type);
        assert.ok(types.includes(REFRESHER_TYPE) && !types.includes(PREVIOUS_REFRESHER_TYPE), "state now holds the new type token");
        assert.ok(stateResources(world, "dev").every((r) => !r.urn.includes(PREVIOUS_REFRESHER_TYPE)));
    });
});
