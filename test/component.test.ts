import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT, installMocks, valueOf } from "./support/pulumiTesting";
import { BASE, BUCKET, CHILD_TYPES, type Deployed, deployer, dependsOnUrns } from "./support/deploy";
import {
    BOOTSTRAP_PATTERN, bootstrapContent, CodeArtifactTokenRefresher, PREVIOUS_REFRESHER_TYPE, REFRESHER_TYPE, renderRequirements,
    checkedOnceKnown, resolveRefresherArgs, s3Etag, serializeHandler, deployEvent, type CodeArtifactTokenRefresherArgs,
} from "../lib/component";
import { functionTimeoutSeconds } from "../functions/limits";
import { ENV } from "../functions/contract";
import { readRefreshConfig } from "../functions/refresh";
import type { PolicyDocument, TrustPolicyDocument } from "../lib/policy";
import { stackArgs } from "../stack/settings";

const mocks = installMocks();

const deploy = deployer(mocks);

function policyOf(d: Deployed): PolicyDocument {
    return JSON.parse(d.one("aws:iam/rolePolicy:RolePolicy").inputs.policy as string) as PolicyDocument;
}

test("declares exactly the resources of the architecture, all children of the component", async () => {
    const d = await deploy();
    const types = d.resources.map((r) => r.type).sort();
    assert.deepEqual(types, [...CHILD_TYPES, REFRESHER_TYPE].sort());
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
    const childUrns = [...monitor.resources.keys()].filter((urn) => urn.includes(`::${d.name}-`));
    assert.equal(childUrns.length, d.resources.length - 1);
    for (const urn of childUrns) {
        assert.ok(urn.includes(`::${REFRESHER_TYPE}$aws:`), `${urn} is not parented to the component`);
    }
});

test("the component's type is the schema's token, aliased from the previous one after the caller's aliases are merged", async () => {
    assert.equal(REFRESHER_TYPE, "mwaa-codeartifact:index:CodeArtifactTokenRefresher");
    const d = await deploy();
    assert.deepEqual(d.options.get(d.name)?.aliases, [{ type: PREVIOUS_REFRESHER_TYPE }]);
    let captured: pulumi.ResourceOptions | undefined;
    const merged = new CodeArtifactTokenRefresher("aliased", BASE, {
        aliases: [{ name: "old-name" }],
        transformations: [(args) => {
            if (args.type === REFRESHER_TYPE) {
                captured = args.opts;
            }
            return undefined;
        }],
    });
    await valueOf(merged.urn);
    assert.deepEqual(captured?.aliases, [{ type: PREVIOUS_REFRESHER_TYPE }, { name: "old-name" }]);
});

test("requirements.txt pulls in the token file first, then the user's lines, with an MD5 etag under SSE-S3", async () => {
    const d = await deploy({ requirements: ["apache-airflow-providers-amazon", "--constraint https://example.com/c.txt"] });
    const req = d.one("aws:s3/bucketObjectv2:BucketObjectv2", "requirements");
    const expected = "-r /usr/local/airflow/dags/codeartifact.txt\napache-airflow-providers-amazon\n--constraint https://example.com/c.txt\n";
    assert.equal(req.inputs.content, expected);
    assert.equal(req.inputs.key, "requirements.txt");
    assert.equal(req.inputs.bucket, BASE.bucket);
    assert.equal(req.inputs.serverSideEncryption, "AES256");
    assert.equal(req.inputs.etag, s3Etag(expected));
    assert.equal(s3Etag("abc"), "900150983cd24fb0d6963f7d28e17f72");
    assert.match(String(req.inputs.contentType), /^text\/plain/);
});

test("renderRequirements maps a token file in a subfolder of the DAGs folder", () => {
    assert.equal(renderRequirements("private/ca.txt", []), "-r /usr/local/airflow/dags/private/ca.txt\n");
});

test("the token file is bootstrapped without a token, untagged, written like the function writes it", async () => {
    const d = await deploy({ dagsPrefix: "airflow/dags", tags: { team: "data" } });
    const file = d.one("aws:s3/bucketObjectv2:BucketObjectv2", "token-file");
    assert.equal(file.inputs.key, "airflow/dags/codeartifact.txt");
    assert.match(String(file.inputs.content), BOOTSTRAP_PATTERN);
    assert.equal(file.inputs.serverSideEncryption, "AES256");
    assert.equal(file.inputs.tags, undefined, "each refresh would wipe declared tags, showing drift");
    assert.equal(file.inputs.contentType, "text/plain; charset=utf-8", "must match what the function writes");
    assert.equal(file.inputs.cacheControl, "no-store", "must match what the function writes");
});

