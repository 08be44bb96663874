// The dev stack on the real engine, from nothing: the first `pulumi up`, a second one, a scheduled
// refresh and the drift check the README and the drift workflow rely on.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { stackProgramHandler } from "../support/stackProgram";
import { assertIndexUrl, changedChildren, childOps, headObject, objectText, preview, putObjectText, scheduledRefresh, stateFileText, up, worldS3 } from "./support/observe";
import { REPO_ROOT, STACK_BUCKETS, startWorld, type World } from "./support/world";

const COMPONENT = "mwaa-codeartifact-dev";
const BUCKET = STACK_BUCKETS.dev;
const TOKEN_KEY = "dags/codeartifact.txt";
const SECOND_TOKEN = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMX0.second/token+with=specials";
/** Every child of the component in dev (no alarm email, no topic). */
const DEV_CHILDREN = [
    "allow-schedule", "first-refresh", "function", "logs", "policy", "refresh-failed", "requirements", "retries", "role",
    "schedule", "target", "token-file", "token-stale",
];

/** The output names the README's Outputs table lists. */
function documentedOutputs(): string[] {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const table = readme.split("## Outputs")[1]?.split("\n## ")[0] ?? "";
    return [...table.matchAll(/^\| (`[^|]+`) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((n) => n[1])).filter((n) => n !== "output").sort();
}

function assertNoToken(where: string, text: string, ...tokens: string[]): void {
    for (const token of tokens) {
        for (const form of [token, encodeURIComponent(token)]) assert.ok(!text.includes(form), `the token appears in ${where}`);
    }
}

describe("engine: dev from nothing, then unchanged, refreshed on schedule and drift-checked", { timeout: 300_000 }, () => {
    let world: World;
    let stack: Stack;
    let s3: S3Client;
    let functionName: string;

    before(async () => {
        world = await startWorld();
        stack = await world.stack("dev");
        s3 = worldS3(world);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("the first up creates every resource, runs the function during up and keeps the token out of state and output", async () => {
        const first = await up(stack);

        assert.deepEqual(first.result.summary.resourceChanges, { create: DEV_CHILDREN.length + 2 });
        assert.deepEqual(childOps(first.plan, COMPONENT), Object.fromEntries(DEV_CHILDREN.map((c) => [c, "create"])));
        const tokenFile = await objectText(s3, BUCKET, TOKEN_KEY);
        assertIndexUrl(tokenFile, DEFAULT_DOUBLE_TOKEN);
        // Bootstrap first, then the function's write, both during this `up`.
        assert.deepEqual(world.s3.versions(BUCKET, TOKEN_KEY).length, 2);
        assert.ok(world.codeartifact.requests.some((r) => r.operation === "GetAuthorizationToken" && r.outcome === 200));

        const requirements = await objectText(s3, BUCKET, "requirements.txt");
        assert.equal(requirements, "-r /usr/local/airflow/dags/codeartifact.txt\napache-airflow-providers-snowflake\nyour-package\n");

        const outputs = first.result.outputs;
        assert.deepEqual(Object.keys(outputs).sort(), documentedOutputs());
        assert.ok(Object.values(outputs).every((o) => !o.secret), "no output is secret");
        functionName = String(outputs.functionName.value);
        assert.match(functionName, /^mwaa-codeartifact-dev-function-[0-9a-f]{7}$/);
        const deployed = fs.readFileSync(path.join(world.cloudDir, "functions", functionName, "__index.js"), "utf8");
        assert.equal(deployed, await stackProgramHandler(), "the engine deployed the Lambda code the stack program builds");
        assert.equal(outputs.bucket.value, BUCKET);
        assert.equal(outputs.tokenKey.value, TOKEN_KEY);
        assert.equal(outputs.scheduleExpression.value, "rate(20 minutes)");
        assert.equal(outputs.requirementsVersionId.value, (await headObject(s3, BUCKET, "requirements.txt")).versionId);

        assertNoToken("the state file", stateFileText(world, "dev"), DEFAULT_DOUBLE_TOKEN);
        assertNoToken("the outputs", JSON.stringify(outputs), DEFAULT_DOUBLE_TOKEN);
        assertNoToken("the CLI's output", first.printed, DEFAULT_DOUBLE_TOKEN);
    });

    it("a second up with nothing changed changes nothing", async () => {
        const second = await up(stack);
        assert.deepEqual(second.result.summary.resourceChanges, { same: DEV_CHILDREN.length + 2 });
        assert.deepEqual(changedChildren(second.plan, COMPONENT), {});
        assert.equal(world.s3.versions(BUCKET, TOKEN_KEY).length, 2, "no upload of the token file");
    });

    it("after a scheduled refresh (new token, etag and version) preview --refresh --expect-no-changes passes", async () => {
        const before = await headObject(s3, BUCKET, TOKEN_KEY);
        world.codeartifact.setBehavior({ token: SECOND_TOKEN });
        await scheduledRefresh(world, functionName);
        const afterRefresh = await headObject(s3, BUCKET, TOKEN_KEY);
        assert.notEqual(afterRefresh.etag, before.etag);
        assert.notEqual(afterRefresh.versionId, before.versionId);
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), SECOND_TOKEN);

        const drift = await preview(stack, { refresh: true, expectNoChanges: true });
        assert.deepEqual(changedChildren(drift.plan, COMPONENT), {});
        assertNoToken("the drift check's output", drift.printed, DEFAULT_DOUBLE_TOKEN, SECOND_TOKEN);
        assertNoToken("the state file", stateFileText(world, "dev"), DEFAULT_DOUBLE_TOKEN, SECOND_TOKEN);
    });

    it("after a hand edit of requirements.txt the drift check fails and names it", async () => {
        await putObjectText(s3, BUCKET, "requirements.txt", "-r /usr/local/airflow/dags/codeartifact.txt\nrequests==2.0\n");
        let printed = "";
        await assert.rejects(
            preview(stack, { refresh: true, expectNoChanges: true }).catch((err: Error) => {
                printed = err.message;
                throw err;
            }));
        assert.match(printed, /mwaa-codeartifact-dev-requirements/);
        assert.match(printed, /no changes were expected for preview but changes were proposed/);
        const planned = await preview(stack, { refresh: true });
        assert.deepEqual(changedChildren(planned.plan, COMPONENT), { requirements: "update" });
    });
});
