import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { mockClient } from "aws-sdk-client-mock";
import {
    AccessDeniedException,
    CodeartifactClient,
    GetAuthorizationTokenCommand,
    GetRepositoryEndpointCommand,
} from "@aws-sdk/client-codeartifact";
import { PutObjectCommand, PutObjectCommandInput, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import {
    METRIC_DIMENSION,
    METRIC_NAME,
    RefreshConfig,
    readRefreshConfig,
    refreshRequest,
    RefreshRequest,
    RefreshResult,
    RefreshDeps,
    refreshToken,
    refreshWaitingForIam,
    renderTokenFile,
} from "../functions/refresh";
import { ENV, NAME_RULES, WIRE, type IndexOption } from "../functions/contract";
import { IAM_PROPAGATION_RETRY_DELAY_MS, IAM_PROPAGATION_WAIT_MS } from "../functions/limits";

// Recognisable fake token: must never leak into an error message or a log line.
const FAKE_TOKEN = "FAKE-TOKEN-c0ffee-do-not-leak";
const NOW = Date.parse("2030-01-01T00:00:00.000Z");
const ENDPOINT = "https://your_domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/your_repo/";
const KMS_ARN = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROLE_ARN = "arn:aws:iam::111122223333:role/mwaa-codeartifact-dev-role-abc1234";

const CONFIG: RefreshConfig = {
    domain: "your_domain",
    domainOwner: "111122223333",
    repository: "your_repo",
    region: "us-west-2",
    durationSeconds: 43200,
    bucket: "airflow-test-bucket",
    key: "dags/codeartifact.txt",
    indexOption: "index-url",
    metricNamespace: "Test/CodeArtifactToken",
    // The index check has its own suite (indexCheck.test.ts); here it is off unless a test turns it on.
    indexCheck: "none",
};

function mockBoth(clients: { codeartifact: CodeartifactClient; s3: S3Client }) {
    return { ca: mockClient(clients.codeartifact), s3: mockClient(clients.s3) };
}

interface Setup extends ReturnType<typeof mockBoth> {
    readonly clients: { codeartifact: CodeartifactClient; s3: S3Client };
    readonly logs: string[];
    run(config?: Partial<RefreshConfig>): ReturnType<typeof refreshToken>;
    puts(): PutObjectCommandInput[];
}

/** Fresh, per-test mocked clients answering successfully unless overridden. */
function setup(opts: { token?: string; expiration?: Date | undefined; endpoint?: string } = {}): Setup {
    const clients = { codeartifact: new CodeartifactClient({ region: "us-west-2" }), s3: new S3Client({ region: "us-west-2" }) };
    const { ca, s3 } = mockBoth(clients);
    ca.on(GetAuthorizationTokenCommand).resolves({
        authorizationToken: "token" in opts ? opts.token : FAKE_TOKEN,
        expiration: "expiration" in opts ? opts.expiration : new Date(NOW + 43200 * 1000),
    });
    ca.on(GetRepositoryEndpointCommand).resolves({ repositoryEndpoint: opts.endpoint ?? ENDPOINT });
    s3.on(PutObjectCommand).resolves({ ETag: '"etag"', VersionId: "v1" });
    const logs: string[] = [];
    return {
        clients, ca, s3, logs,
        run: (config = {}) => refreshToken(clients, { ...CONFIG, ...config }, { now: () => NOW, log: (l) => logs.push(l) }),
        puts: () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input),
    };
}

/** The Body of the first PutObject, which must be a string. */
function firstBody(s: Setup): string {
    const body = s.puts()[0]?.Body;
    assert.equal(typeof body, "string");
    return body as string;
}

function assertNoToken(text: string, token = FAKE_TOKEN): void {
    assert.ok(!text.includes(token), `token leaked into: ${text}`);
    assert.ok(!text.includes(encodeURIComponent(token)), `encoded token leaked into: ${text}`);
}

/** Runs a failing refresh: checks the message, that nothing was written or logged, and that the token did not leak. */
async function assertFailsWithoutWriting(s: Setup, message: RegExp, config: Partial<RefreshConfig> = {}, token = FAKE_TOKEN): Promise<Error> {
    const err = await s.run(config).then(
        () => assert.fail("refreshToken should have rejected"),
        (e: unknown) => e as Error,
    );
    assert.ok(err instanceof Error);
    assert.match(err.message, message);
    assertNoToken(err.message, token);
    assertNoToken(String(err.stack), token);
    assert.equal(s.s3.commandCalls(PutObjectCommand).length, 0, "PutObject must not be called");
    assert.deepEqual(s.logs, [], "nothing must be logged on failure");
    return err;
}

// ---- content -------------------------------------------------------------

test("writes the exact --index-url line", async () => {
    const s = setup();
    await s.run();
    assert.equal(s.puts()[0]?.Body, `--index-url https://aws:${FAKE_TOKEN}@your_domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/your_repo/simple/\n`);
});

test("writes the exact --extra-index-url line when configured", async () => {
    const s = setup();
    await s.run({ indexOption: "extra-index-url" });
    assert.equal(s.puts()[0]?.Body, `--extra-index-url https://aws:${FAKE_TOKEN}@your_domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/your_repo/simple/\n`);
});

