// The committed stack files are samples. Deployed into a real account as they are, the AWS provider
// refuses them (they pin aws:allowedAccountIds to the documentation account); with the pin removed
// but samples left, the program names each one; with every sample replaced, the stack deploys.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { expectingProgramFailure, preview, stateResources, up } from "./support/observe";
import { startWorld, type World } from "./support/world";

const ACCOUNT = "444455556666";
const OWN_BUCKET = `airflow-dev-${ACCOUNT}-us-west-2`;
const cfg = (key: string): string => `mwaa-codeartifact-token:${key}`;

describe("engine: the sample stack in an account of one's own", { timeout: 300_000 }, () => {
    let world: World;
    let stack: Stack;

    before(async () => {
        world = await startWorld({ accountId: ACCOUNT, buckets: [OWN_BUCKET] });
        stack = await world.stack("dev");
    });
    after(async () => {
        await world?.close();
    });

    it("as committed: the provider refuses the account, nothing is created", async () => {
        let failure = "";
        // The program's registrations and invokes fail once the engine stops: CLI v3.274.1 answers
        // "Resource monitor is terminating"; v3.259.0 hands the invokes the provider's refusal itself.
        await expectingProgramFailure(() => up(stack).catch((err: Error) => {
            failure = err.message;
        }), new RegExp(`Resource monitor is terminating|AWS account ID not allowed: ${ACCOUNT}`));
        assert.match(failure, new RegExp(`AWS account ID not allowed: ${ACCOUNT}`));
        assert.deepEqual(stateResources(world, "dev").filter((r) => r.type.startsWith("aws:") && !r.type.startsWith("pulumi:providers")), []);
    });

    it("without the pin but with the samples left: the program names every sample, before anything is created", async () => {
        world.editStackConfig("dev", { "aws:allowedAccountIds": undefined });
        const samples = /Invalid configuration for stack dev \(5 problems\)/;
        let message = "";
        await expectingProgramFailure(() => preview(stack).catch((err: Error) => {
            message = err.message;
        }), samples);
        assert.match(message, samples);
        for (const key of ["bucket", "requirements\\[1\\]", "domain", "domainOwner", "repository"]) {
            assert.match(message, new RegExp(`${cfg(key)}: got "[^"]+"; allowed: your own value, not the documentation's sample`));
        }
    });

    it("with every sample replaced: it deploys", async () => {
        world.editStackConfig("dev", {
            [cfg("bucket")]: OWN_BUCKET, [cfg("domain")]: "data-platform", [cfg("domainOwner")]: undefined,
            [cfg("repository")]: "airflow", [cfg("requirements")]: ["apache-airflow-providers-snowflake"],
        });
        const deployed = await up(stack);
        // The stack and component were recorded by the refused run; the 13 AWS resources are new.
        assert.deepEqual(deployed.result.summary.resourceChanges, { create: 13, same: 2 });
        assert.equal(deployed.result.outputs.bucket.value, OWN_BUCKET);
    });
});
