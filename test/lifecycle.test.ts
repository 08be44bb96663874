// The stack's whole life as far as the mock engine can observe it: what an update may rewrite,
// what destroy and replacement keep, what re-runs the deploy-time refresh, and what gates MWAA.
// The provider behaviour these rely on is cited in docs/lifecycle.md.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, installMocks } from "./support/pulumiTesting";
import { type Deployed, deployer, dependsOnUrns } from "./support/deploy";
import { CodeArtifactTokenRefresher, TOKEN_FILE_IGNORED_CHANGES } from "../lib/component";
import {
    functionTimeoutSeconds, HTTP, IAM_PROPAGATION_WAIT_MS, INDEX_CHECK, indexCheckBudgetMs, refreshBudgetMs, sdkCallBudgetMs, SDK_MAX_ATTEMPTS,
} from "../functions/limits";
import { providerDefaultTagKeys, readSettings } from "../stack/settings";
import { DESCRIPTION_LIMITS, fitText, MAX_REFRESHER_NAME_LENGTH, refresherNameProblems } from "../lib/naming";
import { refresherNameForStack } from "../stack/naming";

const mocks = installMocks();
const deploy = deployer(mocks);

const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const KEY_A = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const KEY_B = `arn:aws:kms:us-west-2:${ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab`;

/**
 * `BucketObjectv2` inputs that never upload the object again: bucket, key and region replace it;
 * the rest use their own S3 calls (PutObjectAcl, PutObjectLegalHold, PutObjectRetention) or none.
 */
const TOKEN_FILE_INPUTS_SAFE_TO_UPDATE = [
    "bucket", "key", "region", "forceDestroy", "overrideProvider", "acl",
    "objectLockLegalHoldStatus", "objectLockMode", "objectLockRetainUntilDate",
];

function optionsOf(d: Deployed, suffix: string): pulumi.CustomResourceOptions {
    return d.options.get(`${d.name}-${suffix}`) ?? {};
}

function ignoredOnTokenFile(d: Deployed): string[] {
    return optionsOf(d, "token-file").ignoreChanges ?? [];
}

/** Property names of an exported `interface NAME {…}` in an installed @pulumi/aws declaration file. */
function interfaceProperties(dtsPath: string, name: string): string[] {
    const text = readFileSync(require.resolve(dtsPath), "utf8");
    const start = text.indexOf(`export interface ${name} {`);
    assert.ok(start >= 0, `interface ${name} not found in ${dtsPath}`);
    const body = text.slice(start, text.indexOf("\n}", start));
    return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
}

function configurationTrigger(d: Deployed): Record<string, unknown> {
    const triggers = d.one("aws:lambda/invocation:Invocation").inputs.triggers as Record<string, string>;
    return JSON.parse(triggers.configuration) as Record<string, unknown>;
}

// --- 1, 2: Pulumi never writes the token file's body after creation ----------------------------

test("every input the program sets on the token file, but its bucket and key, is ignored on update", async () => {
    for (const args of [{}, { kmsKeyArn: KEY_A }]) {
        const d = await deploy(args);
        const file = d.one(OBJECT, "token-file");
        const ignored = ignoredOnTokenFile(d);
        for (const input of Object.keys(file.inputs)) {
            if (input === "bucket" || input === "key" || input === "overrideProvider") continue;
            assert.ok(ignored.includes(input), `an update of ${input} would upload the bootstrap text over the live token`);
        }
    }
});

test("every BucketObjectv2 input of the installed provider that re-uploads the object is ignored on the token file", async () => {
    const d = await deploy();
    const ignored = ignoredOnTokenFile(d);
    const inputs = interfaceProperties("@pulumi/aws/s3/bucketObjectv2.d.ts", "BucketObjectv2Args");
    assert.ok(inputs.length > 20, `parsed only ${inputs.length} inputs`);
    for (const input of inputs) {
        assert.ok(ignored.includes(input) || TOKEN_FILE_INPUTS_SAFE_TO_UPDATE.includes(input),
            `BucketObjectv2 input ${input} is neither ignored nor known to leave the body alone`);
    }
    assert.deepEqual([...ignored].sort(), [...TOKEN_FILE_IGNORED_CHANGES].sort());
});