test("URL-encodes a token containing + / =", async () => {
    const s = setup({ token: "ab+cd/ef==" });
    await s.run();
    assert.equal(s.puts()[0]?.Body, "--index-url https://aws:ab%2Bcd%2Fef%3D%3D@your_domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/your_repo/simple/\n");
});

test("puts exactly one slash before simple/ whatever the endpoint's trailing slashes", () => {
    for (const endpoint of ["https://h.example.com/pypi/r", "https://h.example.com/pypi/r/", "https://h.example.com/pypi/r//"]) {
        assert.equal(renderTokenFile("index-url", "t", endpoint), "--index-url https://aws:t@h.example.com/pypi/r/simple/\n", endpoint);
    }
});

test("renderTokenFile refuses any option but the two pip index options", () => {
    assert.throws(() => renderTokenFile("find-links" as IndexOption, "t", ENDPOINT), /^Error: Invalid index option "find-links"$/);
});

test("rendered URL decodes back to the token for any printable ASCII token (property)", () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 200 });
    fc.assert(fc.property(printable, (token) => {
        const line = renderTokenFile("index-url", token, ENDPOINT);
        const url = new URL(line.slice("--index-url ".length, -1));
        assert.equal(url.username, "aws");
        assert.equal(decodeURIComponent(url.password), token);
        assert.equal(url.pathname, "/pypi/your_repo/simple/");
    }));
});

test("uses the endpoint returned by CodeArtifact, not a hand-built one", async () => {
    const s = setup({ endpoint: "https://other-999988887777.d.codeartifact.eu-west-1.amazonaws.com/pypi/elsewhere/" });
    const result = await s.run();
    assert.match(firstBody(s), /@other-999988887777\.d\.codeartifact\.eu-west-1\.amazonaws\.com\/pypi\/elsewhere\/simple\/\n$/);
    assert.equal(result.endpoint, "https://other-999988887777.d.codeartifact.eu-west-1.amazonaws.com/pypi/elsewhere/");
});

test("requests the token with domain, owner and duration", async () => {
    const s = setup({ expiration: new Date(NOW + 3600 * 1000) });
    await s.run({ durationSeconds: 3600 });
    assert.deepEqual(s.ca.commandCalls(GetAuthorizationTokenCommand).map((c) => c.args[0].input),
        [{ domain: "your_domain", domainOwner: "111122223333", durationSeconds: 3600 }]);
});

test("requests the pypi repository endpoint", async () => {
    const s = setup();
    await s.run();
    assert.deepEqual(s.ca.commandCalls(GetRepositoryEndpointCommand).map((c) => c.args[0].input),
        [{ domain: "your_domain", domainOwner: "111122223333", repository: "your_repo", format: "pypi" }]);
});

// ---- object attributes ---------------------------------------------------

test("puts with AES256, content type, no-store and expiry metadata when no KMS key is set", async () => {
    const s = setup();
    await s.run();
    const put = s.puts();
    assert.equal(put.length, 1);
    const { Body: body, ...attrs } = put[0];
    assert.equal(typeof body, "string");
    assert.deepEqual(attrs, {
        Bucket: "airflow-test-bucket",
        Key: "dags/codeartifact.txt",
        ContentType: "text/plain; charset=utf-8",
        CacheControl: "no-store",
        ServerSideEncryption: "AES256",
        Metadata: { "token-expires-at": "2030-01-01T12:00:00.000Z", "refreshed-at": "2030-01-01T00:00:00.000Z" },
    });
});

test("puts with aws:kms and the key ARN when a KMS key is set", async () => {
    const s = setup();
    await s.run({ kmsKeyArn: KMS_ARN });
    const put = s.puts()[0];
    assert.equal(put.ServerSideEncryption, "aws:kms");
    assert.equal(put.SSEKMSKeyId, KMS_ARN);
});

test("the token appears only in the body of the PutObject request", async () => {
    const s = setup();
    await s.run({ kmsKeyArn: KMS_ARN });
    assert.ok(firstBody(s).includes(FAKE_TOKEN));
    assertNoToken(JSON.stringify({ ...s.puts()[0], Body: undefined }));
});

test("returns the result without the token", async () => {
    const s = setup();
    const result = await s.run();
    assert.deepEqual(result, {
        bucket: "airflow-test-bucket",
        key: "dags/codeartifact.txt",
        endpoint: ENDPOINT,
        expiresAt: "2030-01-01T12:00:00.000Z",
        secondsLeft: 43200,
        versionId: "v1",
        indexCheck: "off",
    });
    assertNoToken(JSON.stringify(result));
});

// ---- validation: nothing is written --------------------------------------

test("empty token: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ token: "" }), /empty authorization token/);
});

test("missing token: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ token: undefined }), /empty authorization token/);
});

test("token containing whitespace: nothing written, token not quoted", async () => {
    const token = `${FAKE_TOKEN} tail`;
    await assertFailsWithoutWriting(setup({ token }), /whitespace, control or non-ASCII/, {}, FAKE_TOKEN);
});

