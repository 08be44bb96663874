// The CI roles' IAM documents in deploy/iam/: what GitHub may assume them from (trust), and what
// they may do. The permissions are checked against every resource the offline preview of each
// committed stack declares: the drift role can read each one and change none, the deploy role can
// create, update and delete each one, and neither reaches another stack's resources.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { PREVIEW_ACCOUNT, type PreviewDocument, type PreviewResource } from "../tools/preview/preview";
import { listStacks } from "../tools/stackConfig";
import { s3ObjectArn } from "../lib/policy";
import { REFRESHER_TYPE } from "../lib/component";
import { runProcess } from "./support/process";
import {
    IAM_DIR, PLACEHOLDER, REPO_ROOT, allowingStatement, list, loadDocument, render, type Document, type Placeholders, type Request,
} from "./support/iam";

const T = { timeout: 60_000 };
const OIDC_PROVIDER = "arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com";
/** What Pulumi's autonaming appends to a logical name: a dash and 7 random hex digits. */
const AUTONAME_SUFFIX = "-0a1b2c3";
/** Read-only by its name, as IAM's own access levels name them. */
const READ_ONLY_ACTION = /^[a-z0-9-]+:(Get|List|Describe|Head)[A-Za-z]*$/;

const read = loadDocument("read.json");
const write = loadDocument("write.json");

