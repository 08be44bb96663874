// Updates of the dev stack on the real engine, one setting at a time, each planned as docs/lifecycle.md's
// lifecycle table says; after every step the token file holds a usable index URL and the history
// of requirements.txt is intact.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { assertIndexUrl, changedChildren, headObject, objectText, up, worldS3 } from "./support/observe";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";

const COMPONENT = "mwaa-codeartifact-dev";
const BUCKET = STACK_BUCKETS.dev;
const TOKEN_KEY = "dags/codeartifact.txt";
const KEY_A = "arn:aws:kms:us-west-2:111122223333:key/1111aaaa-11aa-11aa-11aa-111111111111";
const KEY_B = "arn:aws:kms:us-west-2:111122223333:key/2222bbbb-22bb-22bb-22bb-222222222222";
const cfg = (key: string): string => `mwaa-codeartifact-token:${key}`;

/** The function is re-run by replacing its invocation (triggers and input force replacement). */
const RERUN = { "first-refresh": "replace" } as const;

describe("engine: one change at a time, as the lifecycle table says", { timeout: 300_000 }, () => {
    let world: World;
    let stack: Stack;
    let s3: S3Client;
    /** Every version id requirements.txt has had, oldest first. */
    const requirementsHistory: string[] = [];

    before(async () => {
        world = await startWorld();
        stack = await world.stack("dev");
        s3 = worldS3(world);
        await up(stack);
        requirementsHistory.push((await headObject(s3, BUCKET, "requirements.txt")).versionId);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    /** Applies one change with `pulumi up`, checks the plan, then the invariants of every step. */
    async function change(changes: Record<string, unknown>, expected: Record<string, string>): Promise<void> {
        world.editStackConfig("dev", changes);
        const applied = await up(stack);
        assert.deepEqual(changedChildren(applied.plan, COMPONENT), expected);
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        const current = (await headObject(s3, BUCKET, "requirements.txt")).versionId;
        if (current !== requirementsHistory.at(-1)) requirementsHistory.push(current);
        const kept = world.s3.versions(BUCKET, "requirements.txt").map((v) => v.versionId);
        for (const id of requirementsHistory) assert.ok(kept.includes(id), `requirements.txt version ${id} was lost`);
        assert.equal(applied.result.outputs.requirementsVersionId.value, current);
    }

    async function tokenFileEncryption(): Promise<{ sse?: string; key?: string }> {
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: TOKEN_KEY }));
        return { sse: head.ServerSideEncryption, key: head.SSEKMSKeyId };
    }

    it("requirements, a new line pip looks up: the function re-runs and finds it, then requirements.txt is updated in place", async () => {
        const looked = world.index.requests.length;
        await change({ [cfg("requirements")]: ["apache-airflow-providers-snowflake", "your-package", "boto3==1.35.0"] }, { requirements: "update", ...RERUN });
        assert.match(await objectText(s3, BUCKET, "requirements.txt"), /\nboto3==1\.35\.0\n$/);
        assert.ok(world.index.requests.slice(looked).some((r) => r.path === "/pypi/your_repo/simple/boto3/" && r.status === 200), "the re-run looked boto3 up");
        assert.equal(requirementsHistory.length, 2);
    });

    it("requirements, an option line only: requirements.txt updated; nothing new to look up, so no re-run", async () => {
        await change({ [cfg("requirements")]: ["apache-airflow-providers-snowflake", "your-package", "boto3==1.35.0", "--prefer-binary"] }, { requirements: "update" });
        assert.equal(requirementsHistory.length, 3);
    });

    it("indexCheck token: environment and deploy event changed; the function re-runs and checks the token alone", async () => {
        const looked = world.index.requests.length;
        await change({ [cfg("indexCheck")]: "token" }, { function: "update", ...RERUN });
        assert.deepEqual(world.index.requests.slice(looked).map((r) => r.path), ["/pypi/your_repo/simple/"]);
    });

    it("tokenDurationSeconds: environment, schedule, retries and stale alarm updated; the function re-runs", async () => {
        const requests = world.codeartifact.requests.length;
        await change({ [cfg("tokenDurationSeconds")]: 7200 },
            { function: "update", ...RERUN, schedule: "update", retries: "update", "token-stale": "update" });
        const minted = world.codeartifact.requests.slice(requests).find((r) => r.operation === "GetAuthorizationToken");
        assert.equal(minted?.query.duration, "7200", "the re-run asked for the new duration");
    });

    it("refreshIntervalMinutes: rule, retry configuration and stale alarm updated; no re-run", async () => {
        await change({ [cfg("refreshIntervalMinutes")]: 30 }, { schedule: "update", retries: "update", "token-stale": "update" });
    });

    it("kmsKeyArn set: policy and environment updated, the token file resource untouched, the re-run encrypts with the key", async () => {
        await change({ [cfg("kmsKeyArn")]: KEY_A }, { policy: "update", function: "update", ...RERUN });
        assert.deepEqual(await tokenFileEncryption(), { sse: "aws:kms", key: KEY_A });
    });

    it("kmsKeyArn rotated: the same, with the new key", async () => {
        await change({ [cfg("kmsKeyArn")]: KEY_B }, { policy: "update", function: "update", ...RERUN });
        assert.deepEqual(await tokenFileEncryption(), { sse: "aws:kms", key: KEY_B });
    });

    it("kmsKeyArn removed: back to SSE-S3, written by the re-run", async () => {
        await change({ [cfg("kmsKeyArn")]: undefined }, { policy: "update", function: "update", ...RERUN });
        assert.deepEqual(await tokenFileEncryption(), { sse: "AES256", key: undefined });
    });

    it("tags: every tagged resource updated in place, requirements.txt by tagging; never the token file; no re-run", async () => {
        const tokenVersions = world.s3.versions(BUCKET, TOKEN_KEY).length;
        await change({ [cfg("tags")]: { environment: "dev", team: "data-platform", owner: "airflow" } }, {
            logs: "update", role: "update", function: "update", schedule: "update", requirements: "update",
            "refresh-failed": "update", "token-stale": "update",
        });
        assert.equal(world.s3.versions(BUCKET, TOKEN_KEY).length, tokenVersions, "the token file was not written");
        assert.equal(requirementsHistory.length, 3, "a tag change is no new version of requirements.txt");
    });

    it("alarmEmail: a topic and a subscription created, both alarms notify it; no re-run", async () => {
        await change({ [cfg("alarmEmail")]: "oncall@example.com" },
            { alarms: "create", "alarm-email": "create", "refresh-failed": "update", "token-stale": "update" });
    });
});