test("token with a trailing newline: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ token: `${FAKE_TOKEN}\n` }), /whitespace, control or non-ASCII/);
});

test("token containing a control character: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ token: `${FAKE_TOKEN}\u0007` }), /whitespace, control or non-ASCII/);
});

test("missing expiration: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ expiration: undefined }), /no valid token expiration/);
});

test("invalid expiration date: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ expiration: new Date(Number.NaN) }), /no valid token expiration/);
});

test("expiration in the past: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ expiration: new Date(NOW - 1000) }), /already expired at 2029-12-31T23:59:59\.000Z/);
});

test("expiration equal to now: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ expiration: new Date(NOW) }), /already expired/);
});

test("expiration beyond the requested duration plus skew: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ expiration: new Date(NOW + (3600 + 301) * 1000) }),
        /later than the requested 3600 s/, { durationSeconds: 3600 });
});

test("expiration within the clock-skew allowance is accepted", async () => {
    const s = setup({ expiration: new Date(NOW + (3600 + 299) * 1000) });
    const result = await s.run({ durationSeconds: 3600 });
    assert.equal(result.secondsLeft, 3899);
});

test("expiration exactly at the requested duration plus skew is accepted", async () => {
    const s = setup({ expiration: new Date(NOW + (3600 + 300) * 1000) });
    const result = await s.run({ durationSeconds: 3600 });
    assert.equal(result.secondsLeft, 3900);
});

test("http (non-https) endpoint: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ endpoint: "http://d-1.d.codeartifact.us-west-2.amazonaws.com/pypi/r/" }), /not a plain https URL/);
});

test("endpoint that is not a URL: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ endpoint: "not a url" }), /not a plain https URL: "not a url"/);
});

test("endpoint carrying credentials: nothing written", async () => {
    await assertFailsWithoutWriting(setup({ endpoint: "https://user:pw@h.example.com/pypi/r/" }), /not a plain https URL/);
});

test("no endpoint returned: nothing written", async () => {
    const s = setup();
    s.ca.on(GetRepositoryEndpointCommand).resolves({});
    await assertFailsWithoutWriting(s, /not a plain https URL: ""$/);
});

// ---- AWS errors ----------------------------------------------------------

function codeartifactDenied(action: string): AccessDeniedException {
    return new AccessDeniedException({
        message: `User: arn:aws:sts::111122223333:assumed-role/fn/x is not authorized to perform: ${action}`,
        $metadata: { httpStatusCode: 403 },
    });
}

function s3Error(name: string, message: string, status: number): S3ServiceException {
    return new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", message, $metadata: { httpStatusCode: status } });
}

test("AccessDenied on GetAuthorizationToken names codeartifact:GetAuthorizationToken on the domain", async () => {
    const s = setup();
    const denied = codeartifactDenied("codeartifact:GetAuthorizationToken");
    s.ca.on(GetAuthorizationTokenCommand).rejects(denied);
    const err = await assertFailsWithoutWriting(s, /missing permission codeartifact:GetAuthorizationToken on domain your_domain/);
    assert.equal(err.cause, denied);
});

test("AccessDenied for sts:GetServiceBearerToken names that permission", async () => {
    const s = setup();
    s.ca.on(GetAuthorizationTokenCommand).rejects(codeartifactDenied("sts:GetServiceBearerToken on resource: arn:aws:sts::111122223333:x"));
    await assertFailsWithoutWriting(s, /missing permission sts:GetServiceBearerToken/);
});

test("AccessDenied on GetRepositoryEndpoint names codeartifact:GetRepositoryEndpoint on the repository", async () => {
    const s = setup();
    const denied = codeartifactDenied("codeartifact:GetRepositoryEndpoint");
    s.ca.on(GetRepositoryEndpointCommand).rejects(denied);
    const err = await assertFailsWithoutWriting(s, /missing permission codeartifact:GetRepositoryEndpoint on repository your_repo in domain your_domain/);
    assert.equal(err.cause, denied);
});

test("AccessDenied on PutObject names s3:PutObject on the object", async () => {
    const s = setup();
    const denied = s3Error("AccessDenied", "Access Denied", 403);
    s.s3.on(PutObjectCommand).rejects(denied);
    const err = await s.run().then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, /missing permission s3:PutObject on s3:\/\/airflow-test-bucket\/dags\/codeartifact\.txt/);
    assert.equal(err.cause, denied);
    assertNoToken(err.message);
    assert.deepEqual(s.logs, []);
});

test("S3 AccessDenied mentioning KMS names kms:GenerateDataKey on the key", async () => {
    const s = setup();
    s.s3.on(PutObjectCommand).rejects(s3Error("AccessDenied",
        `User: arn:aws:sts::111122223333:assumed-role/fn/x is not authorized to perform: kms:GenerateDataKey on resource: ${KMS_ARN}`, 403));
    const err = await s.run({ kmsKeyArn: KMS_ARN }).then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, new RegExp(`missing permission kms:GenerateDataKey on ${KMS_ARN.replace(/[/]/g, "\\/")}`));
    assertNoToken(err.message);
});