test("the function runs a current Node runtime on arm64 with its own role and log group, settings in its environment", async () => {
    const d = await deploy();
    const fn = d.one("aws:lambda/function:Function");
    const role = d.one("aws:iam/role:Role");
    const logs = d.one("aws:cloudwatch/logGroup:LogGroup");
    assert.equal(fn.inputs.runtime, "nodejs24.x");
    assert.deepEqual(fn.inputs.architectures, ["arm64"]);
    assert.ok((fn.inputs.memorySize as number) <= 256);
    assert.equal(fn.inputs.timeout, functionTimeoutSeconds());
    assert.equal(fn.inputs.role, role.state.arn);
    assert.equal(fn.inputs.handler, "__index.handler");
    assert.deepEqual(fn.inputs.loggingConfig, { logFormat: "Text", logGroup: logs.state.name });
    assert.equal(logs.inputs.retentionInDays, 30);
    assert.deepEqual((fn.inputs.environment as { variables: Record<string, string> }).variables, {
        [ENV.domain]: BASE.domain,
        [ENV.domainOwner]: ACCOUNT,
        [ENV.repository]: "your_repo",
        [ENV.region]: "us-west-2",
        [ENV.durationSeconds]: "43200",
        [ENV.bucket]: BASE.bucket,
        [ENV.key]: "dags/codeartifact.txt",
        [ENV.indexOption]: "index-url",
        [ENV.metricNamespace]: "MWAA/CodeArtifactToken",
        [ENV.indexCheck]: "requirements",
        [ENV.roleArn]: role.state.arn,
    });
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as TrustPolicyDocument;
    assert.deepEqual(trust.Statement.map((s) => [s.Principal, s.Action]), [
        [{ Service: "lambda.amazonaws.com" }, "sts:AssumeRole"],
    ]);
    assert.equal(d.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0,
        "CallbackFunction must not attach its default FullAccess policies");
});

