/**
 * Security properties of the whole program, checked on every committed stack: least-privilege
 * IAM, encryption on every S3 write, nothing public, no secret in the function's environment,
 * code or the stack's outputs.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, type Registration } from "../tools/preview/mocks";
import { listStacks, loadStackConfig } from "../tools/stackConfig";
import { lambdaPackage } from "../tools/preview/lambdaPackage";
import { ENV } from "../functions/contract";
import type { PolicyDocument } from "../lib/policy";
import { settle } from "./support/pulumiTesting";

const ROOT = path.resolve(__dirname, "..", "..");
const PROGRAM = path.join(__dirname, "..", "index.js");
/**
 * What a CodeArtifact token (a JWT-like string), an AWS access key or literal credentials in a URL
 * look like. A URL template such as `https://aws:${encodeURIComponent(token)}@` is code, not a secret.
 */
const SECRET_SHAPES = [/eyJ[A-Za-z0-9_-]{10,}/, /\bA(KIA|SIA)[A-Z0-9]{16}\b/, /:\/\/[^/\s:@$]+:[^/\s@${}]+@/, /[A-Za-z0-9+/=_-]{100,}/];

interface StackRun {
    readonly stack: string;
    readonly registrations: Registration[];
    readonly outputs: Record<string, pulumi.Output<unknown>>;
}

const runs: StackRun[] = [];

/** Runs the real program for one stack under a fresh mock engine. */
async function runStack(stack: string): Promise<StackRun> {
    const { project, config } = loadStackConfig(stack, ROOT);
    const mocks = new RecordingMocks({ accountId: "111122223333", region: config["aws:region"] });
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    delete require.cache[require.resolve(PROGRAM)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const outputs = require(PROGRAM) as Record<string, pulumi.Output<unknown>>;
    await Promise.all(Object.values(outputs).map((o) => new Promise((resolve) => o.apply(resolve))));
    await settle();
    return { stack, registrations: [...mocks.registrations], outputs };
}

before(async () => {
    for (const stack of listStacks(ROOT)) {
        runs.push(await runStack(stack));
    }
});

function policies(run: StackRun): PolicyDocument[] {
    return run.registrations
        .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")
        .map((r) => JSON.parse(r.inputs.policy as string) as PolicyDocument);
}

test("every committed stack is checked", () => {
    assert.deepEqual(runs.map((r) => r.stack).sort(), ["dev", "prod"]);
});

test("exactly one statement has Resource \"*\": the bearer token, conditioned to CodeArtifact", () => {
    for (const run of runs) {
        const statements = policies(run).flatMap((p) => p.Statement);
        const wildcard = statements.filter((s) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*")));
        assert.equal(wildcard.length, 1, run.stack);
        assert.deepEqual(wildcard[0].Action, ["sts:GetServiceBearerToken"]);
        assert.deepEqual(wildcard[0].Condition, { StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" } });
    }
});

test("no action is a wildcard and no managed policy is attached", () => {
    for (const run of runs) {
        for (const action of policies(run).flatMap((p) => p.Statement).flatMap((s) => s.Action)) {
            assert.doesNotMatch(action, /\*/, `${run.stack}: ${action}`);
        }
        const attachments = run.registrations.filter((r) => /rolePolicyAttachment|policyAttachment|managedPolicy/i.test(r.type));
        assert.deepEqual(attachments, [], run.stack);
        for (const role of run.registrations.filter((r) => r.type === "aws:iam/role:Role")) {
            assert.equal(role.inputs.managedPolicyArns, undefined, run.stack);
        }
    }
});

test("every S3 object the program writes carries server-side encryption", () => {
    for (const run of runs) {
        const objects = run.registrations.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2");
        assert.equal(objects.length, 2, run.stack);
        for (const object of objects) {
            assert.ok(["AES256", "aws:kms"].includes(object.inputs.serverSideEncryption as string), `${run.stack}: ${object.name}`);
        }
    }
});

test("nothing makes the bucket or an object public", () => {
    for (const run of runs) {
        for (const r of run.registrations) {
            assert.equal(r.inputs.acl, undefined, `${run.stack}: ${r.name} sets an ACL`);
            assert.doesNotMatch(r.type, /^aws:s3\/(bucketPolicy|bucketAcl|bucketPublicAccessBlock|bucketOwnershipControls|bucketV2|bucket):/,
                `${run.stack}: the program must not manage the bucket itself`);
        }
        const permission = run.registrations.filter((r) => r.type === "aws:lambda/permission:Permission");
        assert.equal(permission.length, 1);
        assert.equal(permission[0].inputs.principal, "events.amazonaws.com");
        assert.ok(typeof permission[0].inputs.sourceArn === "string" && permission[0].inputs.sourceArn.startsWith("arn:"),
            "the invoke permission must be scoped to the schedule rule");
    }
});

test("the function's environment holds settings only, no secret", () => {
    const allowed = new Set<string>(Object.values(ENV));
    for (const run of runs) {
        const fn = run.registrations.find((r) => r.type === "aws:lambda/function:Function");
        const variables = (fn?.inputs.environment as { variables: Record<string, string> }).variables;
        for (const [name, value] of Object.entries(variables)) {
            assert.ok(allowed.has(name), `${run.stack}: unexpected variable ${name}`);
            for (const shape of SECRET_SHAPES) {
                assert.doesNotMatch(value, shape, `${run.stack}: ${name}`);
            }
        }
    }
});

test("the packaged code holds no secret and no path of the deploying machine", async () => {
    for (const run of runs) {
        const fn = run.registrations.find((r) => r.type === "aws:lambda/function:Function");
        const { files } = await lambdaPackage(fn?.inputs.code);
        for (const [name, text] of Object.entries(files)) {
            for (const shape of SECRET_SHAPES) {
                assert.doesNotMatch(text, shape, `${run.stack}: ${name}`);
            }
            assert.ok(!text.includes(ROOT), `${run.stack}: ${name} embeds ${ROOT}`);
        }
    }
});

test("no stack output is secret or holds anything shaped like a secret", async () => {
    for (const run of runs) {
        for (const [name, output] of Object.entries(run.outputs)) {
            assert.equal(await pulumi.isSecret(output), false, `${run.stack}: output ${name}`);
            const value = await new Promise((resolve) => output.apply(resolve));
            for (const shape of SECRET_SHAPES) {
                assert.doesNotMatch(JSON.stringify(value), shape, `${run.stack}: output ${name}`);
            }
        }
    }
});
