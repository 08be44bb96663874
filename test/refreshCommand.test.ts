// `refresh` command: LambdaClient mocked with aws-sdk-client-mock; the function name comes from
// --function or from a fake `pulumi` script on PATH.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { InvokeCommand, InvokeCommandInput, InvokeCommandOutput, LambdaClient, LambdaServiceException, ResourceNotFoundException } from "@aws-sdk/client-lambda";
import { functionNameFromPulumi, main, redactSecrets, RefreshReport } from "../tools/operate/refresh";

const ROOT = path.resolve(__dirname, "../..");
const NOW = Date.parse("2030-01-01T12:00:00.000Z");
const FUNCTION = "mwaa-token-refresher-function-1a2b3c4";
const ARN = `arn:aws:lambda:us-west-2:111122223333:function:${FUNCTION}`;
/** A realistic-length token: a JWE-like string of about 1 000 characters. */
const TOKEN = `eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMCwiZW5jIjoiQTEyOEdDTSJ9.${"Zm9vYmFyYmF6".repeat(70)}.c2lnbmF0dXJl`;
const ENC_TOKEN = encodeURIComponent(TOKEN);
const RESULT = {
    bucket: "airflow-test-bucket",
    key: "dags/codeartifact.txt",
    endpoint: "https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/",
    expiresAt: "2030-01-01T23:59:00.000Z",
    secondsLeft: 43140,
    versionId: "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY",
};

let project: string;
let binDir: string;
const lambda = new LambdaClient({ region: "us-west-2", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
const lambdaMock = mockClient(lambda);

before(() => {
    project = mkdtempSync(path.join(os.tmpdir(), "refresh-project-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    writeFileSync(
        path.join(project, "Pulumi.test.yaml"),
        "config:\n  aws:region: us-west-2\n  mwaa-codeartifact-token:bucket: airflow-test-bucket\n" +
            "  mwaa-codeartifact-token:domain: my-domain\n  mwaa-codeartifact-token:repository: my-repo\n",
    );
    writeFileSync(path.join(project, "Pulumi.bad.yaml"), "config:\n  mwaa-codeartifact-token:bucket: x\n  mwaa-codeartifact-token:domain: my-domain\n  mwaa-codeartifact-token:repository: my-repo\n");
    binDir = path.join(project, "bin");
    mkdirSync(binDir);
});

after(() => {
    if (project) rmSync(project, { recursive: true, force: true });
});

beforeEach(() => {
    lambdaMock.reset();
});

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

async function run(args: string[], env: NodeJS.ProcessEnv = { PATH: `${binDir}${path.delimiter}${path.dirname(process.execPath)}` }): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await main(["--cwd", project, ...args], {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        env,
        now: () => NOW,
        clients: { lambda },
    });
    for (const secret of [TOKEN, ENC_TOKEN, TOKEN.slice(0, 60), TOKEN.slice(-60)]) {
        assert.ok(!stdout.includes(secret) && !stderr.includes(secret), "no part of the token appears in the output");
    }
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    return { code, stdout, stderr };
}

function invoked(): InvokeCommandInput[] {
    return lambdaMock.commandCalls(InvokeCommand).map((c) => c.args[0].input);
}

/** A response payload as the SDK hands it over (a Uint8Array with transformToString). */
function bytes(text: string): InvokeCommandOutput["Payload"] {
    const array = new Uint8Array(Buffer.from(text));
    return Object.assign(array, { transformToString: (encoding?: string) => Buffer.from(array).toString((encoding ?? "utf8") as BufferEncoding) });
}

function payload(value: unknown): InvokeCommandOutput["Payload"] {
    return bytes(JSON.stringify(value));
}

test("success: invokes synchronously with the manual-refresh event and prints the expiry", async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(RESULT), ExecutedVersion: "$LATEST" });
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(
        r.stdout,
        `Refreshed s3://airflow-test-bucket/dags/codeartifact.txt with ${FUNCTION}\n` +
            "Expires:   2030-01-01T23:59:00.000Z\nTime left: 11h 59m\nVersion:   3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY\n",
    );
    const calls = invoked();
    assert.equal(calls.length, 1);
    assert.equal(calls[0].FunctionName, FUNCTION);
    assert.equal(calls[0].InvocationType, "RequestResponse");
    assert.deepEqual(JSON.parse(Buffer.from(calls[0].Payload as Uint8Array).toString("utf8")), { source: "manual-refresh" });
    assert.equal(calls[0].LogType, undefined, "no log tail (it could hold anything)");
});

