// Real SDK clients built by createHandler, pointed at s3rver (behind a recording
// proxy) and the CodeArtifact double through the standard AWS_ENDPOINT_URL_*
// variables. Every test starts and stops its own servers.
import { test, TestContext } from "node:test";
import assert from "node:assert/strict";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHandler } from "../functions/handler";
import { ENV } from "../functions/contract";
import { METRIC_NAME } from "../functions/refresh";
import { CodeArtifactBehavior, CodeArtifactDouble, startCodeArtifactDouble } from "./support/codeartifactDouble";
import { S3TestServer, startS3Server } from "./support/s3Server";

process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
process.env.AWS_REGION = "us-west-2";
process.env.AWS_EC2_METADATA_DISABLED = "true";
for (const name of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]) delete process.env[name];

const FAKE_TOKEN = "FAKE-TOKEN+int/egration=";
const BUCKET = "airflow-test-bucket";
const KEY = "dags/codeartifact.txt";
const PREVIOUS = "--index-url https://aws:previous@example.invalid/pypi/r/simple/\n";
const KMS_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/** Every test fails instead of hanging if something never answers. */
const T = { timeout: 20_000 };
const EXPECTED_BODY = `--index-url https://aws:${encodeURIComponent(FAKE_TOKEN)}@my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/simple/\n`;

interface Rig {
    readonly s3: S3TestServer;
    readonly ca: CodeArtifactDouble;
    /** Direct (unrecorded, fault-free) client for arranging and reading back. */
    readonly direct: S3Client;
    readonly env: Record<string, string>;
    /** Runs the handler, capturing what it writes to stdout. */
    invoke(handler: () => Promise<unknown>): Promise<{ result?: unknown; error?: Error; stdout: string[] }>;
    body(): Promise<string>;
}

/**
 * Starts s3rver (+ recording proxy) and the CodeArtifact double, points the SDK at
 * them, runs `fn`, and always stops everything, also when the test times out
 * (t.signal aborts: closing the servers destroys hung sockets so the process exits).
 */
async function withRig(t: TestContext, fn: (rig: Rig) => Promise<void>, behavior: Partial<CodeArtifactBehavior> = {}): Promise<void> {
    const s3 = await startS3Server({ buckets: [BUCKET] });
    const ca = await startCodeArtifactDouble({ token: FAKE_TOKEN, ...behavior });
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.AWS_ENDPOINT_URL_CODEARTIFACT = ca.endpoint;
    const direct = new S3Client({ endpoint: s3.directEndpoint, region: "us-west-2", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    const env = {
        [ENV.domain]: "my-domain", [ENV.domainOwner]: "111122223333", [ENV.repository]: "my-repo",
        [ENV.region]: "us-west-2", [ENV.bucket]: BUCKET, [ENV.key]: KEY, [ENV.durationSeconds]: "3600",
        [ENV.metricNamespace]: "Test/Integration", [ENV.indexOption]: "index-url",
        // Node's fetch in this process cannot trust a local index's certificate: the check runs in
        // the packaged function's child (artifact.test.ts) and on the engine; here it is off.
        [ENV.indexCheck]: "none",
    };
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new Error("test aborted (timeout?)"));
        t.signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const rig: Rig = {
        s3, ca, direct, env,
        async invoke(handler) {
            const stdout: string[] = [];
            const original = process.stdout.write.bind(process.stdout);
            process.stdout.write = ((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
            try {
                return { result: await Promise.race([handler(), aborted]), stdout };
            } catch (err) {
                return { error: err as Error, stdout };
            } finally {
                process.stdout.write = original;
            }
        },
        async body() {
            const got = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
            return got.Body!.transformToString();
        },
    };
    try {
        await Promise.race([fn(rig), aborted]);
    } finally {
        t.signal.removeEventListener("abort", onAbort);
        direct.destroy();
        delete process.env.AWS_ENDPOINT_URL_S3;
        delete process.env.AWS_ENDPOINT_URL_CODEARTIFACT;
        await ca.close();
        await s3.close();
    }
}

async function putPrevious(rig: Rig): Promise<void> {
    await rig.direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: PREVIOUS, ContentType: "text/plain; charset=utf-8" }));
}