test("switching KMS on, to another key and off changes the token file only through the function", async () => {
    const deployments = [await deploy(), await deploy({ kmsKeyArn: KEY_A }), await deploy({ kmsKeyArn: KEY_B }), await deploy()];
    for (const d of deployments) {
        const ignored = ignoredOnTokenFile(d);
        // The provider would otherwise send the old key id from state with AES256 (kmsKeyId is optional+computed).
        assert.ok(ignored.includes("kmsKeyId") && ignored.includes("serverSideEncryption") && ignored.includes("bucketKeyEnabled"));
    }
    const envs = deployments.map((d) => configurationTrigger(d).environment);
    for (let i = 1; i < envs.length - 1; i++) {
        assert.notDeepEqual(envs[i], envs[i - 1], `step ${i}: the function must re-run and rewrite the file with the new encryption`);
    }
    const kmsStatements = deployments.map((d) => (JSON.parse(d.one("aws:iam/rolePolicy:RolePolicy").inputs.policy as string) as
        { Statement: { Resource: string }[] }).Statement.filter((s) => s.Resource.includes(":kms:")).map((s) => s.Resource));
    assert.deepEqual(kmsStatements, [[], [KEY_A], [KEY_B], []]);
});

test("provider default tags never reach the token file, and tag diffs on it are ignored", async () => {
    const d = await deploy();
    const file = d.one(OBJECT, "token-file");
    assert.deepEqual(file.inputs.overrideProvider, { defaultTags: { tags: {} } });
    assert.ok(ignoredOnTokenFile(d).includes("tags") && ignoredOnTokenFile(d).includes("tagsAll"));
});