test("success --json: documented fields only", async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ...RESULT, extra: TOKEN }) });
    const r = await run(["--stack", "test", "--function", ARN, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as RefreshReport;
    assert.deepEqual(report, {
        stack: "test",
        functionName: ARN,
        bucket: RESULT.bucket,
        key: RESULT.key,
        expiresAt: RESULT.expiresAt,
        secondsLeft: RESULT.secondsLeft,
        versionId: RESULT.versionId,
    });
});

test("FunctionError with a token in the message: redacted, one line, exit 1", async () => {
    const errorMessage =
        `S3 PutObject to s3://airflow-test-bucket/dags/codeartifact.txt failed: body was --index-url https://aws:${ENC_TOKEN}@my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/simple/\n` +
        `and raw ${TOKEN} again`;
    lambdaMock.on(InvokeCommand).resolves({
        StatusCode: 200,
        FunctionError: "Unhandled",
        Payload: payload({ errorType: "Error", errorMessage, trace: [`Error: ${TOKEN}`, "    at refreshToken (/var/task/index.js:1:1)"] }),
    });
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.split("\n").length, 2, "one line");
    assert.equal(
        r.stderr,
        `error: refresh function ${FUNCTION} failed: Error: S3 PutObject to s3://airflow-test-bucket/dags/codeartifact.txt failed: ` +
            "body was --index-url https://aws:[redacted]@my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/simple/ " +
            "and raw [redacted] again\n",
    );
});

test("FunctionError with an unreadable payload: type only, never the raw payload", async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: bytes(`not json ${TOKEN}`) });
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: refresh function ${FUNCTION} failed: Unhandled (no error message)\n`);
});

test("unexpected success payload: exit 1 without echoing it", async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ body: TOKEN }) });
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /returned an unexpected result \(keys body\)/);
});

test("AccessDenied: names lambda:InvokeFunction and the ARN, exit 3", async () => {
    lambdaMock.on(InvokeCommand).rejects(
        new LambdaServiceException({
            name: "AccessDeniedException",
            $fault: "client",
            $metadata: { httpStatusCode: 403 },
            message:
                "User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_abc/alice@example.com is not authorized to perform: " +
                `lambda:InvokeFunction on resource: ${ARN} because no identity-based policy allows the lambda:InvokeFunction action`,
        }),
    );
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `error: access denied: your credentials lack lambda:InvokeFunction on ${ARN}\n`);
});

test("AccessDenied without an ARN in the message: names the function", async () => {
    lambdaMock.on(InvokeCommand).rejects(
        new LambdaServiceException({ name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "denied" }),
    );
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `error: access denied: your credentials lack lambda:InvokeFunction on ${FUNCTION}\n`);
});

test("ResourceNotFound: clear message, exit 3", async () => {
    lambdaMock.on(InvokeCommand).rejects(
        new ResourceNotFoundException({ $metadata: { httpStatusCode: 404 }, message: `Function not found: ${ARN}` }),
    );
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`^error: no such function: ${FUNCTION} does not exist in region us-west-2 `));
    assert.equal(r.stderr.split("\n").length, 2);
});

test("no credentials: clear message, exit 3", async () => {
    const err = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    lambdaMock.on(InvokeCommand).rejects(err);
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error: no AWS credentials found: set AWS_PROFILE or .*\n$/);
});

test("other AWS errors are redacted and one line", async () => {
    lambdaMock.on(InvokeCommand).rejects(
        new LambdaServiceException({ name: "TooManyRequestsException", $fault: "client", $metadata: { httpStatusCode: 429 }, message: `Rate exceeded\n${TOKEN}` }),
    );
    const r = await run(["--stack", "test", "--function", FUNCTION]);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `error: could not invoke ${FUNCTION}: TooManyRequestsException (HTTP 429): Rate exceeded [redacted]\n`);
});

test("no --function and no pulumi on PATH: exit 2 with the hint", async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "empty-path-"));
    try {
        const r = await run(["--stack", "test"], { PATH: `${empty}${path.delimiter}${path.dirname(process.execPath)}` });
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, "error: the pulumi CLI is not on PATH: pass --function NAME (find it with `pulumi stack output functionName`)\n");
        assert.equal(invoked().length, 0);
    } finally {
        rmSync(empty, { recursive: true, force: true });
    }
});

function fakePulumi(script: string): void {
    const file = path.join(binDir, "pulumi");
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
}

test("no --function: asks `pulumi stack output functionName --stack <stack>` in the project folder", async () => {
    const log = path.join(project, "pulumi-args.txt");
    fakePulumi(`echo "$*|$(pwd)" > "${log}"\necho from-pulumi-fn`);
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(RESULT) });
    const r = await run(["--stack", "test"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(invoked()[0].FunctionName, "from-pulumi-fn");
    assert.match(r.stdout, /with from-pulumi-fn\n/);
    assert.equal(readFileSync(log, "utf8").trim(), `stack output functionName --stack test|${project}`);
});

test("pulumi fails (e.g. stack not deployed): exit 2 with its first error line and the hint", async () => {
    fakePulumi('echo "error: current stack does not have output property \'functionName\'" >&2\nexit 255');
    const r = await run(["--stack", "test"]);
    assert.equal(r.code, 2);
    assert.equal(
        r.stderr,
        "error: `pulumi stack output functionName --stack test` failed: error: current stack does not have output property 'functionName'; " +
            "pass --function NAME (find it with `pulumi stack output functionName`)\n",
    );
    assert.equal(invoked().length, 0);
});

test("pulumi prints nothing: exit 2", async () => {
    fakePulumi("exit 0");
    const r = await run(["--stack", "test"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /printed no function name; pass --function NAME/);
});

test("usage and config errors: exit 2", async () => {
    for (const args of [["--function", FUNCTION], ["--stack", "test", "--function"], ["--stack", "test", "--nope"], ["--stack", "a", "--stack", "b"]]) {
        const r = await run(args);
        assert.equal(r.code, 2, args.join(" "));
        assert.match(r.stderr, /^error: .*\n\nUsage: npm run refresh/);
    }
    const unknown = await run(["--stack", "nope", "--function", FUNCTION]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown stack "nope".*Existing stacks: bad, test\./);
    const bad = await run(["--stack", "bad", "--function", FUNCTION]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /mwaa-codeartifact-token:bucket: got "x"/);
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: npm run refresh -- --stack NAME \[--function NAME\]/);
    assert.equal(invoked().length, 0);
});

test("redactSecrets: URL userinfo", () => {
    assert.equal(redactSecrets("--index-url https://aws:abc@host/pypi/r/simple/"), "--index-url https://aws:[redacted]@host/pypi/r/simple/");
    assert.equal(redactSecrets(`https://aws:${ENC_TOKEN}@h/`), "https://aws:[redacted]@h/");
    assert.equal(redactSecrets("http://user:pa%2Fss@h and https://aws:x@h2"), "http://user:[redacted]@h and https://aws:[redacted]@h2");
    assert.equal(redactSecrets("https://aws:@h/"), "https://aws:[redacted]@h/");
});

