// The stack program's schedule → function wiring, checked end to end on what the program registers
// (not only in the handler's unit tests): the EventBridge target's payload, fed to the handler built
// from the function's registered environment, is a scheduled refresh (an AccessDenied fails at once,
// no IAM propagation wait), while the payload of `pulumi up`'s invocation waits and retries. The AWS
// SDK clients are aws-sdk-client-mock doubles; the retry delay runs on node:test's mock timers.
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { mockClient } from "aws-sdk-client-mock";
import {
    AccessDeniedException, CodeartifactClient, GetAuthorizationTokenCommand, GetRepositoryEndpointCommand,
} from "@aws-sdk/client-codeartifact";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { RecordingMocks, type Registration } from "../tools/preview/mocks";
import { createHandler } from "../functions/handler";
import { HTTP, IAM_PROPAGATION_RETRY_DELAY_MS, SDK_MAX_ATTEMPTS } from "../functions/limits";
import { ENV, WIRE } from "../functions/contract";
import type { IndexFetch } from "../functions/indexCheck";
import { settle } from "./support/pulumiTesting";

const PROGRAM = path.join(__dirname, "..", "index.js");
const PROJECT = "mwaa-codeartifact-token";
const ACCOUNT = "444455556666";
const REGION = "eu-west-1";
/** A stack of one's own (no sample values), set the way the CLI hands config to the program. */
const CONFIG: Record<string, string> = {
    "aws:region": REGION,
    [`${PROJECT}:bucket`]: `airflow-wiring-${ACCOUNT}`,
    [`${PROJECT}:domain`]: "wiring-domain",
    [`${PROJECT}:repository`]: "wiring_repo",
    [`${PROJECT}:codeartifactRegion`]: "eu-central-1",
};
const TOKEN = "wiring-token-value";
const ENDPOINT = "https://wiring-domain-444455556666.d.codeartifact.eu-central-1.amazonaws.com/pypi/wiring_repo/";

let registrations: Registration[] = [];

before(async () => {
    const mocks = new RecordingMocks({ accountId: ACCOUNT, region: REGION });
    pulumi.runtime.setAllConfig(CONFIG);
    await pulumi.runtime.setMocks(mocks, PROJECT, "wiring", false);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const outputs = require(PROGRAM) as Record<string, pulumi.Output<unknown>>;
    await Promise.all(Object.values(outputs).map((o) => new Promise((resolve) => o.apply(resolve))));
    await settle();
    registrations = [...mocks.registrations];
});

function one(type: string): Registration {
    const found = registrations.filter((r) => r.type === type);
    assert.equal(found.length, 1, `${type}: ${found.length} registrations`);
    return found[0];
}

/** The payload a resource sends the function (its `input`, JSON text). */
function payload(r: Registration): unknown {
    assert.equal(typeof r.inputs.input, "string", `${r.type} has no JSON input`);
    return JSON.parse(r.inputs.input as string) as unknown;
}

test("the schedule rule targets the function with the scheduled payload; only pulumi up's invocation carries the deploy source", () => {
    const fn = one("aws:lambda/function:Function");
    const rule = one("aws:cloudwatch/eventRule:EventRule");
    const target = one("aws:cloudwatch/eventTarget:EventTarget");
    const invocation = one("aws:lambda/invocation:Invocation");
    assert.equal(target.inputs.rule, rule.state.name);
    assert.equal(target.inputs.arn, fn.state.arn);
    assert.deepEqual(payload(target), { source: "schedule" });
    assert.deepEqual(payload(invocation), { source: WIRE.deployEvent });
    assert.notEqual(WIRE.deployEvent, "schedule");
    const permission = one("aws:lambda/permission:Permission");
    assert.deepEqual([permission.inputs.principal, permission.inputs.sourceArn, permission.inputs.function], ["events.amazonaws.com", rule.state.arn, fn.state.name]);
});

test("the rule says what it runs and how often; a failed scheduled refresh is retried twice, never after the next one is due", () => {
    const rule = one("aws:cloudwatch/eventRule:EventRule");
    // The stack sets no interval: the default for 12 h tokens, 240 minutes.
    assert.equal(rule.inputs.scheduleExpression, "rate(4 hours)");
    assert.equal(rule.inputs.description, "Refreshes the CodeArtifact token for MWAA, rate(4 hours)");
    const retries = one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    assert.equal(retries.inputs.functionName, one("aws:lambda/function:Function").state.name);
    assert.equal(retries.inputs.maximumRetryAttempts, 2);
    // min(1 hour, the interval): with a 4-hour interval, an hour.
    assert.equal(retries.inputs.maximumEventAgeInSeconds, 3600);
});