async function previewJson(stack: string): Promise<PreviewDocument> {
    const env = { ...process.env };
    delete env.PULUMI_CONFIG;
    delete env.PULUMI_CONFIG_SECRET_KEYS;
    const run = await runProcess(process.execPath, [path.join(REPO_ROOT, "build", "tools", "preview", "preview.js"), "--stack", stack, "--json"], {
        cwd: REPO_ROOT, env, timeoutMs: 50_000,
    });
    assert.equal(run.code, 0, `preview --stack ${stack} --json failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as PreviewDocument;
}

function placeholdersFor(doc: PreviewDocument): Placeholders {
    const kms = doc.config["mwaa-codeartifact-token:kmsKeyArn"];
    return {
        ACCOUNT_ID: PREVIEW_ACCOUNT,
        REGION: doc.config["aws:region"],
        STACK: doc.stack,
        BUCKET: String(doc.outputs.bucket),
        REQUIREMENTS_KEY: String(doc.outputs.requirementsKey),
        TOKEN_KEY: String(doc.outputs.tokenKey),
        ...(kms ? { KMS_KEY_ARN: kms } : {}),
    };
}

interface Needed extends Request {
    /** `read`: refresh and drift; `write`: create, update, delete. */
    readonly phase: "read" | "write";
}

/**
 * The calls the Pulumi AWS provider (Terraform's AWS provider underneath) makes for one resource
 * over its life: Read for refresh, then Create/Update/Delete. A resource type missing here fails
 * the test, so a new kind of resource in the component cannot ship without a look at the CI roles.
 */
function callsFor(r: PreviewResource, account: string, region: string): Needed[] {
    const input = (key: string): string => String(r.inputs[key]);
    const physical = `${r.name}${AUTONAME_SUFFIX}`;
    const fn = (name: string): string => `arn:aws:lambda:${region}:${account}:function:${name}`;
    const role = (name: string): string => `arn:aws:iam::${account}:role/${name}`;
    const rule = (name: string): string => `arn:aws:events:${region}:${account}:rule/${name}`;
    const on = (resource: string, phase: Needed["phase"], actions: readonly string[], context?: Record<string, string>): Needed[] =>
        actions.map((action) => ({ action, resource, phase, context }));
    switch (r.type) {
        case "pulumi:pulumi:Stack":
        case REFRESHER_TYPE:
            return [];
        case "aws:s3/bucketObjectv2:BucketObjectv2": {
            const object = s3ObjectArn("aws", input("bucket"), input("key"));
            const bucket = `arn:aws:s3:::${input("bucket")}`;
            return [
                ...on(object, "read", ["s3:GetObject", "s3:GetObjectTagging"]),
                ...on(bucket, "read", ["s3:ListBucket"]),
                ...on(object, "write", ["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersion"]),
                ...on(bucket, "write", ["s3:ListBucketVersions"], { "s3:prefix": input("key") }),
                ...(r.inputs.serverSideEncryption === "aws:kms"
                    ? on(input("kmsKeyId"), "write", ["kms:GenerateDataKey"], { "kms:ViaService": `s3.${region}.amazonaws.com` })
                    : []),
            ];
        }
        case "aws:cloudwatch/logGroup:LogGroup": {
            const arn = `arn:aws:logs:${region}:${account}:log-group:${input("name")}`;
            return [
                ...on(arn, "read", ["logs:DescribeLogGroups", "logs:ListTagsForResource"]),
                ...on(arn, "write", ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:DeleteLogGroup"]),
            ];
        }
        case "aws:iam/role:Role":
            return [
                ...on(role(physical), "read", ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"]),
                ...on(role(physical), "write", ["iam:CreateRole", "iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:ListInstanceProfilesForRole", "iam:DeleteRole"]),
            ];
        case "aws:iam/rolePolicy:RolePolicy":
            return [...on(role(input("role")), "read", ["iam:GetRolePolicy"]), ...on(role(input("role")), "write", ["iam:PutRolePolicy", "iam:DeleteRolePolicy"])];
        case "aws:lambda/function:Function": {
            const roleName = input("role").split("/").pop() ?? "";
            return [
                ...on(fn(physical), "read", ["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:ListTags"]),
                ...on(fn(physical), "write", [
                    "lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:TagResource", "lambda:DeleteFunction",
                ]),
                ...on(role(roleName), "write", ["iam:PassRole"], { "iam:PassedToService": "lambda.amazonaws.com" }),
            ];
        }
        case "aws:lambda/invocation:Invocation":
            return on(fn(input("functionName")), "write", ["lambda:InvokeFunction"]);
        case "aws:lambda/permission:Permission":
            return [...on(fn(input("function")), "read", ["lambda:GetPolicy"]), ...on(fn(input("function")), "write", ["lambda:AddPermission", "lambda:RemovePermission"])];
        case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
            return [
                ...on(fn(input("functionName")), "read", ["lambda:GetFunctionEventInvokeConfig"]),
                ...on(fn(input("functionName")), "write", [
                    "lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig",
                ]),
            ];
        case "aws:cloudwatch/eventRule:EventRule":
            return [
                ...on(rule(physical), "read", ["events:DescribeRule", "events:ListTagsForResource"]),
                ...on(rule(physical), "write", ["events:PutRule", "events:TagResource", "events:UntagResource", "events:DeleteRule"]),
            ];
        case "aws:cloudwatch/eventTarget:EventTarget":
            return [...on(rule(input("rule")), "read", ["events:ListTargetsByRule"]), ...on(rule(input("rule")), "write", ["events:PutTargets", "events:RemoveTargets"])];
        case "aws:cloudwatch/metricAlarm:MetricAlarm": {
            const arn = `arn:aws:cloudwatch:${region}:${account}:alarm:${physical}`;
            return [
                ...on(arn, "read", ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]),
                ...on(arn, "write", ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:DeleteAlarms"]),
            ];
        }
        case "aws:sns/topic:Topic": {
            const arn = `arn:aws:sns:${region}:${account}:${physical}`;
            return [
                ...on(arn, "read", ["sns:GetTopicAttributes", "sns:ListTagsForResource"]),
                ...on(arn, "write", ["sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource", "sns:DeleteTopic"]),
            ];
        }
        case "aws:sns/topicSubscription:TopicSubscription": {
            const subscription = `${input("topic")}:8c1f7a52-5d3e-4b8e-9f11-2a6c0e4d7b90`;
            return [
                ...on(subscription, "read", ["sns:GetSubscriptionAttributes"]),
                ...on(input("topic"), "write", ["sns:Subscribe"]),
                ...on(subscription, "write", ["sns:SetSubscriptionAttributes", "sns:Unsubscribe"]),
            ];
        }
        default:
            assert.fail(`no CI-role check for resource type ${r.type} (${r.name}): add what the provider calls for it here and to deploy/iam/`);
    }
}

/** The calls `npm run status` makes (HeadObject is authorised by s3:GetObject). */
function statusCalls(p: Placeholders): Needed[] {
    return [p.TOKEN_KEY, p.REQUIREMENTS_KEY].map((key) => ({ action: "s3:GetObject", resource: s3ObjectArn("aws", p.BUCKET, key), phase: "read" }));
}

function describeRequest(r: Request): string {
    return `${r.action} on ${r.resource}${r.context ? ` with ${JSON.stringify(r.context)}` : ""}`;
}

describe("CI permissions, for every committed stack", () => {
    const stacks = listStacks(REPO_ROOT);
    const previews = new Map<string, PreviewDocument>();
    before(async () => {
        for (const stack of stacks) previews.set(stack, await previewJson(stack));
    }, T);

    test("there are stacks to check", () => {
        assert.ok(stacks.length >= 2, `stacks found: ${stacks.join(", ")}`);
    });

    test("the drift role (read.json) can read every resource and run `status`; the deploy role (read.json + write.json) can also create, update and delete each", T, () => {
        for (const [stack, doc] of previews) {
            const values = placeholdersFor(doc);
            const readOnly = [render(read, values)];
            const deploy = [render(read, values), render(write, values)];
            const calls = [...doc.resources.flatMap((r) => callsFor(r, values.ACCOUNT_ID, values.REGION)), ...statusCalls(values)];
            assert.ok(calls.some((c) => c.phase === "write") && calls.some((c) => c.phase === "read"));
            for (const call of calls) {
                assert.ok(allowingStatement(deploy, call), `${stack}: the deploy role may not call ${describeRequest(call)}`);
                const byReader = allowingStatement(readOnly, call);
                if (call.phase === "read") {
                    assert.ok(byReader, `${stack}: the drift role may not call ${describeRequest(call)}`);
                } else {
                    assert.equal(byReader, undefined, `${stack}: the drift role may call ${describeRequest(call)}`);
                }
            }
        }
    });

    test("one stack's roles reach none of another stack's resources", T, () => {
        for (const [stack, doc] of previews) {
            for (const [other, otherDoc] of previews) {
                if (other === stack) continue;
                const deploy = [render(read, placeholdersFor(doc)), render(write, placeholdersFor(doc))];
                const theirs = placeholdersFor(otherDoc);
                for (const call of otherDoc.resources.flatMap((r) => callsFor(r, theirs.ACCOUNT_ID, theirs.REGION))) {
                    const statement = allowingStatement(deploy, call);
                    // Only the unscopable read-only calls (Resource "*") may match, by definition.
                    assert.ok(statement === undefined || list(statement.Resource).includes("*"),
                        `${stack}'s deploy role may call ${describeRequest(call)} of stack ${other} (statement ${statement?.Sid})`);
                }
            }
        }
    });

    test("the PassRole grant only hands the stack's role to Lambda", () => {
        const values = placeholdersFor([...previews.values()][0]);
        const deploy = [render(read, values), render(write, values)];
        const roleArn = `arn:aws:iam::${values.ACCOUNT_ID}:role/mwaa-codeartifact-${values.STACK}-role${AUTONAME_SUFFIX}`;
        assert.ok(allowingStatement(deploy, { action: "iam:PassRole", resource: roleArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } }));
        assert.equal(allowingStatement(deploy, { action: "iam:PassRole", resource: roleArn, context: { "iam:PassedToService": "ec2.amazonaws.com" } }), undefined);
        assert.equal(allowingStatement(deploy, { action: "iam:PassRole", resource: roleArn }), undefined);
    });
});