test("KMS.AccessDeniedException on PutObject names kms:GenerateDataKey", async () => {
    const s = setup();
    s.s3.on(PutObjectCommand).rejects(s3Error("KMS.AccessDeniedException", "denied", 403));
    const err = await s.run().then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, /missing permission kms:GenerateDataKey on the bucket's KMS key/);
});

test("other S3 errors are rethrown with the action, code and status", async () => {
    const s = setup();
    const boom = s3Error("InternalError", "We encountered an internal error. Please try again.", 500);
    s.s3.on(PutObjectCommand).rejects(boom);
    const err = await s.run().then(() => assert.fail("should reject"), (e: Error) => e);
    assert.equal(err.message, "S3 PutObject to s3://airflow-test-bucket/dags/codeartifact.txt failed: InternalError (HTTP 500): We encountered an internal error. Please try again.");
    assert.equal(err.cause, boom);
    assert.deepEqual(s.logs, []);
});

test("an S3 error message echoing the token is redacted", async () => {
    const s = setup({ token: "ab+cd/ef==" });
    s.s3.on(PutObjectCommand).rejects(s3Error("InvalidRequest", "bad body --index-url https://aws:ab%2Bcd%2Fef%3D%3D@x and ab+cd/ef==", 400));
    const err = await s.run().then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, /InvalidRequest/);
    assertNoToken(err.message, "ab+cd/ef==");
});

test("a CodeArtifact non-access error is rethrown with operation and code", async () => {
    const s = setup();
    s.ca.on(GetRepositoryEndpointCommand).rejects(Object.assign(new Error("Repository not found"), { name: "ResourceNotFoundException", $metadata: { httpStatusCode: 404 } }));
    await assertFailsWithoutWriting(s, /^CodeArtifact GetRepositoryEndpoint failed: ResourceNotFoundException \(HTTP 404\): Repository not found$/);
});

test("an error without a name, code or HTTP status is rethrown as Error, its text verbatim", async () => {
    const s = setup();
    // A failure below the SDK's error parsing (a TypeError, a socket error) has no $metadata; the text may say "undefined".
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a rejection that is not an Error
    s.ca.on(GetRepositoryEndpointCommand).callsFake(() => Promise.reject({ message: "Cannot read properties of undefined (reading 'x')" }));
    await assertFailsWithoutWriting(s,
        /^CodeArtifact GetRepositoryEndpoint failed: Error: Cannot read properties of undefined \(reading 'x'\)$/);
});

test("a redacted token is shown as ***", async () => {
    const s = setup();
    s.s3.on(PutObjectCommand).rejects(s3Error("InvalidRequest", `bad token ${FAKE_TOKEN}.`, 400));
    const err = await s.run().then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, /: bad token \*\*\*\.$/);
});

test("a CodeArtifact denial mentioning KMS still names the CodeArtifact permission", async () => {
    const s = setup();
    s.ca.on(GetAuthorizationTokenCommand).rejects(codeartifactDenied("kms:Decrypt on the domain's key"));
    const err = await assertFailsWithoutWriting(s, /missing permission codeartifact:GetAuthorizationToken on domain your_domain/);
    assert.doesNotMatch(err.message, /missing permission kms:/);
});

// ---- metric --------------------------------------------------------------

test("emits exactly one EMF line with the seconds left", async () => {
    const s = setup({ expiration: new Date(NOW + 7200 * 1000 + 999) });
    await s.run({ durationSeconds: 7200 });
    assert.equal(s.logs.length, 1);
    const line = s.logs[0];
    assert.ok(!line.includes("\n"));
    assertNoToken(line);
    const emf = JSON.parse(line) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: unknown[] } };
    assert.equal(emf._aws.Timestamp, NOW);
    assert.deepEqual(emf._aws.CloudWatchMetrics[0], {
        Namespace: "Test/CodeArtifactToken",
        Dimensions: [[METRIC_DIMENSION]],
        Metrics: [{ Name: METRIC_NAME, Unit: "Seconds" }],
    });
    assert.equal(emf[METRIC_DIMENSION], "s3://airflow-test-bucket/dags/codeartifact.txt");
    assert.equal(emf[METRIC_NAME], 7200);
    assert.equal(emf["Repository"], "your_domain/your_repo");
    assert.deepEqual(Object.keys(emf).sort(), ["Repository", "TokenObject", "TokenSecondsLeft", "_aws"]);
});

test("metric and dimension names are the documented ones", () => {
    assert.equal(METRIC_NAME, "TokenSecondsLeft");
    assert.equal(METRIC_DIMENSION, "TokenObject");
});

test("by default the EMF line goes to stdout unprefixed, newline-terminated", async () => {
    const s = setup();
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
    });
    try {
        await refreshToken(s.clients, CONFIG, { now: () => NOW });
    } finally {
        process.stdout.write = original;
    }
    assert.equal(written.length, 1);
    assert.match(written[0], /^\{"_aws":.*\}\n$/);
    assertNoToken(written[0]);
});

// ---- configuration -------------------------------------------------------

