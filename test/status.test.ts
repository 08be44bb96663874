// `status` command against s3rver (behind the recording proxy): the real S3Client built by main(),
// pointed at the proxy through AWS_ENDPOINT_URL_S3, dummy credentials, region from the stack file.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { main, referencesTokenFile, StatusReport, tokenState } from "../tools/operate/status";
import { S3TestServer, startS3Server } from "./support/s3Server";

const BUCKET = "airflow-test-bucket";
const TOKEN_KEY = "dags/codeartifact.txt";
const SECRET = `eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.${"A1b2C3d4".repeat(20)}-SECRET`;
const TOKEN_BODY = `--index-url https://aws:${SECRET}@my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/simple/\n`;
const REQUIREMENTS = "-r /usr/local/airflow/dags/codeartifact.txt\napache-airflow-providers-snowflake\n";
const PLACEHOLDER = "# Placeholder written by Pulumi; the refresh function replaces it with a CodeArtifact index URL.\n";
const NOW = Date.parse("2030-01-01T12:00:00.000Z");
const HOUR = 3600_000;
const ROOT = path.resolve(__dirname, "../..");
const STATUS_JS = path.resolve(__dirname, "../tools/operate/status.js");

for (const name of ["AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_REGION", "AWS_DEFAULT_REGION"]) {
    delete process.env[name];
}
process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
process.env.AWS_EC2_METADATA_DISABLED = "true";

let s3: S3TestServer;
let direct: S3Client;
let project: string;

function stackFile(name: string, lines: string[], region: string | null = "us-west-2"): void {
    const regionLines = region === null ? [] : [`  aws:region: ${region}`];
    writeFileSync(path.join(project, `Pulumi.${name}.yaml`), ["config:", ...regionLines, ...lines.map((l) => `  ${l}`), ""].join("\n"));
}

before(async () => {
    s3 = await startS3Server({ buckets: [BUCKET] });
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    direct = new S3Client({ endpoint: s3.directEndpoint, region: "us-west-2", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    project = mkdtempSync(path.join(os.tmpdir(), "status-project-"));
    copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    const required = [`mwaa-codeartifact-token:bucket: ${BUCKET}`, "mwaa-codeartifact-token:domain: my-domain", "mwaa-codeartifact-token:repository: my-repo"];
    stackFile("test", required);
    stackFile("bad", ["mwaa-codeartifact-token:bucket: Not_A_Bucket", "mwaa-codeartifact-token:domain: my-domain", "mwaa-codeartifact-token:repository: my-repo"]);
    stackFile("nobucket", ["mwaa-codeartifact-token:bucket: no-such-bucket-here", "mwaa-codeartifact-token:domain: my-domain", "mwaa-codeartifact-token:repository: my-repo"]);
    stackFile("noregion", required, null);
    stackFile("custom", [
        ...required,
        'mwaa-codeartifact-token:dagsPrefix: "airflow/dags/"',
        "mwaa-codeartifact-token:tokenFileName: pip/token.txt",
        "mwaa-codeartifact-token:requirementsKey: airflow/requirements.txt",
        "mwaa-codeartifact-token:tokenDurationSeconds: 3600",
        "mwaa-codeartifact-token:refreshIntervalMinutes: 30",
    ]);
});

after(async () => {
    direct?.destroy();
    await s3?.close();
    if (project) rmSync(project, { recursive: true, force: true });
});

beforeEach(async () => {
    s3.clearFaults();
    const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    for (const o of listed.Contents ?? []) await direct.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: o.Key }));
});

async function putToken(opts: { expiresInMs?: number; refreshedAgoMs?: number; body?: string; metadata?: Record<string, string>; key?: string } = {}) {
    const metadata = opts.metadata ?? {
        "token-expires-at": new Date(NOW + (opts.expiresInMs ?? 10 * HOUR)).toISOString(),
        "refreshed-at": new Date(NOW - (opts.refreshedAgoMs ?? 2 * HOUR)).toISOString(),
    };
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: opts.key ?? TOKEN_KEY, Body: opts.body ?? TOKEN_BODY, Metadata: metadata }));
}

async function putRequirements(body = REQUIREMENTS, key = "requirements.txt") {
    await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    json(): StatusReport;
}

async function run(...args: string[]): Promise<Run> {
    return runWith(process.env, ...args);
}

async function runWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await main(["--cwd", project, ...args], {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        env,
        now: () => NOW,
    });
    assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET), "the token never appears in the output");
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    return { code, stdout, stderr, json: () => JSON.parse(stdout) as StatusReport };
}

