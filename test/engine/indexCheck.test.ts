// `pulumi up` proves pip will install: the deployed function checks the new token and every
// requirement against the repository's PEP 503 index (the world's local HTTPS index, which accepts
// the tokens the CodeArtifact double issued) before it writes the token file. And the token file
// heals itself: every creation of it, a hand-deleted one restored by `up --refresh` included, runs
// the function again in the same `up`.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { BOOTSTRAP_PATTERN } from "../../lib/component";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { assertIndexUrl, changedChildren, headObject, objectText, preview, recordedCalls, scheduledRefresh, up, worldS3 } from "./support/observe";
import { PROJECT, STACK_BUCKETS, startWorld, type World } from "./support/world";

const COMPONENT = "mwaa-codeartifact-dev";
const BUCKET = STACK_BUCKETS.dev;
const TOKEN_KEY = "dags/codeartifact.txt";
const cfg = (key: string): string => `${PROJECT}:${key}`;
/** What Pulumi.dev.yaml lists. */
const DEV_REQUIREMENTS = ["apache-airflow-providers-snowflake", "your-package"];

function failureOf(run: Promise<unknown>): Promise<string> {
    return run.then(() => assert.fail("the operation should have failed"), (err: Error) => err.message);
}

describe("engine: pulumi up checks the token and the requirements against the repository", { timeout: 300_000 }, () => {
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

    it("fails on requirements the repository lacks, naming each, and writes neither the token nor requirements.txt", async () => {
        world.editStackConfig("dev", { [cfg("requirements")]: ["your-package==1.4.2", "your-pakage", "apache-airflow-providers-snowflake==9.9.9"] });
        const failure = await failureOf(up(stack));
        assert.match(failure, /lambda function \(mwaa-codeartifact-dev-function-[0-9a-f]{7}\) returned error/);
        assert.ok(failure.includes('2 of 3 requirements not found in CodeArtifact repository your_repo (domain your-domain, owner 111122223333)'), failure);
        assert.ok(failure.includes('"your-pakage": no such project; "apache-airflow-providers-snowflake==9.9.9": no version 9.9.9 (the repository lists 6.1.0)'), failure);
        assert.match(await objectText(s3, BUCKET, TOKEN_KEY), BOOTSTRAP_PATTERN, "the token file holds only the placeholder");
        assert.deepEqual(world.s3.versions(BUCKET, "requirements.txt"), [], "requirements.txt is never written before the check passes");
        assert.ok(!failure.includes(DEFAULT_DOUBLE_TOKEN) && !failure.includes(encodeURIComponent(DEFAULT_DOUBLE_TOKEN)));
    });

    it("passes once every requirement is there: each project page asked for with the token pip will use", async () => {
        world.editStackConfig("dev", { [cfg("requirements")]: DEV_REQUIREMENTS });
        world.index.requests.length = 0;
        const fixed = await up(stack);
        functionName = String(fixed.result.outputs.functionName.value);
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        const pages = world.index.requests.filter((r) => r.status === 200).map((r) => r.path).sort();
        assert.deepEqual(pages, ["/pypi/your_repo/simple/", "/pypi/your_repo/simple/apache-airflow-providers-snowflake/", "/pypi/your_repo/simple/your-package/"]);
        assert.ok(world.index.requests.every((r) => r.auth === "ok"));
    });

    it("a scheduled refresh whose token the repository refuses fails, names the permission, and keeps the token file as it was", async () => {
        const before = await headObject(s3, BUCKET, TOKEN_KEY);
        world.index.setRefusal(403);
        const failure = await failureOf(scheduledRefresh(world, functionName));
        assert.match(failure, /refused the new token \(HTTP 403 for https:\/\/127\.0\.0\.1:\d+\/pypi\/your_repo\/simple\/\), as it would refuse pip on MWAA\. Allow this function's role arn:aws:iam::111122223333:role\/mwaa-codeartifact-dev-role-[0-9a-f]{7} codeartifact:ReadFromRepository/);
        const afterwards = await headObject(s3, BUCKET, TOKEN_KEY);
        assert.equal(afterwards.versionId, before.versionId, "no write with a refused token");
        const log = fs.readFileSync(path.join(world.cloudDir, "logs", `${functionName}.log`), "utf8");
        assert.ok(!log.includes(DEFAULT_DOUBLE_TOKEN), "the token is in no log line");
    });

    it("up fails on a refused token naming the permission, after waiting out IAM propagation, and converges once it is granted", async () => {
        const requirementsBefore = world.s3.versions(BUCKET, "requirements.txt").length;
        world.editStackConfig("dev", { [cfg("requirements")]: ["apache-airflow-providers-snowflake", "your-package", "boto3==1.35.0"] });
        const failure = await failureOf(up(stack));
        assert.match(failure, /refused the new token \(HTTP 403 .*codeartifact:ReadFromRepository on arn:aws:codeartifact:us-west-2:111122223333:repository\/your-domain\/your_repo/);
        assert.match(failure, /still denied after \d+ attempts over 1[12]\d s of waiting for IAM propagation/);
        assert.equal(world.s3.versions(BUCKET, "requirements.txt").length, requirementsBefore, "requirements.txt untouched");
        world.index.setRefusal(undefined);
        const granted = await up(stack);
        assert.deepEqual(changedChildren(granted.plan, COMPONENT), { "first-refresh": "replace", requirements: "update" });
        assert.match(await objectText(s3, BUCKET, "requirements.txt"), /\nboto3==1\.35\.0\n$/);
    });
});


describe("engine: the token file heals itself", { timeout: 300_000 }, () => {
    let world: World;
    let stack: Stack;
    let s3: S3Client;

    before(async () => {
        world = await startWorld();
        stack = await world.stack("dev");
        s3 = worldS3(world);
        await up(stack);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("deleted by hand: the drift check fails, up --refresh restores it and runs the function, and the drift check passes", async () => {
        await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: TOKEN_KEY }));
        const drift = await failureOf(preview(stack, { refresh: true, expectNoChanges: true }));
        assert.match(drift, /no changes were expected for preview but changes were proposed/);
        const healed = await up(stack, { refresh: true });
        assert.deepEqual(changedChildren(healed.plan, COMPONENT), { "token-file": "create", "first-refresh": "replace" });
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        const clean = await preview(stack, { refresh: true, expectNoChanges: true });
        assert.deepEqual(changedChildren(clean.plan, COMPONENT), {});
    });

    it("destroy keeps the token; the next up bootstraps the file only once the function exists, and the function overwrites it in that up", async () => {
        await stack.destroy();
        const kept = world.s3.versions(BUCKET, TOKEN_KEY)[0];
        assertIndexUrl(kept.body?.toString() ?? "", DEFAULT_DOUBLE_TOKEN);
        const callsBefore = recordedCalls(world).length;
        await up(stack);
        const versions = world.s3.versions(BUCKET, TOKEN_KEY);
        const since = versions.slice(0, versions.findIndex((v) => v.versionId === kept.versionId));
        // Newest first: the function's token, then the placeholder Pulumi created the object with.
        assert.equal(since.length, 2);
        assertIndexUrl(since[0].body?.toString() ?? "", DEFAULT_DOUBLE_TOKEN);
        assert.match(since[1].body?.toString() ?? "", BOOTSTRAP_PATTERN, "the window docs/lifecycle.md documents for an up after destroy");
        const creates = recordedCalls(world).slice(callsBefore).filter((c) => c.op === "create").map((c) => c.type);
        assert.ok(creates.indexOf("aws:s3/bucketObjectv2:BucketObjectv2") > creates.indexOf("aws:lambda/function:Function"),
            `the placeholder is written after the function is created: ${creates.join(", ")}`);
    });
});