const FULL_ENV = {
    [ENV.domain]: "my-domain",
    [ENV.domainOwner]: "111122223333",
    [ENV.repository]: "my-repo",
    [ENV.region]: "eu-west-1",
    [ENV.durationSeconds]: "3600",
    [ENV.bucket]: "airflow-my-env",
    [ENV.key]: "dags/token.txt",
    [ENV.indexOption]: "extra-index-url",
    [ENV.indexCheck]: "token",
    [ENV.roleArn]: ROLE_ARN,
    [ENV.kmsKeyArn]: KMS_ARN,
    [ENV.metricNamespace]: "My/Namespace",
};

test("readRefreshConfig reads every variable", () => {
    assert.deepEqual(readRefreshConfig(FULL_ENV), {
        domain: "my-domain", domainOwner: "111122223333", repository: "my-repo", region: "eu-west-1",
        durationSeconds: 3600, bucket: "airflow-my-env", key: "dags/token.txt", indexOption: "extra-index-url",
        kmsKeyArn: KMS_ARN, metricNamespace: "My/Namespace", indexCheck: "token", roleArn: ROLE_ARN,
    });
});

test("readRefreshConfig requires every variable the component writes, falls back to AWS_REGION, and takes no KMS key or role", () => {
    const optional: string[] = [ENV.region, ENV.kmsKeyArn, ENV.roleArn];
    const required = Object.fromEntries(Object.entries(FULL_ENV).filter(([name]) => !optional.includes(name)));
    const config = readRefreshConfig({ ...required, [ENV.kmsKeyArn]: "", AWS_REGION: "us-east-2" });
    assert.equal(config.region, "us-east-2");
    assert.ok(!("kmsKeyArn" in config) && !("roleArn" in config));
    for (const name of Object.keys(required)) {
        assert.throws(() => readRefreshConfig({ ...required, [name]: " ", AWS_REGION: "us-east-2" }),
            (err: Error) => err.message === `Invalid token refresh configuration: ${name} is missing`, name);
    }
});

test("readRefreshConfig trims values, the AWS_REGION fallback included; a blank KMS_KEY_ARN means no KMS key", () => {
    const config = readRefreshConfig({
        ...FULL_ENV, [ENV.domain]: " my-domain ", [ENV.domainOwner]: "111122223333\n",
        [ENV.region]: "  ", [ENV.kmsKeyArn]: " \t", AWS_REGION: " us-east-2 ",
    });
    assert.equal(config.domain, "my-domain");
    assert.equal(config.domainOwner, "111122223333");
    assert.equal(config.region, "us-east-2");
    assert.ok(!("kmsKeyArn" in config));
});

test("readRefreshConfig accepts the bounds and the longer region names", () => {
    const config = readRefreshConfig({ ...FULL_ENV, [ENV.durationSeconds]: "900", [ENV.region]: "us-gov-west-1" });
    assert.equal(config.durationSeconds, 900);
    assert.equal(config.region, "us-gov-west-1");
    assert.equal(readRefreshConfig({ ...FULL_ENV, [ENV.durationSeconds]: "43200" }).durationSeconds, 43200);
});

// Each value holds a valid one at its start or at its end, so a rule that is not anchored at both ends lets it through.
// The name rules' messages quote the contract's pattern (functions/contract.ts).
const named = (field: keyof typeof NAME_RULES) => `a valid ${field}: ${NAME_RULES[field]}`;
const REFUSED: ReadonlyArray<readonly [string, string, string]> = [
    [ENV.domain, named("domain"), "-my-domain"],
    [ENV.domain, named("domain"), "my-domain_"],
    [ENV.domainOwner, named("domainOwner"), "a111122223333"],
    [ENV.domainOwner, named("domainOwner"), "111122223333a"],
    [ENV.repository, named("repository"), "-my-repo"],
    [ENV.repository, named("repository"), "my-repo!"],
    [ENV.region, named("region"), "xeu-west-1"],
    [ENV.region, named("region"), "eu-west-12"],
    [ENV.bucket, named("bucket"), "-airflow-env"],
    [ENV.bucket, named("bucket"), "airflow-env-"],
    [ENV.key, named("key"), "/dags/token.txt"],
    [ENV.key, named("key"), `dags/${"k".repeat(1020)}`],
    [ENV.durationSeconds, "an integer number of seconds between 900 and 43200", "+3600"],
    [ENV.durationSeconds, "an integer number of seconds between 900 and 43200", "3600."],
    [ENV.kmsKeyArn, named("kmsKeyArn"), `x${KMS_ARN}`],
    [ENV.kmsKeyArn, named("kmsKeyArn"), `${KMS_ARN} other`],
    [ENV.metricNamespace, "a custom CloudWatch namespace", "My Namespace"],
    [ENV.indexCheck, named("indexCheck"), "tokens"],
    [ENV.indexCheck, named("indexCheck"), "xnone"],
];
for (const [name, rule, bad] of REFUSED) {
    test(`readRefreshConfig refuses ${name}=${bad.length > 40 ? `${bad.slice(0, 20)}... (${bad.length} characters)` : bad}`, () => {
        assert.throws(() => readRefreshConfig({ ...FULL_ENV, [name]: bad }),
            (err: Error) => err.message === `Invalid token refresh configuration: ${name} must be ${rule} (got ${JSON.stringify(bad)})`);
    });
}