function assertCleanFailure(outcome: { error?: Error; stdout: string[] }, message: RegExp): Error {
    assert.ok(outcome.error instanceof Error, "handler should have rejected");
    assert.match(outcome.error.message, message);
    assert.ok(!outcome.error.message.includes(FAKE_TOKEN) && !outcome.error.message.includes(encodeURIComponent(FAKE_TOKEN)));
    assert.deepEqual(outcome.stdout, [], "no metric on failure");
    return outcome.error;
}

test("writes the token file, readable back with its metadata", T, async (t) => {
    await withRig(t, async (rig) => {
        const before = Date.now();
        const outcome = await rig.invoke(createHandler(rig.env));
        assert.equal(outcome.error, undefined);
        assert.equal(await rig.body(), EXPECTED_BODY);
        const head = await rig.direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
        assert.equal(head.ContentType, "text/plain; charset=utf-8");
        assert.equal(head.CacheControl, "no-store");
        assert.deepEqual(Object.keys(head.Metadata ?? {}).sort(), ["refreshed-at", "token-expires-at"]);
        const expires = Date.parse(head.Metadata!["token-expires-at"]);
        assert.ok(expires >= before + 3599_000 && expires <= Date.now() + 3600_000, `expiry ${head.Metadata!["token-expires-at"]}`);
        assert.deepEqual(outcome.result, {
            bucket: BUCKET, key: KEY, endpoint: "https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/",
            expiresAt: head.Metadata!["token-expires-at"], secondsLeft: (outcome.result as { secondsLeft: number }).secondsLeft,
            indexCheck: "off",
        });
    });
});

test("prints one EMF line to stdout and never the token", T, async (t) => {
    await withRig(t, async (rig) => {
        const outcome = await rig.invoke(createHandler(rig.env));
        assert.equal(outcome.stdout.length, 1);
        assert.ok(!outcome.stdout[0].includes(FAKE_TOKEN) && !outcome.stdout[0].includes(encodeURIComponent(FAKE_TOKEN)));
        const emf = JSON.parse(outcome.stdout[0]) as Record<string, unknown>;
        assert.ok(Number(emf[METRIC_NAME]) > 3590 && Number(emf[METRIC_NAME]) <= 3600, String(emf[METRIC_NAME]));
    });
});

test("calls CodeArtifact with the configured domain, owner, duration and pypi format, signed for the region", T, async (t) => {
    await withRig(t, async (rig) => {
        await rig.invoke(createHandler(rig.env));
        const token = rig.ca.requests.find((r) => r.operation === "GetAuthorizationToken");
        const endpoint = rig.ca.requests.find((r) => r.operation === "GetRepositoryEndpoint");
        assert.deepEqual(token?.query, { domain: "my-domain", "domain-owner": "111122223333", duration: "3600" });
        assert.deepEqual(endpoint?.query, { domain: "my-domain", "domain-owner": "111122223333", repository: "my-repo", format: "pypi" });
        assert.match(String(token?.headers.authorization), /Credential=test\/\d{8}\/us-west-2\/codeartifact\/aws4_request/);
    });
});

test("sends x-amz-server-side-encryption: AES256 without a KMS key (path-style request)", T, async (t) => {
    await withRig(t, async (rig) => {
        await rig.invoke(createHandler(rig.env));
        const sent = rig.s3.sentHeaders("PUT", `/${BUCKET}/${KEY}`);
        assert.equal(sent.length, 1);
        assert.equal(sent[0]["x-amz-server-side-encryption"], "AES256");
        assert.equal(sent[0]["x-amz-server-side-encryption-aws-kms-key-id"], undefined);
    });
});