test("the stack's aws:defaultTags count towards requirements.txt's 10 tags, as preview reads them", () => {
    const base = {
        "aws:region": "us-west-2",
        "aws:allowedAccountIds": JSON.stringify(["111122223333"]),
        "mwaa-codeartifact-token:bucket": "airflow-dev-111122223333-us-west-2",
        "mwaa-codeartifact-token:domain": "your-domain",
        "mwaa-codeartifact-token:repository": "your_repo",
        "mwaa-codeartifact-token:tags": JSON.stringify(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"]))),
    };
    const config = new pulumi.Config("mwaa-codeartifact-token");
    try {
        pulumi.runtime.setAllConfig({ ...base, "aws:defaultTags": JSON.stringify({ tags: { owner: "data", "cost-center": "42", k0: "x" } }) });
        assert.deepEqual(providerDefaultTagKeys(), ["owner", "cost-center", "k0"]);
        assert.throws(() => readSettings(config), (e: Error) => e instanceof pulumi.RunError &&
            e.message.includes("mwaa-codeartifact-token:tags: got") && e.message.includes("at most 10 tags, counting the 2 other keys of aws:defaultTags"));
        pulumi.runtime.setAllConfig({ ...base, "aws:defaultTags": "not json" });
        assert.deepEqual(providerDefaultTagKeys(), [], "the provider reports malformed defaultTags itself");
        assert.equal(Object.keys(readSettings(config).tags).length, 9);
    } finally {
        pulumi.runtime.setAllConfig({ "aws:region": "us-west-2" });
    }
});

test("readSettings reports unknown keys of the project's namespace only, for the stack it runs in", () => {
    const config = new pulumi.Config("mwaa-codeartifact-token");
    try {
        pulumi.runtime.setAllConfig({
            "aws:region": "us-west-2",
            "aws:allowedAccountIds": JSON.stringify(["111122223333"]),
            "aws:tokenDurationSecond": "3600",
            "mwaa-codeartifact-token:bucket": "airflow-dev-111122223333-us-west-2",
            "mwaa-codeartifact-token:domain": "your-domain",
            "mwaa-codeartifact-token:repository": "your_repo",
            "mwaa-codeartifact-token:tokenDurationSecond": "3600",
        });
        assert.notEqual(pulumi.getStack(), "");
        assert.throws(() => readSettings(config), (e: Error) => e.message === [
            `Invalid configuration for stack ${pulumi.getStack()} (1 problem):`,
            "  - mwaa-codeartifact-token:tokenDurationSecond: got an unknown key; allowed: one of the keys declared in Pulumi.yaml " +
                "(did you mean tokenDurationSeconds?)",
        ].join("\n"));
    } finally {
        pulumi.runtime.setAllConfig({ "aws:region": "us-west-2" });
    }
});

test("aws:defaultTags counts only when its tags are an object", () => {
    try {
        for (const tags of [undefined, null, "owner", ["owner"]]) {
            pulumi.runtime.setAllConfig(tags === undefined ? {} : { "aws:defaultTags": JSON.stringify({ tags }) });
            assert.deepEqual(providerDefaultTagKeys(), [], JSON.stringify(tags));
        }
    } finally {
        pulumi.runtime.setAllConfig({ "aws:region": "us-west-2" });
    }
});

// --- 3: destroy, replacement and renames ---------------------------------------------------------

test("destroy and replacement keep both S3 objects, and only them", async () => {
    const d = await deploy();
    const retained = d.resources.filter((r) => d.options.get(r.name)?.retainOnDelete === true).map((r) => r.name).sort();
    assert.deepEqual(retained, [`${d.name}-requirements`, `${d.name}-token-file`]);
});

test("every child is named after the component, so an alias on the component carries over to each child", async () => {
    const d = await deploy();
    for (const r of d.resources) {
        if (r.name === d.name) continue;
        assert.ok(r.name.startsWith(`${d.name}-`), `${r.name} would be replaced when the component is renamed with an alias`);
    }
});

// --- 5: requirements.txt waits for a real token ---------------------------------------------------

test("requirements.txt, and so requirementsVersionId, waits for the deploy-time refresh", async () => {
    const d = await deploy();
    const urns = await dependsOnUrns(optionsOf(d, "requirements"));
    assert.ok(urns.some((u) => u.endsWith(`::${d.name}-first-refresh`)), `requirements.txt depends on ${urns.join(", ")}`);
});

// --- 6, 11: everything the function runs with re-runs the deploy-time refresh ---------------------

test("the deploy-time refresh re-runs when any function input that is not a label changes", async () => {
    const d = await deploy();
    const fn = d.one("aws:lambda/function:Function");
    const configuration = configurationTrigger(d);
    const labels = ["description", "tags", "name"];
    for (const input of Object.keys(fn.inputs)) {
        if (labels.includes(input) || input === "code") continue;
        assert.ok(input in configuration, `a change of the function's ${input} would not re-run the deploy-time refresh`);
        assert.deepEqual(configuration[input], fn.state[input], `trigger ${input} must be the function's own output`);
    }
    const triggers = d.one("aws:lambda/invocation:Invocation").inputs.triggers as Record<string, string>;
    assert.equal(triggers.code, fn.state.codeSha256);
    assert.equal(configuration.runtime, "nodejs24.x");
});

// --- 7: the timeout covers the SDK's retries -------------------------------------------------------

test("the function's timeout covers the IAM wait and a refresh whose every SDK attempt times out", async () => {
    const d = await deploy();
    const timeout = d.one("aws:lambda/function:Function").inputs.timeout as number;
    assert.equal(timeout, functionTimeoutSeconds());
    const perAttempt = HTTP.connectionTimeoutMs + HTTP.requestTimeoutMs;
    assert.ok(sdkCallBudgetMs() > SDK_MAX_ATTEMPTS * perAttempt);
    assert.equal(refreshBudgetMs(), 2 * sdkCallBudgetMs() + indexCheckBudgetMs(), "CodeArtifact (two calls at once), the index check, then S3");
    assert.equal(indexCheckBudgetMs(), INDEX_CHECK.budgetMs + INDEX_CHECK.requestTimeoutMs, "no request starts after the budget; the last may run its timeout out");
    assert.ok(timeout * 1000 > IAM_PROPAGATION_WAIT_MS + refreshBudgetMs());
    assert.ok(timeout <= 900, "Lambda's maximum");
});

test("one SDK call's worst case: four attempts that time out, with the three longest backoffs between them", () => {
    const attempts = SDK_MAX_ATTEMPTS * (HTTP.connectionTimeoutMs + HTTP.requestTimeoutMs);
    // Standard retry mode: 1 s throttling base doubled per retry (1, 2, 4 s; the 20 s cap is not reached), each plus 5 s of Retry-After.
    assert.equal(sdkCallBudgetMs() - attempts, (1 + 2 + 4) * 1000 + 3 * 5000);
});

// --- 9: every name and description that preview accepts deploys -----------------------------------

const STACK_NAME = fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/);