test("readRefreshConfig lists the problems separated by semicolons", () => {
    assert.throws(() => readRefreshConfig({ ...FULL_ENV, [ENV.domainOwner]: "1234", [ENV.bucket]: "" }),
        (err: Error) => err.message === `Invalid token refresh configuration: CODEARTIFACT_DOMAIN_OWNER must be ${named("domainOwner")} (got "1234"); TOKEN_BUCKET is missing`);
});

test("readRefreshConfig names every missing variable in one error", () => {
    assert.throws(() => readRefreshConfig({}), (err: Error) => {
        for (const name of [ENV.domain, ENV.domainOwner, ENV.repository, ENV.bucket, ENV.region]) {
            assert.match(err.message, new RegExp(`${name} is missing`));
        }
        return true;
    });
});

for (const bad of ["abc", "100", "43201", "1.5", "-900"]) {
    test(`readRefreshConfig rejects ${ENV.durationSeconds}=${bad}`, () => {
        assert.throws(() => readRefreshConfig({ ...FULL_ENV, [ENV.durationSeconds]: bad }),
            new RegExp(`^Error: Invalid token refresh configuration: ${ENV.durationSeconds} must be an integer number of seconds between 900 and 43200 \\(got "${bad}"\\)$`));
    });
}

for (const bad of ["find-links", "--index-url", "index-url2", "Extra-Index-Url"]) {
    test(`readRefreshConfig rejects ${ENV.indexOption}=${bad}`, () => {
        assert.throws(() => readRefreshConfig({ ...FULL_ENV, [ENV.indexOption]: bad }),
            (err: Error) => err.message.endsWith(`INDEX_OPTION must be ${named("indexOption")} (got "${bad}")`));
    });
}

test("readRefreshConfig rejects a metric namespace in the reserved AWS/ space", () => {
    assert.throws(() => readRefreshConfig({ ...FULL_ENV, [ENV.metricNamespace]: "AWS/Lambda" }),
        /METRIC_NAMESPACE must be a custom CloudWatch namespace \(got "AWS\/Lambda"\)/);
});

test("readRefreshConfig rejects a malformed domain owner and KMS ARN together", () => {
    assert.throws(() => readRefreshConfig({ ...FULL_ENV, [ENV.domainOwner]: "1234", [ENV.kmsKeyArn]: "my-key" }),
        (err: Error) => err.message.includes(`CODEARTIFACT_DOMAIN_OWNER must be ${named("domainOwner")}`) && err.message.includes(`KMS_KEY_ARN must be ${named("kmsKeyArn")}`));
});

// ---------------------------------------------------------------------------------------------
// The deploy-time refresh waits out IAM propagation, and nothing else
// ---------------------------------------------------------------------------------------------

/** Runs refreshWaitingForIam on a fake clock that only sleep() advances. */
function runWaiting(s: Setup) {
    let clock = NOW;
    const sleeps: number[] = [];
    const result = refreshWaitingForIam(s.clients, CONFIG, {
        now: () => clock,
        log: (l) => s.logs.push(l),
        sleep: (ms) => {
            sleeps.push(ms);
            clock += ms;
            return Promise.resolve();
        },
    });
    return { result, sleeps, elapsed: () => clock - NOW };
}

test("deploy-time refresh: a role policy still propagating (first calls denied) succeeds without a rerun", async () => {
    const s = setup();
    s.ca.on(GetAuthorizationTokenCommand)
        .rejectsOnce(codeartifactDenied("codeartifact:GetAuthorizationToken"))
        .rejectsOnce(codeartifactDenied("codeartifact:GetAuthorizationToken"))
        .resolves({ authorizationToken: FAKE_TOKEN, expiration: new Date(NOW + 43200 * 1000 + 2 * IAM_PROPAGATION_RETRY_DELAY_MS) });
    const run = runWaiting(s);
    const result = await run.result;
    assert.equal(result.key, CONFIG.key);
    assert.deepEqual(run.sleeps, [IAM_PROPAGATION_RETRY_DELAY_MS, IAM_PROPAGATION_RETRY_DELAY_MS]);
    assert.equal(s.puts().length, 1);
    const retries = s.logs.filter((l) => l.startsWith("Attempt "));
    assert.equal(retries.length, 2);
    assert.match(retries[0], /^Attempt 1 was denied; retrying in 5 s .*missing permission codeartifact:GetAuthorizationToken/);
    for (const line of s.logs) assertNoToken(line);
});

test("deploy-time refresh: an S3 denial (policy not yet propagated to S3) is waited out too", async () => {
    const s = setup();
    s.s3.on(PutObjectCommand).rejectsOnce(s3Error("AccessDenied", "Access Denied", 403)).resolves({ VersionId: "v2" });
    const run = runWaiting(s);
    assert.equal((await run.result).versionId, "v2");
    assert.equal(run.sleeps.length, 1);
});