test("sends aws:kms and the key id when KMS_KEY_ARN is set", T, async (t) => {
    await withRig(t, async (rig) => {
        const outcome = await rig.invoke(createHandler({ ...rig.env, [ENV.kmsKeyArn]: KMS_ARN }));
        assert.equal(outcome.error, undefined);
        const sent = rig.s3.sentHeaders("PUT", `/${BUCKET}/${KEY}`);
        assert.equal(sent[0]["x-amz-server-side-encryption"], "aws:kms");
        assert.equal(sent[0]["x-amz-server-side-encryption-aws-kms-key-id"], KMS_ARN);
    });
});

for (const [status, errorType] of [[429, "ThrottlingException"], [503, "ServiceUnavailableException"]] as const) {
    test(`retries a CodeArtifact ${status} ${errorType} and succeeds`, T, async (t) => {
        await withRig(t, async (rig) => {
            rig.ca.setBehavior({ faults: [{ operation: "GetAuthorizationToken", status, errorType, times: 1 }] });
            const outcome = await rig.invoke(createHandler(rig.env));
            assert.equal(outcome.error, undefined);
            assert.deepEqual(rig.ca.requests.filter((r) => r.operation === "GetAuthorizationToken").map((r) => r.outcome), [status, 200]);
            assert.equal(await rig.body(), EXPECTED_BODY);
        });
    });
}

test("a hanging CodeArtifact fails cleanly within the request timeout, leaving the previous file", T, async (t) => {
    await withRig(t, async (rig) => {
        await putPrevious(rig);
        rig.ca.setBehavior({ faults: [{ operation: "GetAuthorizationToken", hang: true, times: Infinity }] });
        const started = Date.now();
        const outcome = await rig.invoke(createHandler(rig.env, { requestTimeoutMs: 300 }));
        const elapsed = Date.now() - started;
        assertCleanFailure(outcome, /^CodeArtifact GetAuthorizationToken failed: TimeoutError: .*300 ms requestTimeout/);
        assert.ok(elapsed < 8000, `took ${elapsed} ms`);
        assert.equal(rig.ca.requests.filter((r) => r.outcome === "hang").length, 4, "4 attempts");
        assert.equal(await rig.body(), PREVIOUS);
    });
});

test("CodeArtifact 403 AccessDeniedException names the permission and leaves the previous file", T, async (t) => {
    await withRig(t, async (rig) => {
        await putPrevious(rig);
        rig.ca.setBehavior({ faults: [{ operation: "GetAuthorizationToken", status: 403, errorType: "AccessDeniedException", times: Infinity,
            message: "User: arn:aws:sts::111122223333:assumed-role/fn/x is not authorized to perform: codeartifact:GetAuthorizationToken" }] });
        const outcome = await rig.invoke(createHandler(rig.env));
        const err = assertCleanFailure(outcome, /missing permission codeartifact:GetAuthorizationToken on domain my-domain/);
        assert.equal((err.cause as Error).name, "AccessDeniedException");
        assert.equal(rig.ca.requests.filter((r) => r.operation === "GetAuthorizationToken").length, 1, "not retried");
        assert.equal(rig.s3.sentHeaders("PUT").length, 0);
        assert.equal(await rig.body(), PREVIOUS);
    });
});

for (const [status, code] of [[500, "InternalError"], [503, "SlowDown"]] as const) {
    test(`S3 ${status} ${code} on every attempt fails and leaves the previous file`, T, async (t) => {
        await withRig(t, async (rig) => {
            await putPrevious(rig);
            rig.s3.injectFault({ method: "PUT", status, code, times: Infinity });
            const outcome = await rig.invoke(createHandler(rig.env));
            const err = assertCleanFailure(outcome, new RegExp(`^S3 PutObject to s3://${BUCKET}/${KEY} failed: ${code} \\(HTTP ${status}\\)`));
            assert.equal((err.cause as Error).name, code);
            assert.equal(rig.s3.requests.filter((r) => r.method === "PUT" && r.injected).length, 4, "4 attempts");
            assert.equal(await rig.body(), PREVIOUS);
        });
    });
}

