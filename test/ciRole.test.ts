// The CI roles' IAM documents in deploy/iam/: what GitHub may assume them from (trust), and what
// they may do. Every granted action has its reason in test/support/ciGrants.ts (the resource type,
// the phase of its life, the API call and the terraform-provider-aws file it was read from), and
// nothing is granted without one. The permissions are checked against every resource the offline
// preview of each committed stack declares: the drift role can make each read and nothing else,
// the deploy role every call of create, update and delete too, and neither reaches another stack's
// resources.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PREVIEW_ACCOUNT, type PreviewDocument, type PreviewResource } from "../tools/preview/preview";
import { listStacks } from "../tools/stackConfig";
import { s3ObjectArn } from "../lib/policy";
import { REFRESHER_TYPE } from "../lib/component";
import { runProcess } from "./support/process";
import { GRANTS, NOT_GRANTED, TYPES, type Phase, type Target } from "./support/ciGrants";
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
    readonly phases: readonly Phase[];
}

type Targets = Partial<Record<Target, Request>>;

/**
 * The resources one resource's requests name (Target in test/support/ciGrants.ts): its own ARN,
 * and the bucket, KMS key, passed role or topic it refers to. A resource type missing here fails the
 * test, so a new kind of resource in the component cannot ship without a look at the CI roles.
 */
function targetsOf(r: PreviewResource, account: string, region: string): Targets {
    const input = (key: string): string => String(r.inputs[key]);
    const physical = `${r.name}${AUTONAME_SUFFIX}`;
    const arn = (resource: string, context?: Record<string, string>): Request => ({ action: "", resource, context });
    const fn = (name: string): Request => arn(`arn:aws:lambda:${region}:${account}:function:${name}`);
    const role = (name: string): Request => arn(`arn:aws:iam::${account}:role/${name}`);
    const rule = (name: string): Request => arn(`arn:aws:events:${region}:${account}:rule/${name}`);
    switch (r.type) {
        case TYPES.object:
            return {
                self: arn(s3ObjectArn("aws", input("bucket"), input("key"))),
                bucket: arn(`arn:aws:s3:::${input("bucket")}`),
                ...(r.inputs.serverSideEncryption === "aws:kms"
                    ? { kmsKey: arn(input("kmsKeyId"), { "kms:ViaService": `s3.${region}.amazonaws.com` }) }
                    : {}),
            };
        case TYPES.logGroup:
            return { self: arn(`arn:aws:logs:${region}:${account}:log-group:${input("name")}`) };
        case TYPES.role:
            return { self: role(physical) };
        case TYPES.rolePolicy:
            return { self: role(input("role")) };
        case TYPES.fn:
            return {
                self: fn(physical),
                passedRole: arn(`arn:aws:iam::${account}:role/${input("role").split("/").pop() ?? ""}`, { "iam:PassedToService": "lambda.amazonaws.com" }),
            };
        case TYPES.invocation:
        case TYPES.invokeConfig:
            return { self: fn(input("functionName")) };
        case TYPES.permission:
            return { self: fn(input("function")) };
        case TYPES.rule:
            return { self: rule(physical) };
        case TYPES.target:
            return { self: rule(input("rule")) };
        case TYPES.alarm:
            return { self: arn(`arn:aws:cloudwatch:${region}:${account}:alarm:${physical}`) };
        case TYPES.topic:
            return { self: arn(`arn:aws:sns:${region}:${account}:${physical}`) };
        case TYPES.subscription:
            return { self: arn(`${input("topic")}:8c1f7a52-5d3e-4b8e-9f11-2a6c0e4d7b90`), topic: arn(input("topic")) };
        default:
            assert.fail(`no CI-role check for resource type ${r.type} (${r.name}): add what the provider calls for it to test/support/ciGrants.ts and deploy/iam/`);
    }
}

/**
 * The requests the Pulumi AWS provider (Terraform's AWS provider underneath) makes for one resource
 * over its life, as the justification table has them, each on the resource it names.
 */
function callsFor(r: PreviewResource, account: string, region: string): Needed[] {
    if (r.type === "pulumi:pulumi:Stack" || r.type === REFRESHER_TYPE) return [];
    const targets = targetsOf(r, account, region);
    const grants = GRANTS.filter((g) => g.type === r.type);
    assert.ok(grants.length > 0, `test/support/ciGrants.ts has no entry for resource type ${r.type} (${r.name})`);
    return grants.flatMap((g) => {
        const on = g.on ?? "self";
        const target = targets[on];
        if (target === undefined) {
            // Only the KMS key is absent, from an object without SSE-KMS.
            assert.equal(on, "kmsKey", `${g.action}: ${r.type} has no ${on} to name`);
            return [];
        }
        return [{ action: g.action, resource: target.resource, context: target.context, phases: g.phases }];
    });
}

/** The calls `npm run status` makes (HeadObject is authorised by s3:GetObject). */
function statusCalls(p: Placeholders): Needed[] {
    return [p.TOKEN_KEY, p.REQUIREMENTS_KEY].map((key) => ({ action: "s3:GetObject", resource: s3ObjectArn("aws", p.BUCKET, key), phases: ["read"] }));
}