test("a stack's component name is mwaa-codeartifact-<stack> when that fits", () => {
    assert.equal(refresherNameForStack("prod"), "mwaa-codeartifact-prod");
    assert.equal(refresherNameForStack("a".repeat(29)), `mwaa-codeartifact-${"a".repeat(29)}`);
});

test("any stack name yields a valid component name that fits, and different stacks different names (property)", () => {
    fc.assert(fc.property(STACK_NAME, STACK_NAME, (a, b) => {
        const name = refresherNameForStack(a);
        assert.deepEqual(refresherNameProblems(name), [], name);
        assert.ok(name.length <= MAX_REFRESHER_NAME_LENGTH);
        if (a !== b) assert.notEqual(name, refresherNameForStack(b));
    }), { numRuns: 2000 });
    assert.equal(refresherNameForStack("team.data-platform.production-us-west-2").length, MAX_REFRESHER_NAME_LENGTH);
});

test("a component name that would overflow an AWS name is refused with the rule", () => {
    assert.throws(() => new CodeArtifactTokenRefresher("x".repeat(48), { bucket: "b-b-b", domain: "your-domain", repository: "your_repo" }),
        (e: Error) => e instanceof pulumi.RunError && e.message.includes("\n  - name: got") &&
            e.message.includes("at most 47 characters (the Lambda function and EventBridge rule names derived from it are limited to 64)"));
    assert.throws(() => new CodeArtifactTokenRefresher("dev.v2", { bucket: "b-b-b", domain: "your-domain", repository: "your_repo" }),
        /\n {2}- name: got "dev.v2"; allowed: a component name of only letters, digits, - and _/);
});

test("descriptions fit AWS's limits even for the longest token key preview accepts", async () => {
    const d = await deploy({ dagsPrefix: "d".repeat(800), tokenFileName: `${"f".repeat(150)}.txt` });
    const fn = d.one("aws:lambda/function:Function");
    assert.ok([...(fn.inputs.description as string)].length <= DESCRIPTION_LIMITS.lambdaFunction);
    assert.ok([...(d.one("aws:cloudwatch/eventRule:EventRule").inputs.description as string)].length <= DESCRIPTION_LIMITS.eventRule);
    for (const alarm of d.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
        assert.ok([...(alarm.inputs.alarmDescription as string)].length <= DESCRIPTION_LIMITS.metricAlarm, alarm.name);
        for (const value of Object.values((alarm.inputs.dimensions ?? {}) as Record<string, string>)) {
            assert.ok(value.length <= 1024, `dimension of ${alarm.name} has ${value.length} characters`);
        }
    }
});

test("fitText keeps short text and cuts long text to the limit around an ellipsis (property)", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.integer({ min: 2, max: 300 }), (text, max) => {
        const fitted = fitText(text, max);
        if ([...text].length <= max) assert.equal(fitted, text);
        else {
            assert.equal([...fitted].length, max);
            assert.ok(fitted.includes("…"));
        }
    }));
});

test("a stack name with other characters keeps its letters, with - in their place, and a hash", () => {
    assert.match(refresherNameForStack("team.data"), /^mwaa-codeartifact-team-data-[0-9a-f]{6}$/);
});

test("fitText: the head gets the odd character; a limit of one leaves the ellipsis alone", () => {
    assert.equal(fitText("abcdef", 4), "ab…f");
    assert.equal(fitText("abcdef", 5), "ab…ef");
    assert.equal(fitText("abc", 1), "…");
});