test("S3 AccessDenied names s3:PutObject on the object and leaves the previous file", T, async (t) => {
    await withRig(t, async (rig) => {
        await putPrevious(rig);
        rig.s3.injectFault({ method: "PUT", status: 403, code: "AccessDenied", message: "Access Denied", times: Infinity });
        const outcome = await rig.invoke(createHandler(rig.env));
        assertCleanFailure(outcome, new RegExp(`missing permission s3:PutObject on s3://${BUCKET}/${KEY}`));
        assert.equal(rig.s3.requests.filter((r) => r.method === "PUT").length, 1, "not retried");
        assert.equal(await rig.body(), PREVIOUS);
    });
});

test("S3 KMS AccessDenied names kms:GenerateDataKey", T, async (t) => {
    await withRig(t, async (rig) => {
        rig.s3.injectFault({ method: "PUT", status: 403, code: "AccessDenied", times: Infinity,
            message: `User: arn:aws:sts::111122223333:assumed-role/fn/x is not authorized to perform: kms:GenerateDataKey on resource: ${KMS_ARN}` });
        const outcome = await rig.invoke(createHandler({ ...rig.env, [ENV.kmsKeyArn]: KMS_ARN }));
        assertCleanFailure(outcome, /missing permission kms:GenerateDataKey on arn:aws:kms:/);
    });
});

test("one transient S3 500 is retried and the file is written", T, async (t) => {
    await withRig(t, async (rig) => {
        rig.s3.injectFault({ method: "PUT", status: 500, code: "InternalError", times: 1 });
        const outcome = await rig.invoke(createHandler(rig.env));
        assert.equal(outcome.error, undefined);
        assert.deepEqual(rig.s3.requests.filter((r) => r.method === "PUT").map((r) => r.outcome), [500, 200]);
        assert.equal(await rig.body(), EXPECTED_BODY);
    });
});

test("five concurrent invocations leave a valid file", T, async (t) => {
    await withRig(t, async (rig) => {
        const handler = createHandler(rig.env);
        const outcome = await rig.invoke(() => Promise.all([handler(), handler(), handler(), handler(), handler()]));
        assert.equal(outcome.error, undefined);
        assert.equal(outcome.stdout.length, 5);
        assert.equal(rig.s3.sentHeaders("PUT", `/${BUCKET}/${KEY}`).length, 5);
        assert.equal(await rig.body(), EXPECTED_BODY);
    });
});

test("the deploy-time invocation (source pulumi-up) waits out a denial while IAM propagates; a scheduled one does not", T, async (t) => {
    await withRig(t, async (rig) => {
        const denial = { operation: "GetAuthorizationToken", status: 403, errorType: "AccessDeniedException", times: 1,
            message: "User: arn:aws:sts::111122223333:assumed-role/fn/x is not authorized to perform: codeartifact:GetAuthorizationToken" } as const;
        const handler = createHandler(rig.env);
        rig.ca.setBehavior({ faults: [denial] });
        const scheduled = await rig.invoke(() => handler({ source: "schedule" }));
        assertCleanFailure(scheduled, /missing permission codeartifact:GetAuthorizationToken/);
        rig.ca.setBehavior({ faults: [denial] });
        const deploy = await rig.invoke(() => handler({ source: "pulumi-up" }));
        assert.equal(deploy.error, undefined);
        assert.deepEqual(rig.ca.requests.filter((r) => r.operation === "GetAuthorizationToken").map((r) => r.outcome), [403, 403, 200]);
        assert.match(deploy.stdout[0], /^Attempt 1 was denied; retrying in 5 s/);
        assert.equal(await rig.body(), EXPECTED_BODY);
    });
});

test("createHandler throws at init, naming the invalid variables, before any request", T, async (t) => {
    await withRig(t, (rig) => {
        assert.throws(() => createHandler({ ...rig.env, [ENV.bucket]: undefined, [ENV.indexOption]: "bogus" }),
            /TOKEN_BUCKET is missing; INDEX_OPTION must be a valid indexOption: \^\(index-url\|extra-index-url\)\$/);
        assert.equal(rig.ca.requests.length, 0);
        assert.equal(rig.s3.requests.length, 0);
        return Promise.resolve();
    });
});