function tokenGets(): string[] {
    return s3.requests.filter((r) => r.method === "GET" && r.url.split("?")[0].endsWith(`/${TOKEN_KEY}`)).map((r) => r.url);
}

test("fresh token: exit 0 and every JSON field", async () => {
    await putToken({ expiresInMs: 10 * HOUR, refreshedAgoMs: 2 * HOUR });
    await putRequirements();
    const r = await run("--stack", "test", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json(), {
        stack: "test",
        bucket: BUCKET,
        tokenKey: TOKEN_KEY,
        requirementsKey: "requirements.txt",
        refreshedAt: "2030-01-01T10:00:00.000Z",
        expiresAt: "2030-01-01T22:00:00.000Z",
        secondsLeft: 36000,
        state: "fresh",
        requirementsReferencesToken: true,
        scheduleExpression: "rate(4 hours)",
        refreshIntervalMinutes: 240,
    });
    assert.equal(r.stderr, "");
    assert.equal(r.stdout.trim().split("\n").length, 1, "one JSON object on one line");
    // The token file was checked with HEAD only; requirements.txt with GET.
    assert.ok(s3.requests.some((r) => r.method === "HEAD" && r.url.split("?")[0] === `/${BUCKET}/${TOKEN_KEY}`));
    assert.ok(s3.requests.some((r) => r.method === "GET" && r.url.split("?")[0] === `/${BUCKET}/requirements.txt`));
    assert.deepEqual(tokenGets(), []);
});

test("fresh token, text output", async () => {
    await putToken({ expiresInMs: 3 * HOUR + 12 * 60_000 + 30_000 + 4 * HOUR, refreshedAgoMs: 47 * 60_000 });
    await putRequirements();
    const r = await run("--stack", "test");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Token file: +s3:\/\/airflow-test-bucket\/dags\/codeartifact\.txt$/m);
    assert.match(r.stdout, /^Last refresh: +2030-01-01T11:13:00\.000Z \(47m ago\)$/m);
    assert.match(r.stdout, /^Time left: +7h 12m$/m);
    assert.match(r.stdout, /^State: +fresh$/m);
    assert.match(r.stdout, /^requirements\.txt: .* references \/usr\/local\/airflow\/dags\/codeartifact\.txt$/m);
    assert.match(r.stdout, /^Schedule: +rate\(4 hours\) \(every 240 minutes\)$/m);
    assert.deepEqual(tokenGets(), []);
});

test("stale token (1 h left, 4 h interval): exit 1", async () => {
    await putToken({ expiresInMs: HOUR });
    await putRequirements();
    const r = await run("--stack", "test");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^State: +stale$/m);
    assert.match(r.stdout, /^Time left: +1h 0m$/m);
    assert.match(r.stdout, /Less than one refresh interval \(4h 0m\) is left/);
    assert.match(r.stdout, /npm run refresh -- --stack test/);
    const j = await run("--stack", "test", "--json");
    assert.equal(j.code, 1);
    assert.equal(j.json().state, "stale");
    assert.equal(j.json().secondsLeft, 3600);
    assert.match(j.stderr, /Less than one refresh interval/, "advice goes to stderr in --json mode");
});

test("expired token: exit 1, negative secondsLeft", async () => {
    await putToken({ expiresInMs: -90 * 60_000 });
    await putRequirements();
    const r = await run("--stack", "test", "--json");
    assert.equal(r.code, 1);
    assert.equal(r.json().state, "expired");
    assert.equal(r.json().secondsLeft, -5400);
    assert.match(r.stderr, /expired 1h 30m ago/);
    const t = await run("--stack", "test");
    assert.match(t.stdout, /^Time left: +none \(expired 1h 30m ago\)$/m);
});

test("missing token file: exit 1, says it is missing", async () => {
    await putRequirements();
    const r = await run("--stack", "test");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^State: +missing$/m);
    assert.match(r.stdout, /The token file s3:\/\/airflow-test-bucket\/dags\/codeartifact\.txt is missing/);
    const j = await run("--stack", "test", "--json");
    assert.equal(j.code, 1);
    assert.deepEqual(
        { state: j.json().state, expiresAt: j.json().expiresAt, refreshedAt: j.json().refreshedAt, secondsLeft: j.json().secondsLeft },
        { state: "missing", expiresAt: null, refreshedAt: null, secondsLeft: null },
    );
    assert.equal(j.json().requirementsReferencesToken, true);
});