test("IAM grants exactly the five statements, each on one exact resource", async () => {
    const d = await deploy();
    const logs = d.one("aws:cloudwatch/logGroup:LogGroup");
    assert.deepEqual(policyOf(d).Statement.map((s) => [s.Action, s.Resource, s.Condition]), [
        [["codeartifact:GetAuthorizationToken"], `arn:aws:codeartifact:us-west-2:${ACCOUNT}:domain/your-domain`, undefined],
        [["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
            `arn:aws:codeartifact:us-west-2:${ACCOUNT}:repository/your-domain/your_repo`, undefined],
        [["sts:GetServiceBearerToken"], "*", { StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" } }],
        [["s3:PutObject"], `arn:aws:s3:::${BUCKET}/dags/codeartifact.txt`, undefined],
        [["logs:CreateLogStream", "logs:PutLogEvents"], `${String(logs.state.arn)}:*`, undefined],
    ]);
});

test("a cross-account, cross-region domain is scoped by its owner and region", async () => {
    const d = await deploy({ domainOwner: "444455556666", codeartifactRegion: "eu-central-1" });
    const resources = policyOf(d).Statement.slice(0, 2).map((s) => s.Resource);
    assert.deepEqual(resources, [
        "arn:aws:codeartifact:eu-central-1:444455556666:domain/your-domain",
        "arn:aws:codeartifact:eu-central-1:444455556666:repository/your-domain/your_repo",
    ]);
    const env = (d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(env[ENV.domainOwner], "444455556666");
    assert.equal(env[ENV.region], "eu-central-1");
});

test("a KMS key encrypts the token file only, and only that key is granted", async () => {
    const key = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const d = await deploy({ kmsKeyArn: key });
    const file = d.one("aws:s3/bucketObjectv2:BucketObjectv2", "token-file");
    assert.equal(file.inputs.serverSideEncryption, "aws:kms");
    assert.equal(file.inputs.kmsKeyId, key);
    assert.equal(d.one("aws:s3/bucketObjectv2:BucketObjectv2", "requirements").inputs.serverSideEncryption, "AES256");
    const kms = policyOf(d).Statement.filter((s) => s.Action.some((a) => a.startsWith("kms:")));
    assert.deepEqual(kms.map((s) => [s.Action, s.Resource]), [[["kms:GenerateDataKey", "kms:Encrypt"], key]]);
    const env = (d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(env[ENV.kmsKeyArn], key);
});

test("the function is invoked once during deploy, after the token file and its policy exist, and again on change", async () => {
    const d = await deploy();
    const inv = d.one("aws:lambda/invocation:Invocation");
    const fn = d.one("aws:lambda/function:Function");
    assert.equal(inv.inputs.functionName, fn.state.name);
    assert.deepEqual(Object.keys(inv.inputs.triggers as object).sort(), ["code", "configuration", "policy", "tokenFile"]);
    const triggers = inv.inputs.triggers as Record<string, string>;
    assert.equal(triggers.code, fn.state.codeSha256);
    assert.equal(triggers.policy, d.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
    const tokenFile = d.one("aws:s3/bucketObjectv2:BucketObjectv2", "token-file");
    assert.equal(triggers.tokenFile, tokenFile.state.content, "every creation of the token file (its placeholder names the time) re-runs the function");
    assert.match(triggers.tokenFile, BOOTSTRAP_PATTERN);
    assert.deepEqual(JSON.parse(inv.inputs.input as string), { source: "pulumi-up" }, "no requirements, nothing to look up");
    const fileDeps = await dependsOnUrns(d.options.get(tokenFile.name) ?? {});
    assert.ok(fileDeps.some((u) => u.endsWith(`::${inv.name.replace("first-refresh", "function")}`)),
        "the token file is created once the function can run, so a kept token is covered for the shortest time");
    const opts: pulumi.CustomResourceOptions = d.options.get(inv.name) ?? {};
    assert.ok(opts.additionalSecretOutputs?.includes("result"), "the invocation result must be stored as a secret");
    const deps = await dependsOnUrns(opts);
    assert.ok(deps.some((u) => u.endsWith(`::${inv.name.replace("first-refresh", "token-file")}`)), "must depend on the token file");
    assert.ok(deps.some((u) => u.endsWith(`::${inv.name.replace("first-refresh", "policy")}`)), "must depend on the role policy");
});

test("the schedule rule, its target and the invoke permission are wired to each other", async () => {
    const d = await deploy();
    const rule = d.one("aws:cloudwatch/eventRule:EventRule");
    const target = d.one("aws:cloudwatch/eventTarget:EventTarget");
    const permission = d.one("aws:lambda/permission:Permission");
    const fn = d.one("aws:lambda/function:Function");
    assert.equal(rule.inputs.scheduleExpression, "rate(4 hours)");
    assert.equal(target.inputs.rule, rule.state.name);
    assert.equal(target.inputs.arn, fn.state.arn);
    assert.deepEqual(
        [permission.inputs.action, permission.inputs.function, permission.inputs.principal, permission.inputs.sourceArn],
        ["lambda:InvokeFunction", fn.state.name, "events.amazonaws.com", rule.state.arn],
    );
    const retries = d.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig");
    assert.equal(retries.inputs.functionName, fn.state.name);
    assert.equal(retries.inputs.maximumRetryAttempts, 2);
    assert.ok((retries.inputs.maximumEventAgeInSeconds as number) <= 4 * 3600);
});

test("a custom interval becomes a valid rate expression", async () => {
    const d = await deploy({ refreshIntervalMinutes: 90 });
    assert.equal(d.one("aws:cloudwatch/eventRule:EventRule").inputs.scheduleExpression, "rate(90 minutes)");
    assert.equal(await valueOf(d.refresher.failedRefreshesSurvived), 7);
});

test("an interval that lets one missed refresh expire the token is refused", () => {
    assert.throws(() => new CodeArtifactTokenRefresher("too-slow", { ...BASE, tokenDurationSeconds: 3600, refreshIntervalMinutes: 31 }),
        (e: Error) => e instanceof pulumi.RunError && /\n {2}- refreshIntervalMinutes: got 31;/.test(e.message) && /from 5 to 30 minutes/.test(e.message));
});

test("bad arguments from a consuming program fail with one message naming each, before any resource", () => {
    const before = mocks.registrations.length;
    assert.throws(() => new CodeArtifactTokenRefresher("consumer", {
        ...BASE, domain: "Bad_Domain", requirements: ["--index-url https://pypi.org/simple"], tokenDurationSeconds: 60,
    }), (e: Error) => e instanceof pulumi.RunError &&
        e.message.startsWith('Invalid arguments of CodeArtifactTokenRefresher "consumer" (3 problems):\n') &&
        /\n {2}- domain: got "Bad_Domain"/.test(e.message) &&
        /\n {2}- requirements\[0\]/.test(e.message) &&
        /\n {2}- tokenDurationSeconds: got 60;/.test(e.message) && !/pulumi config|configuration/.test(e.message));
    assert.equal(mocks.registrations.length, before);
});

test("arguments are normalised like stack configuration: a trailing slash dropped, interval 0 meaning the default", async () => {
    const d = await deploy({ dagsPrefix: "dags/", refreshIntervalMinutes: 0 });
    assert.equal(d.one("aws:s3/bucketObjectv2:BucketObjectv2", "token-file").inputs.key, "dags/codeartifact.txt");
    assert.equal(d.one("aws:cloudwatch/eventRule:EventRule").inputs.scheduleExpression, "rate(4 hours)");
});

test("arguments only known at deploy time are left to AWS, plain ones still checked", async () => {
    const d = await deploy({ bucket: pulumi.output(BUCKET), kmsKeyArn: pulumi.output(`arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`) });
    assert.equal(d.one("aws:s3/bucketObjectv2:BucketObjectv2", "requirements").inputs.bucket, BUCKET);
    assert.throws(() => new CodeArtifactTokenRefresher("late", { ...BASE, bucket: pulumi.output(BUCKET), repository: "x" }),
        /\n {2}- repository: got "x"/);
});

test("alarms watch failed refreshes and a token that stops being refreshed, reporting silence as INSUFFICIENT_DATA", async () => {
    const d = await deploy();
    const fn = d.one("aws:lambda/function:Function");
    const errors = d.one("aws:cloudwatch/metricAlarm:MetricAlarm", "refresh-failed");
    assert.deepEqual([errors.inputs.namespace, errors.inputs.metricName, errors.inputs.dimensions, errors.inputs.comparisonOperator, errors.inputs.threshold],
        ["AWS/Lambda", "Errors", { FunctionName: fn.state.name }, "GreaterThanThreshold", 0]);
    const stale = d.one("aws:cloudwatch/metricAlarm:MetricAlarm", "token-stale");
    assert.equal(stale.inputs.namespace, "MWAA/CodeArtifactToken");
    assert.equal(stale.inputs.metricName, "TokenSecondsLeft");
    assert.deepEqual(stale.inputs.dimensions, { TokenObject: `s3://${BUCKET}/dags/codeartifact.txt` });
    assert.equal(stale.inputs.treatMissingData, "missing");
    assert.equal(stale.inputs.comparisonOperator, "LessThanThreshold");
    const window = (stale.inputs.period as number) * ((stale.inputs.evaluationPeriods as number) + 1);
    assert.ok(window < 43200, "the alarm must fire before a 12 h token expires");
    assert.ok((stale.inputs.period as number) * (stale.inputs.evaluationPeriods as number) > 4 * 3600, "no alarm between two healthy refreshes");
    assert.deepEqual(errors.inputs.alarmActions, []);
});

test("alarm notifications go to the given topic and to an email subscription", async () => {
    const topicArn = `arn:aws:sns:us-west-2:${ACCOUNT}:platform-alerts`;
    const d = await deploy({ alarmTopicArn: topicArn, alarmEmail: "oncall@example.com" });
    const topic = d.one("aws:sns/topic:Topic");
    const sub = d.one("aws:sns/topicSubscription:TopicSubscription");
    assert.deepEqual([sub.inputs.topic, sub.inputs.protocol, sub.inputs.endpoint], [topic.state.arn, "email", "oncall@example.com"]);
    for (const alarm of d.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
        assert.deepEqual(alarm.inputs.alarmActions, [topicArn, topic.state.arn]);
        assert.deepEqual(alarm.inputs.okActions, [topicArn, topic.state.arn]);
        const silenceNotified = alarm.name.endsWith("-token-stale");
        assert.deepEqual(alarm.inputs.insufficientDataActions, silenceNotified ? [topicArn, topic.state.arn] : undefined);
    }
});

test("outputs expose what MWAA needs and nothing secret", async () => {
    const d = await deploy();
    const req = d.one("aws:s3/bucketObjectv2:BucketObjectv2", "requirements");
    assert.equal(await valueOf(d.refresher.requirementsVersionId), req.state.versionId);
    assert.equal(await valueOf(d.refresher.tokenKey), "dags/codeartifact.txt");
    assert.equal(await valueOf(d.refresher.scheduleExpression), "rate(4 hours)");
    assert.equal(await valueOf(d.refresher.worstCaseTokenSecondsLeft), 43200 - 4 * 3600);
    assert.equal(await valueOf(d.refresher.failedRefreshesSurvived), 2);
    assert.equal(await pulumi.isSecret(d.refresher.functionArn), false);
});

test("only the three known data sources are read, and an unknown one fails loudly", () => {
    assert.deepEqual([...new Set(mocks.invokes.map((i) => i.token))].sort(), [
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
        "aws:index/getRegion:getRegion",
    ]);
    assert.throws(() => mocks.call({ token: "aws:s3/getBucket:getBucket", inputs: {} }), /unmocked invoke aws:s3\/getBucket:getBucket/);
});

test("every refresher in a program shares one serialization of the handler, so their code is the same text", async () => {
    assert.equal(serializeHandler(), serializeHandler(), "one serialization per process");
    const first = await deploy({ bucket: "airflow-a" });
    const second = await deploy({ bucket: "airflow-b" });
    const code = async (d: Deployed): Promise<string> => {
        const assets = await (d.one("aws:lambda/function:Function").inputs.code as pulumi.asset.AssetArchive).assets;
        return (assets["__index.js"] as pulumi.asset.StringAsset).text;
    };
    assert.equal(await code(first), await code(second));
    assert.match(await code(first), /exports\.handler/);
    const variables = (d: Deployed) => (d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
    assert.notEqual(variables(first)[ENV.bucket], variables(second)[ENV.bucket], "each keeps its own settings");
});

// ---- every input the mutation run found unchecked --------------------------------------------------

const OPS_TOPIC = "arn:aws:sns:us-west-2:444455556666:ops";
const KMS_KEY = "arn:aws:kms:us-west-2:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";

test("the component's tags reach every taggable child, and only the token file stays untagged", async () => {
    const d = await deploy({ tags: { team: "data" }, alarmEmail: "oncall@corp.test" });
    const tagged = d.resources.filter((r) => r.type !== REFRESHER_TYPE && "tags" in r.inputs);
    assert.deepEqual(tagged.map((r) => r.name.slice(d.name.length + 1)).sort(),
        ["alarms", "function", "logs", "refresh-failed", "requirements", "role", "schedule", "token-stale"]);
    for (const r of tagged) assert.deepEqual(r.inputs.tags, { team: "data" }, r.name);
});

test("the function waits for its role policy, and the stale alarm for the first refresh", async () => {
    const d = await deploy();
    const policy = await dependsOnUrns(d.options.get(`${d.name}-function`));
    assert.equal(policy.length, 1);
    assert.match(policy[0], new RegExp(`aws:iam/rolePolicy:RolePolicy::${d.name}-policy$`));
    const stale = await dependsOnUrns(d.options.get(`${d.name}-token-stale`));
    assert.equal(stale.length, 1);
    assert.match(stale[0], new RegExp(`aws:lambda/invocation:Invocation::${d.name}-first-refresh$`));
});

test("the function's description and the two alarms, input by input", async () => {
    const d = await deploy({ alarmTopicArn: OPS_TOPIC });
    assert.equal(d.one("aws:lambda/function:Function").inputs.description,
        "Refreshes the CodeArtifact token in s3 object dags/codeartifact.txt for MWAA");
    const fnName = d.one("aws:lambda/function:Function").state.name;
    const { tags: failedTags, ...failed } = d.one("aws:cloudwatch/metricAlarm:MetricAlarm", "refresh-failed").inputs;
    assert.deepEqual(failedTags, {});
    assert.deepEqual(failed, {
        alarmDescription: "A CodeArtifact token refresh for s3 object dags/codeartifact.txt failed; the previous token stays in place until it expires.",
        namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: fnName }, statistic: "Sum", period: 300,
        evaluationPeriods: 1, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching",
        alarmActions: [OPS_TOPIC], okActions: [OPS_TOPIC],
    });
    const { tags: staleTags, ...stale } = d.one("aws:cloudwatch/metricAlarm:MetricAlarm", "token-stale").inputs;
    assert.deepEqual(staleTags, {});
    assert.deepEqual(stale, {
        alarmDescription: `No fresh CodeArtifact token reached s3://${BUCKET}/dags/codeartifact.txt for 5 periods of 3600s ` +
            "(INSUFFICIENT_DATA: the function reported nothing at all); the current token expires in about 360 minutes at worst.",
        namespace: "MWAA/CodeArtifactToken", metricName: "TokenSecondsLeft", dimensions: { TokenObject: `s3://${BUCKET}/dags/codeartifact.txt` },
        statistic: "Maximum", period: 3600, evaluationPeriods: 5, datapointsToAlarm: 5, threshold: 14_400,
        comparisonOperator: "LessThanThreshold", treatMissingData: "missing",
        alarmActions: [OPS_TOPIC], okActions: [OPS_TOPIC], insufficientDataActions: [OPS_TOPIC],
    });
});

test("a KMS key reaches the function's environment", async () => {
    const d = await deploy({ kmsKeyArn: KMS_KEY });
    const variables = (d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(variables[ENV.kmsKeyArn], KMS_KEY);
});

test("arguments given as outputs are checked at deploy time, and their real values are used", async () => {
    const d = await deploy({
        domainOwner: pulumi.output("444455556666"), codeartifactRegion: pulumi.output("eu-west-1"),
        kmsKeyArn: pulumi.output(KMS_KEY), alarmTopicArn: pulumi.output(OPS_TOPIC),
    });
    const variables = (d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
    assert.equal(variables[ENV.domainOwner], "444455556666");
    assert.equal(variables[ENV.region], "eu-west-1");
    assert.equal(variables[ENV.kmsKeyArn], KMS_KEY);
    assert.deepEqual(d.one("aws:cloudwatch/metricAlarm:MetricAlarm", "refresh-failed").inputs.alarmActions, [OPS_TOPIC]);
});

test("a bad component name is refused in the arguments' one message, every rule it breaks named", () => {
    assert.throws(() => new CodeArtifactTokenRefresher("bad name!", { ...BASE, domain: "Bad" }), (err: Error) => err.message ===
        'Invalid arguments of CodeArtifactTokenRefresher "bad name!" (2 problems):\n' +
        '  - name: got "bad name!"; allowed: a component name of only letters, digits, - and _\n' +
        "  - domain: got \"Bad\"; allowed: a CodeArtifact domain name: 2 to 50 characters matching [a-z][a-z0-9-]{0,48}[a-z0-9]");
    const long = `bad name!${"x".repeat(40)}`;
    assert.throws(() => new CodeArtifactTokenRefresher(long, BASE), (err: Error) => err.message.endsWith(
        "; allowed: a component name of only letters, digits, - and _, at most 47 characters " +
        "(the Lambda function and EventBridge rule names derived from it are limited to 64)"));
});

test("resolved arguments: a stand-in bucket for an Output, the optional Outputs unset", () => {
    const settings = resolveRefresherArgs("deferred", {
        ...BASE, bucket: pulumi.output("airflow-real"), domainOwner: pulumi.output("444455556666"),
        codeartifactRegion: pulumi.output("eu-west-1"), kmsKeyArn: pulumi.output(KMS_KEY), alarmTopicArn: pulumi.output(OPS_TOPIC),
    });
    assert.equal(settings.bucket, "deferred-bucket");
    for (const key of ["domainOwner", "codeartifactRegion", "kmsKeyArn", "alarmTopicArn"] as const) assert.equal(settings[key], undefined, key);
});

test("the stack program hands the settings' requirements and tags over as copies", () => {
    const settings = resolveRefresherArgs("copy", { ...BASE, requirements: ["pkg==1"], tags: { team: "data" } });
    const args = stackArgs(settings);
    assert.deepEqual(args.requirements, ["pkg==1"]);
    assert.deepEqual(args.tags, { team: "data" });
    assert.ok(!Object.isFrozen(args.requirements) && !Object.isFrozen(args.tags), "a caller may extend them");
});

test("the component records its outputs in the state, the two alarm names included", async () => {
    const d = await deploy();
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, { state?: unknown }> };
    const state = monitor.resources.get(await valueOf(d.refresher.urn))?.state as { toJavaScript?: () => Record<string, unknown> } | undefined;
    const outputs = state?.toJavaScript?.() ?? {};
    assert.deepEqual(Object.keys(outputs).sort(), [
        "alarmNames", "bucket", "failedRefreshesSurvived", "functionArn", "functionName", "logGroupName", "requirementsKey",
        "requirementsVersionId", "scheduleExpression", "tokenKey", "worstCaseTokenSecondsLeft",
    ]);
    const alarms = d.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => r.state.name);
    assert.deepEqual(await valueOf(d.refresher.alarmNames), alarms);
});

test("the bootstrap token file is one pip comment line, and the alias is the type token earlier releases registered", () => {
    const at = new Date("2030-01-02T03:04:05.678Z");
    assert.match(bootstrapContent(at), /^# [^\n]+\n$/);
    assert.match(bootstrapContent(at), BOOTSTRAP_PATTERN);
    assert.ok(bootstrapContent(at).includes(at.toISOString()), "the placeholder names its creation");
    const lifecycle = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "lifecycle.md"), "utf8");
    assert.ok(lifecycle.includes(`an alias from \`${PREVIOUS_REFRESHER_TYPE}\``), "docs/lifecycle.md names the alias");
});

/** Loads the serialized handler module as Lambda would, with `env` as its process environment. */
async function loadHandlerModule(env: Record<string, string>): Promise<Record<string, unknown>> {
    const { text } = await serializeHandler();
    const module = { exports: {} as Record<string, unknown> };
    const load = vm.compileFunction(text, ["exports", "require", "module", "process"]) as
        (exports: unknown, require: NodeJS.Require, module: unknown, process: unknown) => void;
    load(module.exports, require, module, { ...process, env });
    return module.exports;
}

test("the serialized module builds the handler when it loads: a bad configuration fails at init", async () => {
    await assert.rejects(loadHandlerModule({}), /^Error: Invalid token refresh configuration: CODEARTIFACT_DOMAIN is missing/);
    const exports = await loadHandlerModule({
        [ENV.domain]: "my-domain", [ENV.domainOwner]: ACCOUNT, [ENV.repository]: "my-repo", [ENV.region]: "us-west-2", [ENV.bucket]: BUCKET,
        [ENV.key]: "dags/codeartifact.txt", [ENV.durationSeconds]: "3600", [ENV.indexOption]: "index-url",
        [ENV.metricNamespace]: "MWAA/CodeArtifactToken", [ENV.indexCheck]: "token",
    });
    assert.deepEqual(Object.keys(exports), ["handler"]);
    assert.equal(typeof exports.handler, "function");
});

test("the deploy event lists what pip would look up, only for indexCheck requirements with index-url", async () => {
    const requirements = ['--constraint "https://example.com/c.txt"', "your-package==1.4.2", "Apache_Airflow[s3]; sys_platform == 'win32'", "boto3>=1"];
    const event = (overrides: Partial<CodeArtifactTokenRefresherArgs>) => deploy({ requirements, ...overrides })
        .then((d) => JSON.parse(d.one("aws:lambda/invocation:Invocation").inputs.input as string) as unknown);
    assert.deepEqual(await event({}), { source: "pulumi-up", requirements: [{ name: "your-package", pin: "1.4.2" }, { name: "boto3" }] });
    assert.deepEqual(await event({ indexOption: "extra-index-url" }), { source: "pulumi-up" });
    for (const indexCheck of ["token", "none"]) {
        const d = await deploy({ requirements, indexCheck });
        assert.deepEqual(JSON.parse(d.one("aws:lambda/invocation:Invocation").inputs.input as string), { source: "pulumi-up" });
        assert.equal((d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables[ENV.indexCheck], indexCheck);
    }
    assert.deepEqual(JSON.parse(deployEvent({ indexCheck: "requirements", indexOption: "index-url", requirements: ["a", "A", "b==2"] })),
        { source: "pulumi-up", requirements: [{ name: "a" }, { name: "b", pin: "2" }] });
});

test("a bad indexCheck argument is refused with the component's one message", async () => {
    await assert.rejects(deploy({ indexCheck: "all" }), (err: Error) => err.message.includes(
        'indexCheck: got "all"; allowed: one of "requirements" (the token and every requirement, at pulumi up), "token" (the token alone), "none"'));
});

/** What a deployment hands AWS, with the component's name taken out so that two deployments compare. */
function deployedFacts(d: Deployed): string {
    const inputs = (type: string, suffix?: string) => d.one(type, suffix).inputs;
    const variables = (inputs("aws:lambda/function:Function").environment as { variables: Record<string, string> }).variables;
    const tokenFile = inputs("aws:s3/bucketObjectv2:BucketObjectv2", "token-file");
    const facts = {
        types: d.resources.map((r) => r.type).sort(),
        // What the function runs with, as it reads its environment (an empty variable is an unset one).
        config: readRefreshConfig(variables),
        policy: policyOf(d),
        tokenFile: [tokenFile.key, tokenFile.serverSideEncryption, tokenFile.kmsKeyId],
        requirements: [inputs("aws:s3/bucketObjectv2:BucketObjectv2", "requirements").key, inputs("aws:s3/bucketObjectv2:BucketObjectv2", "requirements").content],
        event: inputs("aws:lambda/invocation:Invocation").input,
        alarms: [inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "refresh-failed").alarmActions, inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "token-stale").okActions],
    };
    // Autonames are `<name>-<child>-<7 random hex>`.
    return JSON.stringify(facts).replace(new RegExp(`\\b${d.name}-([a-z-]+)-[0-9a-f]{7}\\b`, "g"), "NAME-$1");
}

/** Every optional string argument with a value other than its default. */
const OPTIONAL_STRINGS: readonly (readonly [keyof CodeArtifactTokenRefresherArgs, string])[] = [
    ["dagsPrefix", "airflow/dags"], ["requirementsKey", "deps/requirements.txt"], ["tokenFileName", "ca.txt"],
    ["domainOwner", "444455556666"], ["codeartifactRegion", "eu-west-1"], ["indexOption", "extra-index-url"],
    ["indexCheck", "token"], ["kmsKeyArn", KMS_KEY], ["alarmTopicArn", OPS_TOPIC], ["alarmEmail", "ops@example.org"],
];
/** The optional arguments a program may wire from other resources. */
const OPTIONAL_INPUTS = new Set(["domainOwner", "codeartifactRegion", "kmsKeyArn", "alarmTopicArn"]);

test('each optional argument given as "" (or an Output of "") deploys its documented default; a value (or its Output) deploys that value', async () => {
    const defaults = deployedFacts(await deploy({ requirements: ["your-package==1.4.2"] }));
    for (const [key, value] of OPTIONAL_STRINGS) {
        const facts = async (given: unknown) => deployedFacts(await deploy({ requirements: ["your-package==1.4.2"], [key]: given }));
        assert.equal(await facts(""), defaults, `${key}: ""`);
        const withValue = await facts(value);
        assert.notEqual(withValue, defaults, `${key}: ${value} deployed the default`);
        if (!OPTIONAL_INPUTS.has(key)) continue;
        assert.equal(await facts(pulumi.output("")), defaults, `${key}: an Output of ""`);
        assert.equal(await facts(pulumi.output(value)), withValue, `${key}: an Output of ${value}`);
    }
});

test("the domainOwner of the component's docs ('' for the deploying account) reaches the policy and the function as that account", async () => {
    for (const domainOwner of ["", pulumi.output(""), undefined]) {
        const d = await deploy({ domainOwner });
        const variables = (d.one("aws:lambda/function:Function").inputs.environment as { variables: Record<string, string> }).variables;
        assert.equal(variables[ENV.domainOwner], ACCOUNT);
        assert.ok(JSON.stringify(policyOf(d)).includes(`:${ACCOUNT}:domain/your-domain`));
    }
});

test("an Output is checked by its argument's rule once known: \"\" is unset, a bad value gets the component's message", () => {
    assert.equal(checkedOnceKnown("late", "domainOwner", ""), undefined);
    assert.equal(checkedOnceKnown("late", "kmsKeyArn", KMS_KEY), KMS_KEY);
    assert.throws(() => checkedOnceKnown("late", "domainOwner", "12"), (err: Error) => err instanceof pulumi.RunError && err.message ===
        'Invalid arguments of CodeArtifactTokenRefresher "late" (1 problem):\n' +
        '  - domainOwner: got "12"; allowed: a 12-digit AWS account ID such as 111122223333 (or "" for the deploying account)');
    assert.throws(() => checkedOnceKnown("late", "bucket", ""), /- bucket: got ""; allowed: an S3 bucket name/);
    assert.throws(() => checkedOnceKnown("late", "alarmTopicArn", 7), /- alarmTopicArn: got 7; allowed: a string$/);
});