test("redactSecrets: long base64/url-safe runs, 100 characters and more", () => {
    const run99 = "a".repeat(99);
    const run100 = "a".repeat(100);
    assert.equal(redactSecrets(run99), run99);
    assert.equal(redactSecrets(run100), "[redacted]");
    assert.equal(redactSecrets(`x ${"Ab+/=_-.%9".repeat(10)} y`), "x [redacted] y");
    assert.equal(redactSecrets(`token: ${TOKEN};`), "token: [redacted];");
    assert.equal(redactSecrets(`"${ENC_TOKEN}"`), '"[redacted]"');
});

test("redactSecrets: leaves ordinary messages alone and is idempotent", () => {
    const ordinary = [
        "User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_abc/alice@example.com is not authorized",
        "arn:aws:s3:::airflow-test-bucket/dags/codeartifact.txt",
        "https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/simple/",
        "mailto alice@example.com",
        "",
    ];
    for (const s of ordinary) assert.equal(redactSecrets(s), s);
    const once = redactSecrets(`https://aws:${TOKEN}@h/ ${TOKEN}`);
    assert.equal(once, "https://aws:[redacted]@h/ [redacted]");
    assert.equal(redactSecrets(once), once);
});

test("a hanging pulumi is stopped after the timeout", async () => {
    fakePulumi("exec sleep 30");
    const env = { PATH: `${binDir}${path.delimiter}/usr/bin${path.delimiter}/bin` };
    await assert.rejects(functionNameFromPulumi("test", project, env, 300), /`pulumi stack output functionName --stack test` was stopped \(SIGTERM\); pass --function NAME/);
});

test("pulumi prints something that is not a function name (a secret output): exit 2", async () => {
    fakePulumi('echo "[secret]"');
    const r = await run(["--stack", "test"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /printed "\[secret\]", not a function name; pass --function NAME/);
});
