// The offline preview end to end (build/tools/preview/preview.js in a child process, as
// `npm run preview:offline` runs it), plus unit tests of the Lambda packager it is built on (the
// stack config loader's are in stackConfig.test.ts). Temporary projects live in the OS temp folder,
// never in the repo.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { listStacks } from "../tools/stackConfig";
import { lambdaPackage } from "../tools/preview/lambdaPackage";
import { REFRESHER_TYPE } from "../lib/component";
import { tempDir, tempProject } from "./support/tempProject";

// build/test/preview.test.js → repo root
const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, "build", "tools", "preview", "preview.js");
const PROJECT = "mwaa-codeartifact-token";
const T = { timeout: 60_000 };
const CIPHERTEXT = "v1:c2VjcmV0LWNpcGhlcnRleHQtdGhhdC1tdXN0LW5ldmVyLWxlYWs=";
const STACK_TRACE_LINE = /^\s+at /m;

interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

function preview(args: readonly string[], script: string = SCRIPT): Promise<Run> {
    return new Promise((resolve, reject) => {
        const env = { ...process.env };
        delete env.PULUMI_CONFIG;
        delete env.PULUMI_CONFIG_SECRET_KEYS;
        const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}


const VALID_STACK = [
    "config:",
    "  aws:allowedAccountIds: [\"111122223333\"]",
    "  aws:region: eu-central-1",
    "  bucket: airflow-test-111122223333",
    "  domain: your-domain",
    "  repository: your_repo",
].join("\n");

// ---------------------------------------------------------------------------------------------
// The preview document
// ---------------------------------------------------------------------------------------------

interface Doc {
    version: number;
    sampleValues: string[];
    project: string;
    stack: string;
    config: Record<string, unknown>;
    resources: { type: string; name: string; parent: string | null; op: string; inputs: Record<string, unknown> }[];
    outputs: Record<string, unknown>;
    summary: {
        resourceCount: number;
        lambdaPackage: { files: number; zippedBytes: number } | null;
        scheduleExpression: string | null;
        worstCaseTokenSecondsLeft: number | null;
        failedRefreshesSurvived: number | null;
    };
}

function checkShape(doc: Doc, stack: string): void {
    assert.deepEqual(Object.keys(doc), ["version", "project", "stack", "config", "resources", "outputs", "sampleValues", "summary"]);
    assert.equal(doc.version, 1);
    assert.equal(doc.project, PROJECT);
    assert.equal(doc.stack, stack);
    // The committed stacks are samples (stack/samples.ts): the preview names what to replace.
    assert.deepEqual(doc.sampleValues, stack === "dev"
        ? ["bucket", "requirements[1]", "domain", "domainOwner", "repository"]
        : ["bucket", "requirements[2]", "domain", "domainOwner", "repository", "kmsKeyArn", "alarmTopicArn", "alarmEmail"]);
    for (const [key, value] of Object.entries(doc.config)) {
        assert.match(key, /^[^:]+:[^:]+$/, `config key ${key} is not namespaced`);
        assert.equal(typeof value, "string", `config ${key} is not a string`);
    }
    assert.ok(doc.resources.length > 0);
    const seen = new Set<string>();
    doc.resources.forEach((r, i) => {
        assert.deepEqual(Object.keys(r), ["type", "name", "parent", "op", "inputs"]);
        assert.equal(typeof r.type, "string");
        assert.equal(typeof r.name, "string");
        assert.equal(r.op, "create");
        assert.equal(typeof r.inputs, "object");
        if (i === 0) {
            assert.equal(r.type, "pulumi:pulumi:Stack");
            assert.equal(r.parent, null);
        } else {
            assert.equal(typeof r.parent, "string", `${r.name} has no parent`);
            assert.ok(seen.has(r.parent as string), `${r.name}'s parent ${String(r.parent)} is not listed before it`);
        }
        assert.ok(!seen.has(r.name), `duplicate resource name ${r.name}`);
        seen.add(r.name);
    });
    assert.deepEqual(Object.keys(doc.summary), [
        "resourceCount", "lambdaPackage", "scheduleExpression", "worstCaseTokenSecondsLeft", "failedRefreshesSurvived",
    ]);
    assert.equal(doc.summary.resourceCount, doc.resources.length);
    assert.ok(doc.summary.lambdaPackage !== null);
    assert.ok(doc.summary.lambdaPackage.files >= 1);
    assert.ok(doc.summary.lambdaPackage.zippedBytes > 0);
    assert.match(doc.summary.scheduleExpression ?? "", /^rate\(\d+ (minute|hour|day)s?\)$/);
    assert.ok((doc.summary.worstCaseTokenSecondsLeft ?? 0) > 0);
    assert.ok((doc.summary.failedRefreshesSurvived ?? 0) >= 1);
    assert.equal(doc.outputs.scheduleExpression, doc.summary.scheduleExpression);
    assert.equal(doc.outputs.worstCaseTokenSecondsLeft, doc.summary.worstCaseTokenSecondsLeft);

    const types = doc.resources.map((r) => r.type);
    assert.ok(types.includes(REFRESHER_TYPE));
    const fn = doc.resources.find((r) => r.type === "aws:lambda/function:Function");
    assert.ok(fn !== undefined);
    for (const key of ["runtime", "architectures", "memorySize", "timeout"]) assert.ok(key in fn.inputs, `function lacks ${key}`);
    const policy = doc.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
    assert.ok(policy !== undefined && Array.isArray(policy.inputs.statements) && policy.inputs.statements.length > 0);
    const rule = doc.resources.find((r) => r.type === "aws:cloudwatch/eventRule:EventRule");
    assert.equal(rule?.inputs.scheduleExpression, doc.summary.scheduleExpression);
}

const COMMITTED_STACKS = fs.readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

test("the repo has committed stacks to preview", () => {
    assert.ok(COMMITTED_STACKS.includes("dev"), `stacks: ${COMMITTED_STACKS.join(", ")}`);
    assert.deepEqual(listStacks(ROOT), COMMITTED_STACKS);
});

for (const stack of COMMITTED_STACKS) {
    test(`stack ${stack}: the text and JSON previews agree and are well formed`, T, async () => {
        const [text, json] = await Promise.all([preview(["--stack", stack]), preview(["--stack", stack, "--json"])]);
        assert.equal(text.code, 0, text.stderr);
        assert.equal(json.code, 0, json.stderr);
        assert.equal(text.stderr, "");
        assert.equal(json.stderr, "");
        const doc = JSON.parse(json.stdout) as Doc;
        checkShape(doc, stack);

        const creates = text.stdout.split("\n").filter((l) => /^\s*\+ create {2}\S+ {2}\S+$/.test(l));
        assert.equal(creates.length, doc.resources.length, text.stdout);
        assert.match(creates[0], /^\+ create {2}pulumi:pulumi:Stack {2}/);
        // Children are indented under their parent.
        assert.match(text.stdout, /^ {2}\+ create {2}mwaa-codeartifact:index:CodeArtifactTokenRefresher {2}/m);
        assert.match(text.stdout, /^ {4}\+ create {2}aws:lambda\/function:Function {2}/m);
        assert.match(text.stdout, / → /, "IAM statements are shown as action → resource");
        assert.match(text.stdout, /^Outputs:$/m);
        assert.match(text.stdout, new RegExp(`^ {4}\\+ ${doc.resources.length} to create$`, "m"));
        assert.match(text.stdout, /Worst-case token life left: +(\d+[dhms] )+\(\d+ s\)/);
        assert.ok(!text.stdout.includes("# Placeholder"), "the token file's content is not shown");
        assert.ok(text.stdout.includes(`Sample values: ${doc.sampleValues.join(", ")} are the documentation's. Replace them before deploying`));
    });
}

test("--out writes the Lambda package, the S3 objects, the IAM documents and preview.json", T, async () => {
    const out = path.join(tempDir(), "artifacts");
    const run = await preview(["--stack", "dev", "--json", "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as Doc;
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "preview.json"), "utf8")), doc);

    const fn = doc.resources.find((r) => r.type === "aws:lambda/function:Function");
    const files = fn?.inputs.packageFiles as string[];
    assert.equal(files.length, doc.summary.lambdaPackage?.files);
    for (const file of files) assert.ok(fs.statSync(path.join(out, "lambda", file)).size > 0, file);
    const zip = fs.readFileSync(path.join(out, "lambda.zip"));
    assert.equal(zip.length, doc.summary.lambdaPackage?.zippedBytes);
    assert.equal(zip.subarray(0, 4).toString("latin1"), "PK\x03\x04");

    const requirements = fs.readFileSync(path.join(out, "s3", doc.outputs.requirementsKey as string), "utf8");
    assert.ok(requirements.startsWith(`-r /usr/local/airflow/dags/`), requirements);
    const requirementsResource = doc.resources.find((r) => r.name.endsWith("-requirements"));
    assert.equal(requirements, requirementsResource?.inputs.content);
    const tokenFile = fs.readFileSync(path.join(out, "s3", doc.outputs.tokenKey as string), "utf8");
    assert.ok(tokenFile.startsWith("#") && !tokenFile.includes("index-url"), "bootstrap content, no token");

    const role = doc.resources.find((r) => r.type === "aws:iam/role:Role");
    const policy = doc.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
    assert.ok(role !== undefined && policy !== undefined);
    const trustText = fs.readFileSync(path.join(out, "iam", `${role.name}.trust.json`), "utf8");
    assert.ok(trustText.includes("\n  "), "pretty-printed");
    const trust = JSON.parse(trustText) as { Statement: { Principal: { Service: string } }[] };
    assert.equal(trust.Statement[0].Principal.Service, "lambda.amazonaws.com");
    const document = JSON.parse(fs.readFileSync(path.join(out, "iam", `${policy.name}.json`), "utf8")) as { Statement: unknown[] };
    assert.equal(document.Statement.length, (policy.inputs.statements as unknown[]).length);
});