const ROLES_HEADING = /^#{2,4} What the roles may do, and why$/m;

/** The section that explains the roles, in the README or the docs/ it links, up to the next heading. */
function rolesSection(): { file: string; section: string } {
    const docs = path.join(REPO_ROOT, "docs");
    const files = ["README.md", ...(fs.existsSync(docs) ? fs.readdirSync(docs).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f)) : [])];
    for (const file of files) {
        const text = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
        const heading = ROLES_HEADING.exec(text);
        if (heading === null) continue;
        const body = text.slice(heading.index + heading[0].length);
        const next = body.search(/^#/m);
        return { file, section: next < 0 ? body : body.slice(0, next) };
    }
    assert.fail("no section \"What the roles may do, and why\" in README.md or docs/");
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
            assert.ok(calls.some((c) => !c.phases.includes("read")) && calls.some((c) => c.phases.includes("read")));
            for (const call of calls) {
                assert.ok(allowingStatement(deploy, call), `${stack}: the deploy role may not call ${describeRequest(call)}`);
                const byReader = allowingStatement(readOnly, call);
                if (call.phases.includes("read")) {
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

    test("every resource type of the justification table is declared by a committed stack", () => {
        const declared = new Set([...previews.values()].flatMap((doc) => doc.resources.map((r) => r.type)));
        const strays = [...new Set(GRANTS.map((g) => g.type))].filter((type) => !declared.has(type));
        assert.deepEqual(strays, [], "entries for resource types no stack has justify nothing");
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
        const onStar = documents.flatMap(([, doc]) => doc.Statement.filter((s) => list(s.Resource).includes("*")).flatMap((s) => list(s.Action)));
        assert.deepEqual(onStar.sort(), [...new Set(GRANTS.filter((g) => g.unscopable).map((g) => g.action))].sort(),
            "only actions to which AWS gives no resource type may be granted on \"*\"");
    });

    test("read.json only reads", () => {
        for (const s of read.Statement) for (const action of list(s.Action)) assert.match(action, READ_ONLY_ACTION, `${s.Sid}: ${action}`);
    });

    test("every granted action has an entry in the justification table, and every entry's action is granted", () => {
        const granted = new Set(documents.flatMap(([, doc]) => doc.Statement.flatMap((s) => list(s.Action))));
        const justified = new Set(GRANTS.map((g) => g.action));
        assert.deepEqual([...granted].filter((a) => !justified.has(a)).sort(), [],
            "granted without an entry in test/support/ciGrants.ts (which resource type needs it, in which phase, read from which provider file?)");
        assert.deepEqual([...justified].filter((a) => !granted.has(a)).sort(), [], "an entry of test/support/ciGrants.ts whose action deploy/iam/ does not grant");
    });

    test("read.json holds exactly the actions some entry needs to read; write.json the rest", () => {
        const readers = new Set(GRANTS.filter((g) => g.phases.includes("read")).map((g) => g.action));
        const inRead = new Set(read.Statement.flatMap((s) => list(s.Action)));
        const inWrite = new Set(write.Statement.flatMap((s) => list(s.Action)));
        assert.deepEqual([...inRead].sort(), [...readers].sort());
        assert.deepEqual([...inWrite].filter((a) => readers.has(a)), [], "granted twice");
    });

    test("no action of NOT_GRANTED is granted or justified (the deletes of the retained objects above all)", () => {
        const granted = new Set(documents.flatMap(([, doc]) => doc.Statement.flatMap((s) => list(s.Action))));
        for (const n of NOT_GRANTED) {
            assert.ok(!granted.has(n.action), `${n.action} is granted, but ${n.why}`);
            assert.ok(!GRANTS.some((g) => g.action === n.action), `${n.action} is both justified and excluded`);
        }
    });

    test("every entry has phases, a call and its source file: in terraform-provider-aws, or in this repository", () => {
        for (const g of [...GRANTS, ...NOT_GRANTED]) {
            const what = `${g.action} for ${g.type}`;
            if ("phases" in g) {
                assert.ok(g.phases.length > 0 && new Set(g.phases).size === g.phases.length, `${what}: phases`);
                assert.ok(g.calls.length > 0, `${what}: calls`);
            }
            if (g.source.startsWith("internal/")) assert.match(g.source, /^internal\/[a-z0-9_/]+\.go$/, what);
            else assert.ok(fs.existsSync(path.join(REPO_ROOT, g.source)), `${what}: ${g.source} is not a file of this repository`);
        }
    });

    test("the documentation's \"What the roles may do, and why\" names every action whose need is uncertain", () => {
        const { file, section } = rolesSection();
        for (const g of [...GRANTS, ...NOT_GRANTED].filter((e) => e.uncertain !== undefined)) {
            assert.ok(section.includes(g.action), `${file} does not say that the need of ${g.action} is uncertain: ${g.uncertain}`);
        }
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
