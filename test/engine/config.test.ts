// Configuration resolved by the real CLI from Pulumi.yaml and the stack file: what it refuses itself
// (a missing required key, a value of the wrong type) and what the program refuses with its one
// message (a value out of range), all before anything is created.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { loadStackConfig } from "../../tools/stackConfig";
import { expectingProgramFailure, preview, stateResources } from "./support/observe";
import { REPO_ROOT, STACK_BUCKETS, startWorld, type World } from "./support/world";

const cfg = (key: string): string => `mwaa-codeartifact-token:${key}`;

/** The CLI's error text of a preview that must fail. */
async function failedPreview(stack: Stack): Promise<string> {
    try {
        await preview(stack);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("the preview succeeded");
}

describe("engine: configuration through the real CLI", { timeout: 300_000 }, () => {
    let world: World;
    let stack: Stack;

    before(async () => {
        world = await startWorld();
        stack = await world.stack("dev");
    });
    after(async () => {
        await world?.close();
    });

    it("a required key missing from the stack file gets the CLI's own error", async () => {
        world.editStackConfig("dev", { [cfg("bucket")]: undefined });
        const message = await failedPreview(stack);
        assert.match(message, /Stack 'dev' is missing configuration value 'bucket'/);
    });

    it("a value of the wrong type gets the CLI's own error, from Pulumi.yaml's declared type", async () => {
        world.editStackConfig("dev", { [cfg("bucket")]: STACK_BUCKETS.dev, [cfg("tokenDurationSeconds")]: "soon" });
        const message = await failedPreview(stack);
        assert.match(message, /configuration key 'tokenDurationSeconds' must be of type 'integer'/);
    });

    // The Automation API's inline runner prints the message twice (automation/server.js logs the
    // thrown RunError and also returns it as the run's error); the Node.js language host prints it
    // once (seen with a host built by hand from Pulumi's source; see docs/engine-tests.md).
    it("a value out of range gets the program's one message naming the key and what is allowed, with no stack trace", async () => {
        world.editStackConfig("dev", { [cfg("tokenDurationSeconds")]: 100 });
        const ours = /mwaa-codeartifact-token:tokenDurationSeconds: got "100"; allowed: an integer number of seconds from 900 to 43200/;
        let message = "";
        await expectingProgramFailure(async () => {
            message = await failedPreview(stack);
        }, ours);
        assert.match(message, ours);
        assert.doesNotMatch(message, /^\s+at .+:\d+:\d+\)?$/m, "no stack trace");
        assert.doesNotMatch(message, /Unhandled exception/);
        let upMessage = "";
        await expectingProgramFailure(() => stack.up().catch((err: Error) => {
            upMessage = err.message;
        }), ours);
        assert.match(upMessage, ours);
        assert.deepEqual(stateResources(world, "dev").filter((r) => r.type.startsWith("aws:")), [], "nothing was created");
    });
});

/** A structured value (array, object) compared as data, anything else as the text it is. */
function comparable(value: string): unknown {
    try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === "object" && parsed !== null ? parsed : value;
    } catch {
        return value;
    }
}

describe("engine: the offline tools resolve configuration as the real CLI does", { timeout: 300_000 }, () => {
    let world: World;
    before(async () => {
        world = await startWorld();
    });
    after(async () => {
        await world?.close();
    });

    for (const stackName of ["dev", "prod"]) {
        it(`${stackName}: every key, Pulumi.yaml defaults included, as tools/stackConfig.ts resolves it for the offline preview, status and refresh`, async () => {
            const real = await (await world.stack(stackName)).getAllConfig();
            const ours = loadStackConfig(stackName, REPO_ROOT).config;
            assert.deepEqual(Object.keys(ours).sort(), Object.keys(real).sort());
            for (const [key, { value }] of Object.entries(real)) assert.deepEqual(comparable(ours[key]), comparable(value), key);
        });
    }
});
