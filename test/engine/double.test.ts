// The aws double leaves diffing to the engine except where the provider forces replacement; this
// shows, on the real engine, that `ignoreChanges` still governs both: an ignored ForceNew property
// replaces nothing, an ignored content change updates nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as s3 from "@pulumi/aws/s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { opOf, up } from "./support/observe";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";

interface ObjectSpec {
    readonly key: string;
    readonly content: string;
    readonly ignoreChanges?: string[];
}

describe("engine: the double's diff and ignoreChanges", { timeout: 300_000 }, () => {
    let world: World;
    let spec: ObjectSpec = { key: "probe/a.txt", content: "one\n" };
    let stack: Stack;

    before(async () => {
        world = await startWorld();
        stack = await world.stackWithProgram("dev", () => {
            new s3.BucketObjectv2("probe", { bucket: STACK_BUCKETS.dev, key: spec.key, content: spec.content }, { ignoreChanges: spec.ignoreChanges });
            return Promise.resolve();
        });
        await up(stack);
    });
    after(async () => {
        await world?.close();
    });

    async function planFor(next: ObjectSpec): Promise<string | undefined> {
        spec = next;
        return opOf((await up(stack)).plan, "probe");
    }

    it("a new key (ForceNew in the provider) that is ignored replaces nothing", async () => {
        assert.equal(await planFor({ key: "probe/b.txt", content: "one\n", ignoreChanges: ["key"] }), "same");
    });

    it("the same new key, no longer ignored, replaces the object", async () => {
        assert.equal(await planFor({ key: "probe/b.txt", content: "one\n" }), "replace");
        assert.equal(world.s3.versions(STACK_BUCKETS.dev, "probe/b.txt").length, 1);
    });

    it("new content that is ignored updates nothing; not ignored, it is uploaded in place", async () => {
        assert.equal(await planFor({ key: "probe/b.txt", content: "two\n", ignoreChanges: ["content"] }), "same");
        assert.equal(await planFor({ key: "probe/b.txt", content: "two\n" }), "update");
        assert.equal(world.s3.versions(STACK_BUCKETS.dev, "probe/b.txt").length, 2);
    });
});