test("deploy-time refresh: a denial that outlasts the wait fails with the clear message and how long it waited", async () => {
    const s = setup();
    s.ca.on(GetAuthorizationTokenCommand).rejects(codeartifactDenied("codeartifact:GetAuthorizationToken"));
    const run = runWaiting(s);
    await assert.rejects(run.result, (err: Error) => {
        assert.match(err.message, /missing permission codeartifact:GetAuthorizationToken on domain your_domain/);
        assert.match(err.message, /still denied after 25 attempts over 120 s of waiting for IAM propagation/);
        return true;
    });
    assert.ok(run.elapsed() <= IAM_PROPAGATION_WAIT_MS, `waited ${run.elapsed()} ms`);
    assert.equal(s.puts().length, 0);
});

test("deploy-time refresh: the error after the wait keeps the last denial as its cause", async () => {
    const s = setup();
    s.ca.on(GetAuthorizationTokenCommand).rejects(codeartifactDenied("codeartifact:GetAuthorizationToken"));
    const err = await runWaiting(s).result.then(() => assert.fail("should reject"), (e: Error) => e);
    assert.ok(err.cause instanceof Error);
    assert.match(err.cause.message, /^CodeArtifact GetAuthorizationToken failed: access denied/);
    assert.ok(err.cause.cause instanceof AccessDeniedException);
});

test("the deploy event is the one docs/deploying.md documents", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "deploying.md"), "utf8");
    assert.ok(doc.includes(`event \`${JSON.stringify({ source: WIRE.deployEvent })}\``), "docs/deploying.md names the deploy event");
});

test("deploy-time refresh: any other error fails at once, unwrapped", async () => {
    const s = setup({ endpoint: "http://insecure.example.com/pypi/r/" });
    const run = runWaiting(s);
    await assert.rejects(run.result, /not a plain https URL/);
    assert.deepEqual(run.sleeps, []);
});

test("a scheduled refresh does not wait: a denial fails at once", async () => {
    const s = setup();
    s.ca.on(GetAuthorizationTokenCommand).rejectsOnce(codeartifactDenied("codeartifact:GetAuthorizationToken")).resolves({
        authorizationToken: FAKE_TOKEN, expiration: new Date(NOW + 43200 * 1000),
    });
    await assert.rejects(s.run(), /missing permission codeartifact:GetAuthorizationToken/);
    assert.equal(s.puts().length, 0);
});

// ---------------------------------------------------------------------------------------------
// The check against the repository's index, as the refresh uses it (its own rules: indexCheck.test.ts)
// ---------------------------------------------------------------------------------------------

interface FakeIndex {
    readonly fetch: NonNullable<RefreshDeps["fetch"]>;
    /** URL and Authorization header of every request. */
    readonly requests: { url: string; authorization: string }[];
}

/** An in-memory index: `status(url)` answers each URL; a 200 page lists `your_package-1.4.2`. */
function fakeIndex(status: (url: string) => number | Error): FakeIndex {
    const requests: { url: string; authorization: string }[] = [];
    return {
        requests,
        fetch: (url, init) => {
            requests.push({ url, authorization: init.headers.authorization });
            const answer = status(url);
            if (answer instanceof Error) return Promise.reject(answer);
            return Promise.resolve({ status: answer, text: () => Promise.resolve('<a href="f">your_package-1.4.2-py3-none-any.whl</a>') });
        },
    };
}

function runChecked(s: Setup, index: FakeIndex, request: RefreshRequest, config: Partial<RefreshConfig> = {}): Promise<RefreshResult> {
    return refreshToken(s.clients, { ...CONFIG, indexCheck: "requirements", roleArn: ROLE_ARN, ...config },
        { now: () => NOW, log: (l) => s.logs.push(l), sleep: () => Promise.resolve(), fetch: index.fetch }, request);
}

const SIMPLE = `${ENDPOINT}simple/`;
const REQUIREMENTS = [{ name: "your-package", pin: "1.4.2" }, { name: "Apache_Airflow" }];

test("deploy with index-url: the token and each requirement looked up before the write, the token only in the Basic auth header", async () => {
    const s = setup();
    const index = fakeIndex(() => 200);
    const result = await runChecked(s, index, { deploy: true, requirements: REQUIREMENTS });
    assert.equal(result.indexCheck, "token accepted; 2 requirements found");
    assert.deepEqual(index.requests.map((r) => r.url).sort(), [SIMPLE, `${SIMPLE}apache-airflow/`, `${SIMPLE}your-package/`]);
    const basic = `Basic ${Buffer.from(`aws:${FAKE_TOKEN}`).toString("base64")}`;
    assert.ok(index.requests.every((r) => r.authorization === basic));
    assertNoToken(index.requests.map((r) => r.url).join(" "));
    assertNoToken(JSON.stringify(result));
    assert.equal(s.puts().length, 1);
});

test("deploy with a missing requirement: nothing written, nothing logged, the requirement named", async () => {
    const s = setup();
    const index = fakeIndex((url) => (url.endsWith("/apache-airflow/") ? 404 : 200));
    const err = await runChecked(s, index, { deploy: true, requirements: REQUIREMENTS }).then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, /^1 of 2 requirements not found in CodeArtifact repository your_repo .*"Apache_Airflow": no such project\./);
    assert.equal(s.puts().length, 0);
    assert.deepEqual(s.logs, []);
});