test("invalid config: exit 2, every bad key named on stderr, no stack trace", T, async () => {
    const dir = tempProject({ broken: `${VALID_STACK.replace("airflow-test-111122223333", "Bad_Bucket")}\n  tokenDurationSeconds: 100\n` });
    const run = await preview(["--cwd", dir, "--stack", "broken"]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, new RegExp(`${PROJECT}:bucket: got "Bad_Bucket"`));
    assert.match(run.stderr, new RegExp(`${PROJECT}:tokenDurationSeconds: got "100"`));
    assert.doesNotMatch(run.stderr, STACK_TRACE_LINE);
    assert.equal(run.stderr.match(/Invalid configuration/g)?.length, 1, "reported once");
});

test("a required key that looks missing because of a typo or another project's namespace is named in the same message", T, async () => {
    const dir = tempProject({
        typo: "config:\n  aws:region: us-east-1\n  mwaa-codeartifact:bucket: airflow-test\n  domain: your-domain\n  repositry: your_repo\n  tokenDurationSeconds: 3600\n",
    });
    const run = await preview(["--cwd", dir, "--stack", "typo"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Stack 'typo' is missing configuration values 'bucket' and 'repository'/);
    assert.match(run.stderr, /- 'repositry' is set but not declared in Pulumi.yaml \(did you mean 'repository'\?\)/);
    assert.match(run.stderr, new RegExp(`- 'mwaa-codeartifact:bucket' has the namespace 'mwaa-codeartifact', but this project is '${PROJECT}': write it as 'bucket'`));
    assert.doesNotMatch(run.stderr, /tokenDurationSeconds|aws:region/, "keys that are fine are not mentioned");
    assert.doesNotMatch(run.stderr, STACK_TRACE_LINE);
});

test("sample values in a stack not pinned to the documentation account: exit 2, each named", T, async () => {
    const dir = tempProject({ copied: VALID_STACK.replace(/^ {2}aws:allowedAccountIds: .*\n/m, "") });
    const run = await preview(["--cwd", dir, "--stack", "copied"]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /Invalid configuration for stack copied \(3 problems\)/);
    for (const key of ["bucket", "domain", "repository"]) {
        assert.match(run.stderr, new RegExp(`${PROJECT}:${key}: got "[^"]+"; allowed: your own value, not the documentation's sample`));
    }
    assert.doesNotMatch(run.stderr, STACK_TRACE_LINE);
});

test("config the Pulumi CLI itself refuses: exit 2 with the CLI's message", T, async () => {
    const dir = tempProject({
        missing: "config:\n  aws:region: us-east-1\n  domain: your-domain\n",
        typed: `${VALID_STACK}\n  tokenDurationSeconds: soon\n`,
    });
    const missing = await preview(["--cwd", dir, "--stack", "missing"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Stack 'missing' is missing configuration values 'bucket' and 'repository'/);
    const typed = await preview(["--cwd", dir, "--stack", "typed"]);
    assert.equal(typed.code, 2);
    assert.match(typed.stderr, /Stack 'typed' with configuration key 'tokenDurationSeconds' must be of type 'integer'/);
    assert.doesNotMatch(missing.stderr + typed.stderr, STACK_TRACE_LINE);
});

test("unknown stack: exit 2 and the existing stacks are listed", T, async () => {
    const run = await preview(["--stack", "nope"]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /"nope"/);
    for (const stack of COMMITTED_STACKS) assert.ok(run.stderr.includes(stack), `${stack} not listed: ${run.stderr}`);
    assert.match(run.stderr, /\bdev\b/);
    assert.match(run.stderr, /\bprod\b/);
    assert.doesNotMatch(run.stderr, STACK_TRACE_LINE);
});

test("bad flags: exit 2 with the usage; --help: exit 0", T, async () => {
    for (const args of [["--bogus"], ["--stack"], ["extra"], ["--stack", "--json"]]) {
        const run = await preview(args);
        assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
        assert.match(run.stderr, /^Usage: /m);
        assert.doesNotMatch(run.stderr, STACK_TRACE_LINE);
    }
    const help = await preview(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: /);
});

test("a secure: value is shown as [secret] and its ciphertext appears nowhere", T, async () => {
    const dir = tempProject({
        sec: `${VALID_STACK}\n  aws:secretKey:\n    secure: ${CIPHERTEXT}\n`,
        secbad: `${VALID_STACK.replace(/ {2}bucket: .*/, `  bucket:\n    secure: ${CIPHERTEXT}`)}\n`,
    });
    const out = path.join(dir, "out");
    const [text, json] = await Promise.all([
        preview(["--cwd", dir, "--stack", "sec"]),
        preview(["--cwd", dir, "--stack", "sec", "--json", "--out", out]),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as Doc;
    assert.equal(doc.config["aws:secretKey"], "[secret]");
    assert.equal(doc.resources[0].name, `${PROJECT}-sec`);
    const written = fs.readdirSync(out, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "latin1"));
    for (const blob of [text.stdout, text.stderr, json.stdout, json.stderr, ...written]) {
        assert.ok(!blob.includes(CIPHERTEXT) && !blob.includes(CIPHERTEXT.slice(3, 20)), "ciphertext leaked");
    }

    // A secret the program validates: refused with the placeholder, never the ciphertext.
    const bad = await preview(["--cwd", dir, "--stack", "secbad"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, new RegExp(`${PROJECT}:bucket: got "\\[secret\\]"`));
    assert.ok(!(bad.stdout + bad.stderr).includes(CIPHERTEXT.slice(3, 20)));
});

/** Runs the preview script against a stand-in program: a temp copy of build/tools beside `index`. */
async function previewOfProgram(index: string): Promise<Run> {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "tools", "preview"), { recursive: true });
    for (const file of ["preview/preview.js", "stackConfig.js", "shared.js", "preview/mocks.js", "preview/lambdaPackage.js"]) {
        fs.copyFileSync(path.join(ROOT, "build", "tools", file), path.join(dir, "tools", file));
    }
    // The preview reads the stack's settings and sample values with the stack program's code (stack/).
    for (const dep of ["lib", "stack", "functions"]) fs.cpSync(path.join(ROOT, "build", dep), path.join(dir, dep), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "index.js"), index);
    return preview(["--cwd", ROOT], path.join(dir, "tools", "preview", "preview.js"));
}

test("a failure inside the Pulumi runtime is reported once, and no preview is printed", T, async () => {
    const rejectedInput = await previewOfProgram(`
        const pulumi = require("@pulumi/pulumi");
        const bucket = pulumi.output("b").apply(() => { throw new pulumi.RunError("no bucket for you"); });
        new pulumi.CustomResource("aws:s3/bucketObjectv2:BucketObjectv2", "obj", { bucket, key: "k" });
        exports.fine = pulumi.output(1);
    `);
    assert.equal(rejectedInput.code, 2, rejectedInput.stderr);
    assert.equal(rejectedInput.stdout, "");
    assert.equal(rejectedInput.stderr.match(/no bucket for you/g)?.length, 1, rejectedInput.stderr);
    assert.doesNotMatch(rejectedInput.stderr, STACK_TRACE_LINE);

    const unmocked = await previewOfProgram(`
        const aws = require("@pulumi/aws");
        exports.zones = aws.getAvailabilityZonesOutput({});
    `);
    assert.equal(unmocked.code, 1);
    assert.equal(unmocked.stdout, "");
    assert.match(unmocked.stderr, /unmocked invoke aws:index\/getAvailabilityZones:getAvailabilityZones/);
});

// ---------------------------------------------------------------------------------------------
// lambdaPackage
// ---------------------------------------------------------------------------------------------

describe("lambdaPackage", () => {
    test("zips string and file assets deterministically", async () => {
        const file = path.join(tempDir(), "extra.js");
        fs.writeFileSync(file, "module.exports = 1;\n");
        const archive = (): pulumi.asset.AssetArchive => new pulumi.asset.AssetArchive({
            "z.js": new pulumi.asset.StringAsset("exports.z = 1;\n"),
            "__index.js": new pulumi.asset.StringAsset("exports.handler = async () => 'ok';\n"),
            "lib/extra.js": new pulumi.asset.FileAsset(file),
        });
        const first = await lambdaPackage(archive());
        const second = await lambdaPackage(archive());
        assert.deepEqual(Object.keys(first.files), ["__index.js", "lib/extra.js", "z.js"]);
        assert.equal(first.files["lib/extra.js"], "module.exports = 1;\n");
        assert.equal(first.zippedBytes, first.zip.byteLength);
        assert.ok(first.zippedBytes > 0);
        assert.deepEqual(Buffer.from(first.zip), Buffer.from(second.zip));
    });

    test("refuses nested archives and anything that is not an asset archive", async () => {
        const nested = new pulumi.asset.AssetArchive({ inner: new pulumi.asset.AssetArchive({}) });
        await assert.rejects(lambdaPackage(nested), /inner: nested archives are not supported/);
        await assert.rejects(lambdaPackage("code"), /expected the Function's code to be an AssetArchive/);
    });
});