test("bootstrap placeholder without metadata: exit 1, says it was never refreshed", async () => {
    await putToken({ body: PLACEHOLDER, metadata: {} });
    await putRequirements();
    const r = await run("--stack", "test");
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^State: +missing \(bootstrap placeholder, never refreshed\)$/m);
    assert.match(r.stdout, /missing its token-expires-at metadata: it is still the bootstrap placeholder/);
    const j = await run("--stack", "test", "--json");
    assert.equal(j.json().state, "missing");
});

test("unparseable token-expires-at counts as missing", async () => {
    await putToken({ metadata: { "token-expires-at": "tomorrow" } });
    await putRequirements();
    const r = await run("--stack", "test", "--json");
    assert.equal(r.code, 1);
    assert.equal(r.json().state, "missing");
    assert.match(r.stderr, /"tomorrow" is not an ISO 8601 date/);
});

test("requirements.txt without the -r line: requirementsReferencesToken false, exit 1, says what to do", async () => {
    await putToken();
    await putRequirements("--index-url https://pypi.org/simple/\napache-airflow-providers-snowflake\n# -r /usr/local/airflow/dags/codeartifact.txt\n");
    const r = await run("--stack", "test", "--json");
    assert.equal(r.code, 1);
    assert.equal(r.json().state, "fresh");
    assert.equal(r.json().requirementsReferencesToken, false);
    assert.match(r.stderr, /does not contain the line "-r \/usr\/local\/airflow\/dags\/codeartifact\.txt"/);
    assert.match(r.stderr, /pulumi up --stack test/);
    const t = await run("--stack", "test");
    assert.match(t.stdout, /does NOT reference \/usr\/local\/airflow\/dags\/codeartifact\.txt/);
});

test("requirements.txt missing: requirementsReferencesToken null, no such key message", async () => {
    await putToken();
    const r = await run("--stack", "test", "--json");
    assert.equal(r.code, 1);
    assert.equal(r.json().requirementsReferencesToken, null);
    assert.match(r.stderr, /no such key: s3:\/\/airflow-test-bucket\/requirements\.txt does not exist/);
});

test("custom dagsPrefix, tokenFileName, requirementsKey and interval", async () => {
    await putToken({ key: "airflow/dags/pip/token.txt", expiresInMs: 45 * 60_000 });
    await putRequirements("apache-airflow-providers-snowflake\r\n-r /usr/local/airflow/dags/pip/token.txt  \r\n", "airflow/requirements.txt");
    const r = await run("--stack", "custom", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
        { ...r.json(), refreshedAt: undefined },
        {
            stack: "custom",
            bucket: BUCKET,
            tokenKey: "airflow/dags/pip/token.txt",
            requirementsKey: "airflow/requirements.txt",
            refreshedAt: undefined,
            expiresAt: "2030-01-01T12:45:00.000Z",
            secondsLeft: 2700,
            state: "fresh",
            requirementsReferencesToken: true,
            scheduleExpression: "rate(30 minutes)",
            refreshIntervalMinutes: 30,
        },
    );
});

test("no such bucket: exit 3, clear message", async () => {
    const r = await run("--stack", "nobucket");
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: no such bucket: s3:\/\/no-such-bucket-here does not exist/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("access denied on HeadObject: names s3:GetObject and the token file ARN", async () => {
    await putRequirements();
    s3.injectFault({ method: "HEAD", status: 403, code: "AccessDenied", message: "Access Denied" });
    const r = await run("--stack", "test");
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: access denied: your credentials lack s3:GetObject on arn:aws:s3:::airflow-test-bucket\/dags\/codeartifact\.txt \(HeadObject needs s3:GetObject/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("access denied on requirements.txt: names its ARN", async () => {
    await putToken();
    s3.injectFault({ method: "GET", status: 403, code: "AccessDenied", message: "Access Denied" });
    const r = await run("--stack", "test", "--json");
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "error: access denied: your credentials lack s3:GetObject on arn:aws:s3:::airflow-test-bucket/requirements.txt\n");
});

test("other S3 errors: exit 3 with the error code", async () => {
    await putToken();
    await putRequirements();
    s3.injectFault({ method: "GET", status: 503, code: "SlowDown", message: "Please reduce your request rate.", times: Infinity });
    const r = await run("--stack", "test");
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error: could not check s3:\/\/airflow-test-bucket\/requirements\.txt: S3 GetObject failed with SlowDown \(HTTP 503\)/);
});

test("unknown stack: exit 2, lists the stacks", async () => {
    const r = await run("--stack", "nope");
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /Unknown stack "nope".*Existing stacks: bad, custom, nobucket, noregion, test\./);
});

test("invalid config: exit 2, names the key, no AWS call", async () => {
    const before = s3.requests.length;
    const r = await run("--stack", "bad");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Invalid configuration for stack bad/);
    assert.match(r.stderr, /mwaa-codeartifact-token:bucket: got "Not_A_Bucket"/);
    assert.equal(s3.requests.length, before);
});

test("usage errors: exit 2 with usage; --help exit 0", async () => {
    for (const args of [["--stack", "test", "--bogus"], [], ["--stack"], ["--stack", "test", "--function", "f"], ["extra", "--stack", "test"]]) {
        const r = await run(...args);
        assert.equal(r.code, 2, args.join(" "));
        assert.match(r.stderr, /^error: .*\n\nUsage: npm run status/);
    }
    const h = await run("--help");
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: npm run status -- --stack NAME/);
});