/** The function's registered environment variables: what the handler reads at init in Lambda. */
function functionEnv(): Record<string, string> {
    const env = (one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(env[ENV.region], "eu-central-1");
    assert.equal(env[ENV.domainOwner], ACCOUNT);
    return env;
}

function denied(): AccessDeniedException {
    return new AccessDeniedException({
        message: "User: arn:aws:sts::444455556666:assumed-role/fn/x is not authorized to perform: codeartifact:GetAuthorizationToken",
        $metadata: { httpStatusCode: 403 },
    });
}

/**
 * Mocked SDK clients (every instance the handler creates) and the handler's stdout lines; the
 * first GetAuthorizationToken is denied, later ones succeed.
 */
function mockAws(t: TestContext) {
    const ca = mockClient(CodeartifactClient);
    const s3 = mockClient(S3Client);
    ca.on(GetAuthorizationTokenCommand)
        .rejectsOnce(denied())
        .resolves({ authorizationToken: TOKEN, expiration: new Date(Date.now() + 3600_000) });
    ca.on(GetRepositoryEndpointCommand).resolves({ repositoryEndpoint: ENDPOINT });
    s3.on(PutObjectCommand).resolves({ VersionId: "v1" });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    t.mock.method(process.stdout, "write", (chunk: string | Uint8Array, ...rest: unknown[]) => {
        const text = String(chunk);
        if (text.startsWith("Attempt ") || text.startsWith('{"_aws"')) {
            lines.push(text);
            return true;
        }
        return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    });
    t.after(() => {
        ca.restore();
        s3.restore();
    });
    return { ca, s3, lines };
}

/** The repository's index, accepting the token (the check itself: indexCheck.test.ts). */
const acceptingIndex: IndexFetch = () => Promise.resolve({ status: 200, text: () => Promise.resolve("") });

/** Starts the handler on `event`; `settled()` tells whether its promise has resolved or rejected yet. */
function start(handler: ReturnType<typeof createHandler>, event: unknown) {
    let done = false;
    const run = handler(event);
    run.then(() => (done = true), () => (done = true));
    return { run, settled: () => done };
}

/** Lets pending promise callbacks and I/O callbacks run (the mocked SDK answers asynchronously). */
async function drain(rounds = 50): Promise<void> {
    for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

test("fed the scheduled payload, the handler built from the function's environment fails at once on AccessDenied: no IAM wait", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const { ca, s3, lines } = mockAws(t);
    const handler = createHandler(functionEnv(), { fetch: acceptingIndex });
    const { run, settled } = start(handler, payload(one("aws:cloudwatch/eventTarget:EventTarget")));
    await drain();
    assert.ok(settled(), "the scheduled refresh is waiting (for IAM propagation?) instead of failing at once");
    await assert.rejects(run, /CodeArtifact GetAuthorizationToken failed: access denied/);
    assert.equal(ca.commandCalls(GetAuthorizationTokenCommand).length, 1);
    assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
    assert.deepEqual(lines, []);
});

test("fed the deploy payload, the same handler retries the denial after the IAM retry delay, then writes the token file", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const { ca, s3, lines } = mockAws(t);
    const env = functionEnv();
    const handler = createHandler(env, { fetch: acceptingIndex });
    const { run, settled } = start(handler, payload(one("aws:lambda/invocation:Invocation")));
    await drain();
    assert.equal(settled(), false, "the deploy-time refresh gave up without waiting for IAM propagation");
    assert.equal(ca.commandCalls(GetAuthorizationTokenCommand).length, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^Attempt 1 was denied; retrying in 5 s/);
    t.mock.timers.tick(IAM_PROPAGATION_RETRY_DELAY_MS);
    const result = await run;
    assert.equal(ca.commandCalls(GetAuthorizationTokenCommand).length, 2);
    assert.deepEqual([result.bucket, result.key], [env[ENV.bucket], env[ENV.key]]);
    const put = s3.commandCalls(PutObjectCommand);
    assert.equal(put.length, 1);
    assert.equal(put[0].args[0].input.Bucket, env[ENV.bucket]);
});

test("the handler's SDK clients: the function's CodeArtifact region, the project's attempts and HTTP limits, S3 following region redirects", async (t) => {
    const { ca, s3 } = mockAws(t);
    const handler = createHandler(functionEnv(), { fetch: acceptingIndex });
    await assert.rejects(handler({ source: "schedule" }));
    await handler(undefined);
    const codeartifact = ca.commandCalls(GetAuthorizationTokenCommand)[0].thisValue as CodeartifactClient;
    const storage = s3.commandCalls(PutObjectCommand)[0].thisValue as S3Client;
    assert.equal(await codeartifact.config.region(), "eu-central-1");
    for (const client of [codeartifact, storage]) {
        assert.equal(await client.config.maxAttempts(), SDK_MAX_ATTEMPTS);
        const handlerConfig = await (client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> }).configProvider;
        assert.deepEqual(
            [handlerConfig.connectionTimeout, handlerConfig.requestTimeout, handlerConfig.throwOnRequestTimeout],
            [HTTP.connectionTimeoutMs, HTTP.requestTimeoutMs, true],
        );
    }
    assert.equal(storage.config.followRegionRedirects, true);
});

test("payloads that are not the deploy invocation's are scheduled refreshes: none, null, a string, another source", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    for (const event of [undefined, null, "pulumi-up", { source: "pulumi-up " }, { detail: { source: WIRE.deployEvent } }, {}]) {
        const { ca } = mockAws(t);
        const handler = createHandler(functionEnv(), { fetch: acceptingIndex });
        const { run, settled } = start(handler, event);
        await drain();
        assert.ok(settled(), `${JSON.stringify(event)} waited for IAM propagation`);
        await assert.rejects(run, /access denied/);
        ca.restore();
    }
});

after(() => {
    registrations = [];
});