test("the requirements are looked up only at deploy, with index-url and indexCheck requirements; otherwise the token alone", async () => {
    for (const [request, config] of [
        [{ deploy: false, requirements: REQUIREMENTS }, {}],
        [{ deploy: true, requirements: REQUIREMENTS }, { indexOption: "extra-index-url" }],
        [{ deploy: true, requirements: REQUIREMENTS }, { indexCheck: "token" }],
        [{ deploy: true, requirements: [] }, {}],
        [{ deploy: true }, {}],
    ] as [RefreshRequest, Partial<RefreshConfig>][]) {
        const s = setup();
        const index = fakeIndex((url) => (url === SIMPLE ? 200 : 404));
        const result = await runChecked(s, index, request, config);
        assert.equal(result.indexCheck, "token accepted", JSON.stringify([request, config]));
        assert.deepEqual(index.requests.map((r) => r.url), [SIMPLE]);
    }
});

test("indexCheck none: no request at all", async () => {
    const s = setup();
    const index = fakeIndex(() => 403);
    const result = await runChecked(s, index, { deploy: true, requirements: REQUIREMENTS }, { indexCheck: "none" });
    assert.equal(result.indexCheck, "off");
    assert.deepEqual(index.requests, []);
    assert.equal(s.puts().length, 1);
});

test("a scheduled refresh whose token the repository refuses fails, writes nothing, logs nothing, and names the permission", async () => {
    const s = setup();
    const err = await runChecked(s, fakeIndex(() => 403), { deploy: false }).then(() => assert.fail("should reject"), (e: Error) => e);
    assert.match(err.message, /^CodeArtifact repository your_repo \(domain your_domain, owner 111122223333\) refused the new token \(HTTP 403 .* codeartifact:ReadFromRepository/);
    assertNoToken(err.message);
    assertNoToken(String(err.stack));
    assert.equal(s.puts().length, 0);
    assert.deepEqual(s.logs, []);
});

test("a scheduled refresh that cannot reach the index writes the token anyway, and one log line says why", async () => {
    const s = setup();
    const result = await runChecked(s, fakeIndex(() => Object.assign(new TypeError("fetch failed"), { cause: { code: "ENOTFOUND" } })), { deploy: false });
    assert.equal(result.indexCheck, "not checked: index unreachable");
    assert.equal(s.puts().length, 1);
    assert.equal(s.logs[0], `Could not check the new token against ${SIMPLE}: fetch failed (ENOTFOUND) (3 attempts). ` +
        'If only MWAA can reach the repository (a policy limited to its VPC endpoint), set indexCheck to "none". ' +
        "Writing the token unchecked: only a refusal fails a scheduled refresh.");
    assert.equal(s.logs.length, 2, "then the metric line");
    assertNoToken(s.logs.join("\n"));
});

test("at deploy an unreachable index fails the refresh", async () => {
    const s = setup();
    await assert.rejects(runChecked(s, fakeIndex(() => 500), { deploy: true }), /^Error: Could not check the new token against .*: HTTP 500 \(3 attempts\)/);
    assert.equal(s.puts().length, 0);
});

test("deploy-time refresh: a refusal while the role policy propagates is retried like a denial, then the token is written", async () => {
    const s = setup();
    let answers = [403, 403];
    const index = fakeIndex(() => answers.shift() ?? 200);
    let clock = NOW;
    const sleeps: number[] = [];
    const result = await refreshWaitingForIam(s.clients, { ...CONFIG, indexCheck: "token" }, {
        now: () => clock, log: (l) => s.logs.push(l), fetch: index.fetch,
        sleep: (ms) => (sleeps.push(ms), clock += ms, Promise.resolve()),
    }, { deploy: true });
    assert.equal(result.indexCheck, "token accepted");
    assert.deepEqual(sleeps, [IAM_PROPAGATION_RETRY_DELAY_MS, IAM_PROPAGATION_RETRY_DELAY_MS]);
    assert.match(s.logs[0], /^Attempt 1 was denied; retrying in 5 s .*refused the new token \(HTTP 403/);
    answers = [];
});

test("the deploy event read as a request: its source, and requirements of the one allowed shape", () => {
    assert.deepEqual(refreshRequest({ source: WIRE.deployEvent }), { deploy: true });
    assert.deepEqual(refreshRequest({ source: WIRE.deployEvent, requirements: REQUIREMENTS }), { deploy: true, requirements: REQUIREMENTS });
    for (const event of [undefined, null, "pulumi-up", { source: "schedule", requirements: 1 }, {}]) {
        assert.deepEqual(refreshRequest(event), { deploy: false }, JSON.stringify(event));
    }
    for (const requirements of [1, [{}], [{ name: 1 }], [{ name: "x", pin: 1 }], ["x"], [null]]) {
        assert.throws(() => refreshRequest({ source: WIRE.deployEvent, requirements }),
            (err: Error) => err.message === 'Invalid deploy event: "requirements" must be a list of {"name": string, "pin"?: string}', JSON.stringify(requirements));
    }
});