function spawnStatus(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [STATUS_JS, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

test("as a process: exit code from main", { timeout: 30_000 }, async () => {
    await putToken({ expiresInMs: Date.now() - NOW + 10 * HOUR });
    await putRequirements();
    const env = { PATH: process.env.PATH, HOME: project, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_EC2_METADATA_DISABLED: "true", AWS_ENDPOINT_URL_S3: s3.endpoint };
    const r = await spawnStatus(["--stack", "test", "--cwd", project, "--json"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as StatusReport).state, "fresh");
});

test("no credentials: exit 3, one clear line, no stack trace", { timeout: 30_000 }, async () => {
    await putToken();
    await putRequirements();
    const env = {
        PATH: process.env.PATH,
        HOME: project,
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
        AWS_CONFIG_FILE: "/nonexistent",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        // The SDK's own multi-line "node >=22" deprecation warning is not ours to test.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const r = await spawnStatus(["--stack", "test", "--cwd", project], env);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: no AWS credentials found: set AWS_PROFILE or /);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
});

test("HeadObject error without a body (HTTP 500): exit 3 with the status", async () => {
    await putRequirements();
    s3.injectFault({ method: "HEAD", status: 500, code: "InternalError", times: Infinity });
    const r = await run("--stack", "test");
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error: could not check s3:\/\/airflow-test-bucket\/dags\/codeartifact\.txt: S3 HeadObject failed with HTTP 500$/m);
    assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("stack without aws:region: AWS_REGION from the environment", async () => {
    await putToken();
    await putRequirements();
    const r = await runWith({ ...process.env, AWS_REGION: "us-west-2" }, "--stack", "noregion", "--json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json().state, "fresh");
});

test("no region anywhere: exit 2, says where to set it", { timeout: 30_000 }, async () => {
    const env = {
        PATH: process.env.PATH,
        HOME: project,
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        AWS_CONFIG_FILE: "/nonexistent",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const r = await spawnStatus(["--stack", "noregion", "--cwd", project], env);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "error: no AWS region: set aws:region in the stack's Pulumi.<stack>.yaml (or AWS_REGION)\n");
});

test("tokenState boundaries and referencesTokenFile", () => {
    const interval = 240;
    assert.equal(tokenState(new Date(NOW + interval * 60_000).toISOString(), NOW, interval).state, "fresh");
    assert.equal(tokenState(new Date(NOW + interval * 60_000 - 1000).toISOString(), NOW, interval).state, "stale");
    assert.equal(tokenState(new Date(NOW + 1000).toISOString(), NOW, interval).state, "stale");
    assert.equal(tokenState(new Date(NOW).toISOString(), NOW, interval).state, "expired");
    assert.equal(tokenState(undefined, NOW, interval).state, "missing");
    assert.equal(tokenState("2030-13-45", NOW, interval).state, "missing");
    assert.equal(referencesTokenFile("-r /usr/local/airflow/dags/codeartifact.txt", "codeartifact.txt"), true);
    assert.equal(referencesTokenFile("-r /usr/local/airflow/dags/codeartifact.txt.bak\n", "codeartifact.txt"), false);
    assert.equal(referencesTokenFile("-r dags/codeartifact.txt\n", "codeartifact.txt"), false);
    assert.equal(referencesTokenFile("#-r /usr/local/airflow/dags/codeartifact.txt\n", "codeartifact.txt"), false);
});

test("the token file was never downloaded (GetObject) in any test", () => {
    assert.ok(s3.requests.length > 20);
    assert.deepEqual(tokenGets(), []);
    assert.ok(!s3.requests.some((r) => r.method === "GET" && r.url.includes("token.txt")));
});
