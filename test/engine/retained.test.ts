// What an IAM policy simulator cannot show: the real engine's `pulumi destroy` of a stack never asks
// the provider to delete the two retainOnDelete objects (requirements.txt and the token file), so the
// deploy role needs no s3:DeleteObject, s3:DeleteObjectVersion or s3:ListBucketVersions
// (test/support/ciGrants.ts, NOT_GRANTED). The aws double records every create, read, update and
// delete it receives in <cloud dir>/calls.jsonl; the double's delete of an object would erase every
// version of the key, as the provider's does, so the versions kept are a second witness.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import * as awsS3 from "@pulumi/aws/s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { REFRESHER_TYPE } from "../../lib/component";
import { objectText, recordedCalls, stateResources, up, worldS3 } from "./support/observe";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const KEYS = ["dags/codeartifact.txt", "requirements.txt"];


describe("engine: destroy of dev makes no delete call for the two retained objects", { timeout: 300_000 }, () => {
    let world: World;
    let dev: Stack;
    let s3: S3Client;

    before(async () => {
        world = await startWorld();
        s3 = worldS3(world);
        dev = await world.stack("dev");
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("deletes every other resource, and neither object nor any version of it", async () => {
        await up(dev);
        const created = recordedCalls(world);
        const objects = created.filter((c) => c.op === "create" && c.type === OBJECT).map((c) => c.id).sort();
        assert.deepEqual(objects, KEYS.map((key) => `${STACK_BUCKETS.dev}/${key}`).sort(), "the double recorded both objects' creates");

        // Every custom resource of the stack but the provider and the two objects: what destroy must delete.
        const others = stateResources(world, "dev")
            .filter((r) => r.type.startsWith("aws:") && r.type !== OBJECT)
            .map((r) => r.urn).sort();
        assert.ok(others.length >= 10, `state holds ${others.length} other resources`);
        const bucket = STACK_BUCKETS.dev;
        const kept = await Promise.all(KEYS.map(async (key) => ({
            key, text: await objectText(s3, bucket, key), versions: world.s3.versions(bucket, key).map((v) => v.versionId),
        })));
        const s3RequestsBefore = world.s3.requests.length;

        const destroyed = await dev.destroy();
        assert.equal(destroyed.summary.result, "succeeded");
        assert.deepEqual(stateResources(world, "dev"), [], "the objects left the state (retained, not deleted)");

        const calls = recordedCalls(world).slice(created.length);
        assert.deepEqual([...new Set(calls.map((c) => c.op))], ["delete"], "destroy without --refresh only deletes");
        assert.deepEqual(calls.filter((c) => c.type === OBJECT), [], "a delete call for a retained object");
        assert.deepEqual(calls.map((c) => c.urn).sort(), others, "one delete for each other resource");
        assert.ok(!calls.some((c) => c.type === "pulumi:pulumi:Stack" || c.type === REFRESHER_TYPE));

        const deletesSeenByS3 = world.s3.requests.slice(s3RequestsBefore).filter((r) => r.method === "DELETE");
        assert.deepEqual(deletesSeenByS3.map((r) => r.url), []);
        for (const { key, text, versions } of kept) {
            assert.equal(await objectText(s3, bucket, key), text, key);
            assert.deepEqual(world.s3.versions(bucket, key).map((v) => v.versionId), versions, `${key}: every version kept`);
            assert.ok(world.s3.versions(bucket, key).every((v) => !v.isDeleteMarker), `${key}: no delete marker`);
        }
    });

    it("the record is no blind spot: the same destroy deletes an object without retainOnDelete, and its versions", async () => {
        const bucket = STACK_BUCKETS.dev;
        const probes = await world.stackWithProgram("dev", () => {
            new awsS3.BucketObjectv2("deleted-probe", { bucket, key: "probe/deleted.txt", content: "one\n" });
            new awsS3.BucketObjectv2("retained-probe", { bucket, key: "probe/retained.txt", content: "one\n" }, { retainOnDelete: true });
            return Promise.resolve();
        });
        await up(probes);
        const before = recordedCalls(world).length;
        await probes.destroy();
        const deletes = recordedCalls(world).slice(before).filter((c) => c.op === "delete");
        assert.deepEqual(deletes.map((c) => c.id), [`${bucket}/probe/deleted.txt`]);
        assert.deepEqual(world.s3.versions(bucket, "probe/deleted.txt").filter((v) => !v.isDeleteMarker), [], "the provider's delete erases every version");
        assert.equal(world.s3.versions(bucket, "probe/retained.txt").length, 1);
    });
});