describe("CI permission documents", () => {
    const documents: Array<[string, Document]> = [["read.json", read], ["write.json", write]];

    test("no action is a wildcard, and every action names one service's one call", () => {
        for (const [file, doc] of documents) {
            for (const s of doc.Statement) {
                assert.equal(s.Effect, "Allow", `${file} ${s.Sid}`);
                for (const action of list(s.Action)) assert.match(action, /^[a-z0-9-]+:[A-Za-z]+$/, `${file} ${s.Sid}: ${action}`);
                const raw = s as unknown as Record<string, unknown>;
                assert.equal(raw.NotAction, undefined, `${file} ${s.Sid} uses NotAction`);
                assert.equal(raw.NotResource, undefined, `${file} ${s.Sid} uses NotResource`);
            }
        }
    });

    test("every resource is an ARN pattern of this stack (mwaa-codeartifact-STACK-*, the bucket's two keys, the KMS key); only read-only calls get Resource \"*\"", () => {
        const scoped = /^(arn:aws:[a-z0-9-]+:(REGION)?:(ACCOUNT_ID)?:[a-z-]+[:/]mwaa-codeartifact-STACK-\*|arn:aws:sns:REGION:ACCOUNT_ID:mwaa-codeartifact-STACK-\*|arn:aws:s3:::BUCKET(\/REQUIREMENTS_KEY|\/TOKEN_KEY)?|KMS_KEY_ARN)$/;
        let unscoped = 0;
        for (const [file, doc] of documents) {
            for (const s of doc.Statement) {
                for (const resource of list(s.Resource)) {
                    if (resource === "*") {
                        unscoped++;
                        assert.equal(file, "read.json", `${file} ${s.Sid} grants Resource "*"`);
                        for (const action of list(s.Action)) assert.match(action, READ_ONLY_ACTION, `${s.Sid}: ${action} on "*"`);
                    } else {
                        assert.match(resource, scoped, `${file} ${s.Sid}: ${resource}`);
                    }
                }
            }
        }
        assert.equal(unscoped, 1, "exactly one statement of unscopable read-only calls");
    });

    test("read.json only reads", () => {
        for (const s of read.Statement) for (const action of list(s.Action)) assert.match(action, READ_ONLY_ACTION, `${s.Sid}: ${action}`);
    });

    test("each document fits a managed policy (6,144 characters without whitespace) and fills in completely", () => {
        const values: Placeholders = {
            ACCOUNT_ID: "111122223333", REGION: "eu-central-1", STACK: "staging", BUCKET: "airflow-staging-111122223333-eu-central-1",
            REQUIREMENTS_KEY: "requirements/requirements.txt", TOKEN_KEY: "dags/tokens/codeartifact.txt",
            KMS_KEY_ARN: "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        };
        for (const [file, doc] of documents) {
            const filled = JSON.stringify(render(doc, values));
            assert.ok(filled.replace(/\s/g, "").length <= 6144, `${file}: ${filled.length} characters`);
            assert.doesNotMatch(filled, PLACEHOLDER, `${file} keeps a placeholder`);
        }
        assert.ok(!JSON.stringify(render(write, { ...values, KMS_KEY_ARN: undefined })).includes("kms:"), "the KMS statement stays without a key");
    });
});

describe("CI trust policies (GitHub OIDC)", () => {
    const expected: Array<[string, string]> = [
        ["trust-deploy.json", "repo:OWNER/REPO:environment:STACK"],
        ["trust-drift.json", "repo:OWNER/REPO:ref:refs/heads/main"],
        ["trust-preview.json", "repo:OWNER/REPO:pull_request"],
    ];

    test("every trust policy lets exactly one GitHub subject of this repository assume the role, for STS only", () => {
        for (const [file, sub] of expected) {
            const doc = loadDocument(file);
            assert.equal(doc.Statement.length, 1, file);
            const [s] = doc.Statement;
            assert.equal(s.Effect, "Allow");
            assert.deepEqual(s.Principal, { Federated: OIDC_PROVIDER }, file);
            assert.deepEqual(list(s.Action), ["sts:AssumeRoleWithWebIdentity"], file);
            // StringEquals, not StringLike: no pattern can widen the subject to other branches or repositories.
            assert.deepEqual(s.Condition, {
                StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": sub },
            }, file);
        }
    });

    test("every document in deploy/iam is checked here", async () => {
        const { readdir } = await import("node:fs/promises");
        const files = (await readdir(IAM_DIR)).sort();
        assert.deepEqual(files, [...expected.map(([f]) => f), "read.json", "write.json"].sort());
    });
});
