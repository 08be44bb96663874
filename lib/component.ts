import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
// Submodule imports load 44 modules of @pulumi/aws instead of 311 (about 95 ms per preview).
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import * as iam from "@pulumi/aws/iam";
import * as lambda from "@pulumi/aws/lambda";
import * as s3 from "@pulumi/aws/s3";
import * as sns from "@pulumi/aws/sns";
import { createHandler } from "../functions/handler";
import { functionTimeoutSeconds } from "../functions/limits";
import { DEFAULTS, ENV, requirementsIncludeLine, WIRE } from "../functions/contract";
import { METRIC_DIMENSION, METRIC_NAME, TOKEN_FILE_CACHE_CONTROL, TOKEN_FILE_CONTENT_TYPE } from "../functions/refresh";
import { DESCRIPTION_LIMITS, fitText, refresherNameProblems } from "./naming";
import { lambdaTrustPolicy, refreshPolicy } from "./policy";
import { failedRefreshesSurvived, scheduleExpression, worstCaseTokenSecondsLeft } from "./schedule";
import { stalenessAlarmWindow } from "./monitoring";
import { requirementChecks } from "./requirements";
import { INPUT_RULES, readArguments, renderGiven, SettingsError, type InputKey, type Settings, type Wording } from "./settings";

/**
 * The component's type token: `<package>:index:<class>`, as the multi-language plugin's schema
 * advertises it (the package name is `provider/package.json`'s).
 */
export const REFRESHER_TYPE = "mwaa-codeartifact:index:CodeArtifactTokenRefresher";
/** The type token before the multi-language plugin; an alias keeps existing stacks' resources in place. */
export const PREVIOUS_REFRESHER_TYPE = "mwaa-codeartifact:index:TokenRefresher";

/** CloudWatch namespace of the metric the refresh function emits. */
export const METRIC_NAMESPACE = DEFAULTS.metricNamespace;
/**
 * What the token file holds between its creation and the function's write, seconds later in the
 * same `pulumi up`. It names the time of its creation: state keeps it (the provider never reads the
 * body back) and the deploy-time invocation is triggered by it, so every creation of the file, a
 * hand-deleted one restored by `pulumi up --refresh` included, runs the function again.
 */
export function bootstrapContent(createdAt: Date): string {
    return `# Placeholder written by Pulumi at ${createdAt.toISOString()}; the refresh function replaces it with a CodeArtifact index URL.\n`;
}
/** Every text bootstrapContent writes, for tools and tests that recognise the placeholder. */
export const BOOTSTRAP_PATTERN = /^# Placeholder written by Pulumi at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z; the refresh function replaces it with a CodeArtifact index URL\.\n$/;

/** The Lambda package's only file, without `.js`, and the export the runtime calls: `__index.handler`. */
export const HANDLER_FILE = "__index";
export const HANDLER_EXPORT = "handler";

/**
 * The handler factory, held in a binding of this module so that the closure serializer captures
 * the function itself. Captured through its module object instead, it would be written as
 * require("<package>/<path>") whenever this library runs from a consumer's node_modules, and the
 * Lambda package holds no such module.
 */
const refreshHandlerFactory = createHandler;

/**
 * The handler's serialization, shared by every refresher in the process: its text depends on no
 * argument, and serializing costs about 100 ms per instance (a program with 50 refreshers spent 12
 * times the evaluation time of one).
 */
let serializedHandler: Promise<pulumi.runtime.SerializedFunction> | undefined;

/** The inline handler factory serialized into one module whose export HANDLER_EXPORT is the handler. */
export function serializeHandler(): Promise<pulumi.runtime.SerializedFunction> {
    serializedHandler ??= pulumi.runtime.serializeFunction(() => refreshHandlerFactory(process.env), {
        exportName: HANDLER_EXPORT,
        isFactoryFunction: true,
        allowSecrets: false,
    });
    return serializedHandler;
}

/**
 * The Lambda package: the inline handler serialized into one file, with bare require()s of the AWS
 * SDK clients the Node.js runtime provides. Nothing from node_modules is zipped, and no code-path
 * walk of node_modules runs (which `CallbackFunction` always does).
 */
export function functionCode(): pulumi.Output<pulumi.asset.AssetArchive> {
    return pulumi.output(serializeHandler()).apply((s) =>
        new pulumi.asset.AssetArchive({ [`${HANDLER_FILE}.js`]: new pulumi.asset.StringAsset(s.text) }));
}

/** The function's runtime: Node.js 24 (Node.js 22 leaves maintenance in April 2027). */
export const FUNCTION_RUNTIME = lambda.Runtime.NodeJS24dX;

/**
 * Every `BucketObjectv2` input that makes the AWS provider upload the object again on update
 * (`hasObjectContentChanges` in terraform-provider-aws `internal/service/s3/object.go`), plus the
 * tags. The provider never reads the body back, so an update would upload the bootstrap text held
 * in state over the live token: after creation only the function writes the token file. Changing
 * the bucket or the key replaces the object instead.
 */
export const TOKEN_FILE_IGNORED_CHANGES: readonly string[] = Object.freeze([
    "bucketKeyEnabled", "cacheControl", "checksumAlgorithm", "content", "contentBase64", "contentDisposition",
    "contentEncoding", "contentLanguage", "contentType", "etag", "kmsKeyId", "metadata", "serverSideEncryption",
    "source", "sourceHash", "storageClass", "websiteRedirect", "tags", "tagsAll",
]);

/**
 * Arguments of `CodeArtifactTokenRefresher`. The same names as the stack settings (see `settings.ts`);
 * every plain value is checked by the same rules. Types stay within what the multi-language schema
 * can express (no readonly arrays, no literal unions), so Python, Go, .NET and YAML see the same
 * arguments; the arguments users wire from other resources are `Input`s.
 */
export interface CodeArtifactTokenRefresherArgs {
    /** Name of the MWAA environment's existing, versioned S3 bucket. */
    readonly bucket: pulumi.Input<string>;
    /** The environment's DAGs folder in the bucket (its `DagS3Path`), without slashes at either end. Default `dags`. */
    readonly dagsPrefix?: string;
    /** Key of the requirements file the environment points at (`RequirementsS3Path`). Default `requirements.txt`. */
    readonly requirementsKey?: string;
    /** Token file, relative to the DAGs folder. Default `codeartifact.txt`. */
    readonly tokenFileName?: string;
    /** Lines appended to `requirements.txt` after the `-r` line: packages, `--constraint` URLs. Default none. */
    readonly requirements?: string[];
    /** CodeArtifact domain name. */
    readonly domain: string;
    /** Account that owns the domain. Default: the deploying account. */
    readonly domainOwner?: pulumi.Input<string>;
    /** CodeArtifact repository that pip reads. */
    readonly repository: string;
    /** Region of the CodeArtifact domain. Default: the provider's region. */
    readonly codeartifactRegion?: pulumi.Input<string>;
    /** `index-url` (the repository replaces PyPI) or `extra-index-url` (the repository is added beside PyPI). Default `index-url`. */
    readonly indexOption?: string;
    /**
     * What the function checks against the repository's index before it writes a token: `requirements`
     * (at `pulumi up`, the token and every requirement's project and pinned version; on schedule, the
     * token), `token` (the token alone) or `none`. Default `requirements`.
     */
    readonly indexCheck?: string;
    /** Token lifetime requested from CodeArtifact, 900 to 43200 seconds. Default 43200. */
    readonly tokenDurationSeconds?: number;
    /**
     * Minutes between scheduled refreshes; one missed refresh must never let the token expire.
     * Default: the longest interval that survives two consecutive failed refreshes (240 for 12 h).
     */
    readonly refreshIntervalMinutes?: number;
    /** ARN of the KMS key the token file is encrypted with. Default: SSE-S3. */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Retention of the function's log group, in days. Default 30. */
    readonly logRetentionDays?: number;
    /** ARN of an existing SNS topic that receives alarm and recovery notifications. Default none. */
    readonly alarmTopicArn?: pulumi.Input<string>;
    /** Address subscribed (on a topic created here) to alarm notifications. Default none. */
    readonly alarmEmail?: string;
    /** Tags applied to every taggable resource. Default none. */
    readonly tags?: Record<string, string>;
}

/** How the component's one message reads: the component named, then each bad argument by its name. */
export function argumentsWording(name: string): Wording {
    return { title: `Invalid arguments of CodeArtifactTokenRefresher ${JSON.stringify(name)}`, keyPrefix: "" };
}

/** An Output (or a Promise) given for an argument that may be one: its value is known at deploy time. */
function isDeferred(value: unknown): value is pulumi.Output<unknown> | Promise<unknown> {
    return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/**
 * The bucket's stand-in while the plain arguments are checked, when it is given as an Output; the
 * optional arguments given as Outputs read as unset there. Each is checked by its own rule once
 * known (resolvedInput).
 */
const DEFERRED_BUCKET = "deferred-bucket";

/**
 * Checks the arguments, once, typed: defaults applied, `""` for an optional argument meaning unset,
 * and every problem (the name's included) in one SettingsError naming the arguments. For arguments
 * given as Outputs the result holds a stand-in bucket and leaves the others unset: planRefresher
 * resolves those (resolvedInput).
 */
export function resolveRefresherArgs(name: string, args: CodeArtifactTokenRefresherArgs): Settings {
    const values = args as unknown as Readonly<Record<string, unknown>>;
    const read = readArguments((key) => {
        const value = values[key];
        if (!isDeferred(value)) return value;
        return key === "bucket" ? DEFERRED_BUCKET : undefined;
    });
    const nameProblems = refresherNameProblems(name);
    const problems = [
        ...(nameProblems.length === 0 ? [] : [{ key: "name", given: renderGiven("name", name), allowed: `a component name of ${nameProblems.join(", ")}` }]),
        ...read.problems,
    ];
    if (problems.length > 0 || read.settings === undefined) throw new SettingsError(problems, argumentsWording(name));
    return read.settings;
}

/** An argument that may be an Output, resolved: a checked value, or an Output checked once known; unset when undefined. */
type Resolved = string | pulumi.Output<string | undefined> | undefined;

/**
 * The argument `key` as the component uses it: the checked plain value (`settled`), or the Output
 * checked by the same rule once it resolves, `""` then meaning unset as it does for a plain value.
 */
function resolvedInput(name: string, key: InputKey, given: pulumi.Input<string> | undefined, settled: string | undefined): Resolved {
    if (!isDeferred(given)) return settled;
    return pulumi.output(given).apply((value: unknown) => checkedOnceKnown(name, key, value));
}

/** An Output argument's value once known, by the rule its plain value is checked with: `""` is unset, a bad one throws. */
export function checkedOnceKnown(name: string, key: InputKey, value: unknown): string | undefined {
    if (key !== "bucket" && (value === undefined || value === "")) return undefined;
    const allowed = typeof value === "string" ? INPUT_RULES[key](value) : "a string";
    if (allowed !== undefined) throw new SettingsError([{ key, given: renderGiven(key, value), allowed }], argumentsWording(name));
    return value as string;
}

/** The `requirements.txt` body: the `-r` line that pulls in the token file, then the user's lines. */
export function renderRequirements(tokenFileName: string, extraLines: readonly string[]): string {
    return [requirementsIncludeLine(tokenFileName), ...extraLines].join("\n") + "\n";
}

/** S3's ETag of a single-part SSE-S3 upload: the MD5 of the body, so `pulumi refresh` sees manual edits. */
export function s3Etag(content: string): string {
    return createHash("md5").update(content, "utf8").digest("hex");
}

/**
 * Keeps a CodeArtifact authorization token fresh in an MWAA environment's DAGs folder, where
 * `requirements.txt` reads it on every container start.
 */
export class CodeArtifactTokenRefresher extends pulumi.ComponentResource {
    /** Name of the MWAA bucket both files are written to. */
    public readonly bucket: pulumi.Output<string>;
    /** Key of `requirements.txt` in the bucket; pass it to MWAA as `RequirementsS3Path`. */
    public readonly requirementsKey: pulumi.Output<string>;
    /** S3 version of `requirements.txt` written by this deployment; pass it to MWAA as `RequirementsS3ObjectVersion`. */
    public readonly requirementsVersionId: pulumi.Output<string>;
    /** Key of the token file the function rewrites, inside the DAGs folder. */
    public readonly tokenKey: pulumi.Output<string>;
    /** Name of the refresh Lambda function. */
    public readonly functionName: pulumi.Output<string>;
    /** ARN of the refresh Lambda function. */
    public readonly functionArn: pulumi.Output<string>;
    /** Name of the function's CloudWatch log group. */
    public readonly logGroupName: pulumi.Output<string>;
    /** EventBridge schedule of the refreshes, e.g. `rate(4 hours)`. */
    public readonly scheduleExpression: pulumi.Output<string>;
    /** Seconds of token life left, at worst, when a scheduled refresh runs. */
    public readonly worstCaseTokenSecondsLeft: pulumi.Output<number>;
    /** Consecutive failed refreshes the current token survives. */
    public readonly failedRefreshesSurvived: pulumi.Output<number>;
    /** Names of the two alarms: refresh failed, and token stale. */
    public readonly alarmNames: pulumi.Output<string[]>;

    constructor(name: string, args: CodeArtifactTokenRefresherArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = resolveRefresherArgs(name, args);
        super(REFRESHER_TYPE, name, {}, withPreviousType(opts));
        const plan = planRefresher(name, settings, args, { parent: this });
        const runtime = declareFunction(plan);
        const tokenFile = declareTokenFile(plan, runtime);
        const firstRefresh = declareFirstRefresh(plan, runtime, tokenFile);
        const requirements = declareRequirements(plan, firstRefresh);
        const rule = declareSchedule(plan, runtime.fn);
        const [errorsAlarm, staleAlarm] = declareAlarms(plan, runtime.fn, firstRefresh);
        const { tokenDurationSeconds: durationSeconds, refreshIntervalMinutes: intervalMinutes } = settings;
        const expression = scheduleExpression(intervalMinutes);
        const { bucket } = plan;
        const { fn, logGroup } = runtime;

        // Outputs.
        this.bucket = bucket;
        this.requirementsKey = requirements.key;
        this.requirementsVersionId = requirements.versionId;
        this.tokenKey = tokenFile.key;
        this.functionName = fn.name;
        this.functionArn = fn.arn;
        this.logGroupName = logGroup.name;
        this.scheduleExpression = rule.scheduleExpression.apply((e) => e ?? expression);
        this.worstCaseTokenSecondsLeft = pulumi.output(worstCaseTokenSecondsLeft(durationSeconds, intervalMinutes));
        this.failedRefreshesSurvived = pulumi.output(failedRefreshesSurvived(durationSeconds, intervalMinutes));
        this.alarmNames = pulumi.all([errorsAlarm.name, staleAlarm.name]);
        this.registerOutputs({
            bucket: this.bucket,
            requirementsKey: this.requirementsKey,
            requirementsVersionId: this.requirementsVersionId,
            tokenKey: this.tokenKey,
            functionName: this.functionName,
            functionArn: this.functionArn,
            logGroupName: this.logGroupName,
            scheduleExpression: this.scheduleExpression,
            worstCaseTokenSecondsLeft: this.worstCaseTokenSecondsLeft,
            failedRefreshesSurvived: this.failedRefreshesSurvived,
            alarmNames: this.alarmNames,
        });
    }
}

/** The caller's options plus an alias from the previous type token, so existing stacks update in place. */
function withPreviousType(opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [{ type: PREVIOUS_REFRESHER_TYPE }, ...(opts?.aliases ?? [])] };
}

/** How the staleness alarm treats missing data; see the component's alarm section and monitoring.ts. */
export const STALE_ALARM_MISSING_DATA = "missing";

/**
 * Everything the function runs with. A change to any of these re-runs the deploy-time refresh, so
 * that a function broken by it fails `pulumi up`. Read from the function's outputs, so any change,
 * including one made outside Pulumi and found by refresh, counts.
 */
export function invocationTriggers(
    fn: lambda.Function, policyDocument: pulumi.Input<string>, tokenFile: s3.BucketObjectv2,
): Record<string, pulumi.Input<string>> {
    return {
        tokenFile: tokenFile.content.apply((c) => c ?? ""),
        code: fn.codeSha256,
        configuration: pulumi.jsonStringify({
            runtime: fn.runtime,
            architectures: fn.architectures,
            memorySize: fn.memorySize,
            timeout: fn.timeout,
            role: fn.role,
            handler: fn.handler,
            environment: fn.environment,
            loggingConfig: fn.loggingConfig,
            layers: fn.layers,
            ephemeralStorage: fn.ephemeralStorage,
            vpcConfig: fn.vpcConfig,
            kmsKeyArn: fn.kmsKeyArn,
        }),
        policy: policyDocument,
    };
}

/** What every step of the component needs: settings, deploy-time values, and where children go. */
interface RefresherPlan {
    readonly name: string;
    readonly settings: Settings;
    readonly parent: pulumi.CustomResourceOptions;
    readonly tags: Record<string, string>;
    readonly tokenKey: string;
    readonly partition: pulumi.Output<string>;
    readonly bucket: pulumi.Output<string>;
    readonly domainOwner: pulumi.Output<string>;
    readonly codeartifactRegion: pulumi.Output<string>;
    readonly kmsKeyArn: Resolved;
    readonly alarmTopicArn: Resolved;
}

function planRefresher(name: string, settings: Settings, args: CodeArtifactTokenRefresherArgs, parent: pulumi.CustomResourceOptions): RefresherPlan {
    const accountId = getCallerIdentityOutput({}, parent).accountId;
    const region = getRegionOutput({}, parent).region;
    const input = (key: InputKey) => resolvedInput(name, key, args[key], settings[key]);
    return {
        name, settings, parent,
        tags: { ...settings.tags },
        tokenKey: `${settings.dagsPrefix}/${settings.tokenFileName}`,
        partition: getPartitionOutput({}, parent).partition,
        bucket: pulumi.output(input("bucket")).apply((b) => b ?? ""),
        domainOwner: pulumi.all([input("domainOwner"), accountId]).apply(([owner, account]) => owner ?? account),
        codeartifactRegion: pulumi.all([input("codeartifactRegion"), region]).apply(([given, provider]) => given ?? provider),
        kmsKeyArn: input("kmsKeyArn"),
        alarmTopicArn: input("alarmTopicArn"),
    };
}

/**
 * The token file is written by Pulumi once, at creation; from then on only the function writes it
 * (TOKEN_FILE_IGNORED_CHANGES). It is untagged, provider default tags included, because every
 * PutObject of the function drops an object's tags. It is kept on destroy and replacement: the
 * provider would delete every version of the key. It is created once the function can run, so that a
 * creation over a kept token (an `up` after `destroy`) leaves the placeholder there for the shortest time.
 */
function declareTokenFile(p: RefresherPlan, runtime: RefreshFunction): s3.BucketObjectv2 {
    const kms = p.kmsKeyArn;
    const encryption = kms === undefined ? { serverSideEncryption: "AES256" }
        : typeof kms === "string" ? { serverSideEncryption: "aws:kms", kmsKeyId: kms }
        : { serverSideEncryption: kms.apply((k) => (k === undefined ? "AES256" : "aws:kms")), kmsKeyId: kms as pulumi.Output<string> };
    return new s3.BucketObjectv2(`${p.name}-token-file`, {
        bucket: p.bucket,
        key: p.tokenKey,
        content: bootstrapContent(new Date()),
        contentType: TOKEN_FILE_CONTENT_TYPE,
        cacheControl: TOKEN_FILE_CACHE_CONTROL,
        overrideProvider: { defaultTags: { tags: {} } },
        ...encryption,
    }, { ...p.parent, ignoreChanges: [...TOKEN_FILE_IGNORED_CHANGES], retainOnDelete: true, dependsOn: [runtime.fn, runtime.rolePolicy] });
}

interface RefreshFunction {
    readonly fn: lambda.Function;
    readonly logGroup: cloudwatch.LogGroup;
    readonly rolePolicy: iam.RolePolicy;
    readonly policyDocument: pulumi.Output<string>;
}

function declareFunction(p: RefresherPlan): RefreshFunction {
    const { name, tags, settings } = p;
    const logGroup = new cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: settings.logRetentionDays, tags }, p.parent);
    const role = new iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()), tags }, p.parent);
    const policyDocument = pulumi
        .all([p.partition, p.codeartifactRegion, p.domainOwner, p.bucket, logGroup.arn, p.kmsKeyArn])
        .apply(([partition, codeartifactRegion, domainOwner, bucket, logGroupArn, kmsKeyArn]) =>
            JSON.stringify(refreshPolicy({
                partition, codeartifactRegion, domainOwner, bucket, logGroupArn, kmsKeyArn,
                domain: settings.domain, repository: settings.repository, tokenKey: p.tokenKey,
            })));
    const rolePolicy = new iam.RolePolicy(`${name}-policy`, { role: role.id, policy: policyDocument }, p.parent);
    const fn = new lambda.Function(`${name}-function`, {
        description: fitText(`Refreshes the CodeArtifact token in s3 object ${p.tokenKey} for MWAA`, DESCRIPTION_LIMITS.lambdaFunction),
        code: functionCode(),
        handler: `${HANDLER_FILE}.${HANDLER_EXPORT}`,
        role: role.arn,
        runtime: FUNCTION_RUNTIME,
        architectures: ["arm64"],
        memorySize: 256,
        timeout: functionTimeoutSeconds(),
        environment: { variables: functionEnvironment(p, role.arn) },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        tags,
    }, { ...p.parent, dependsOn: [rolePolicy] });
    return { fn, logGroup, rolePolicy, policyDocument };
}

function functionEnvironment(p: RefresherPlan, roleArn: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
    return {
        [ENV.domain]: p.settings.domain,
        [ENV.domainOwner]: p.domainOwner,
        [ENV.repository]: p.settings.repository,
        [ENV.region]: p.codeartifactRegion,
        [ENV.durationSeconds]: String(p.settings.tokenDurationSeconds),
        [ENV.bucket]: p.bucket,
        [ENV.key]: p.tokenKey,
        [ENV.indexOption]: p.settings.indexOption,
        [ENV.metricNamespace]: METRIC_NAMESPACE,
        [ENV.indexCheck]: p.settings.indexCheck,
        [ENV.roleArn]: roleArn,
        // An Output that resolves to unset leaves the variable empty, which the function reads as unset.
        ...(p.kmsKeyArn === undefined ? {} : { [ENV.kmsKeyArn]: typeof p.kmsKeyArn === "string" ? p.kmsKeyArn : p.kmsKeyArn.apply((k) => k ?? "") }),
    };
}

/**
 * The deploy-time invocation's event: its source, and the requirements pip would look up when they
 * are to be checked (with `index-url`: with `extra-index-url` pip falls back to PyPI). A change of
 * those lines changes the event, which re-runs the check.
 */
export function deployEvent(settings: Pick<Settings, "indexCheck" | "indexOption" | "requirements">): string {
    const requirements = settings.indexCheck === "requirements" && settings.indexOption === "index-url"
        ? requirementChecks(settings.requirements) : [];
    return JSON.stringify({ source: WIRE.deployEvent, ...(requirements.length > 0 ? { requirements } : {}) });
}

/**
 * Refreshes once during `pulumi up`, and again whenever anything the function runs with changes,
 * whenever the token file is created, and whenever the requirements to check change, so that a
 * broken runtime, policy, endpoint or requirement fails the deployment instead of a worker hours later.
 */
function declareFirstRefresh(p: RefresherPlan, runtime: RefreshFunction, tokenFile: s3.BucketObjectv2): lambda.Invocation {
    return new lambda.Invocation(`${p.name}-first-refresh`, {
        functionName: runtime.fn.name,
        input: deployEvent(p.settings),
        triggers: invocationTriggers(runtime.fn, runtime.policyDocument, tokenFile),
    }, { ...p.parent, dependsOn: [tokenFile, runtime.rolePolicy, runtime.logGroup], additionalSecretOutputs: ["result"] });
}

/**
 * requirements.txt is written only once the token file holds a real token, so an MWAA environment
 * wired to requirementsVersionId never updates before that. It never holds a secret, so it stays on
 * SSE-S3 even with a KMS key: only then is its ETag the MD5 of its body, which is what makes a
 * manual edit show up in `pulumi preview --refresh`. Kept on destroy and replacement, with every
 * version, including the one the environment pins.
 */
function declareRequirements(p: RefresherPlan, firstRefresh: lambda.Invocation): s3.BucketObjectv2 {
    const content = renderRequirements(p.settings.tokenFileName, p.settings.requirements);
    return new s3.BucketObjectv2(`${p.name}-requirements`, {
        bucket: p.bucket,
        key: p.settings.requirementsKey,
        content,
        contentType: TOKEN_FILE_CONTENT_TYPE,
        serverSideEncryption: "AES256",
        etag: s3Etag(content),
        tags: p.tags,
    }, { ...p.parent, dependsOn: [firstRefresh], retainOnDelete: true });
}

function declareSchedule(p: RefresherPlan, fn: lambda.Function): cloudwatch.EventRule {
    const { name, parent } = p;
    const intervalMinutes = p.settings.refreshIntervalMinutes;
    const expression = scheduleExpression(intervalMinutes);
    const rule = new cloudwatch.EventRule(`${name}-schedule`, {
        description: fitText(`Refreshes the CodeArtifact token for MWAA, ${expression}`, DESCRIPTION_LIMITS.eventRule),
        scheduleExpression: expression,
        tags: p.tags,
    }, parent);
    new cloudwatch.EventTarget(`${name}-target`, { rule: rule.name, arn: fn.arn, input: JSON.stringify({ source: WIRE.scheduleEvent }) }, parent);
    new lambda.Permission(`${name}-allow-schedule`, {
        action: "lambda:InvokeFunction",
        function: fn.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
    }, parent);
    // A failed scheduled refresh is retried, but never after the next one is due.
    new lambda.FunctionEventInvokeConfig(`${name}-retries`, {
        functionName: fn.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: Math.min(3600, intervalMinutes * 60),
    }, parent);
    return rule;
}

type AlarmTargets = pulumi.Input<pulumi.Input<string>[]>;

/** Where alarm notifications go: the given topic (dropped when an Output of it resolves to unset), and a topic with an email subscription. */
function alarmTargets(p: RefresherPlan): AlarmTargets {
    const notify: pulumi.Input<string>[] = [];
    if (p.settings.alarmEmail !== undefined) {
        const topic = new sns.Topic(`${p.name}-alarms`, { tags: p.tags }, p.parent);
        new sns.TopicSubscription(`${p.name}-alarm-email`, { topic: topic.arn, protocol: "email", endpoint: p.settings.alarmEmail }, p.parent);
        notify.push(topic.arn);
    }
    const given = p.alarmTopicArn;
    if (given === undefined) return notify;
    if (typeof given === "string") return [given, ...notify];
    return pulumi.all([given, ...notify]).apply((arns) => arns.filter((arn): arn is string => arn !== undefined));
}

function declareAlarms(p: RefresherPlan, fn: lambda.Function, firstRefresh: lambda.Invocation): [cloudwatch.MetricAlarm, cloudwatch.MetricAlarm] {
    const notify = alarmTargets(p);
    const errorsAlarm = new cloudwatch.MetricAlarm(`${p.name}-refresh-failed`, {
        alarmDescription: fitText(
            `A CodeArtifact token refresh for s3 object ${p.tokenKey} failed; the previous token stays in place until it expires.`,
            DESCRIPTION_LIMITS.metricAlarm),
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: notify,
        okActions: notify,
        tags: p.tags,
    }, p.parent);
    return [errorsAlarm, declareStaleAlarm(p, notify, firstRefresh)];
}

/**
 * Missing data is "missing", not "breaching": a new alarm sees no datapoint until the first
 * refresh's EMF line is ingested, and "breaching" would page at every first deploy. With "missing"
 * a silent function moves the alarm to INSUFFICIENT_DATA, notified like ALARM.
 */
function declareStaleAlarm(p: RefresherPlan, notify: AlarmTargets, firstRefresh: lambda.Invocation): cloudwatch.MetricAlarm {
    const window = stalenessAlarmWindow(p.settings.tokenDurationSeconds, p.settings.refreshIntervalMinutes);
    return new cloudwatch.MetricAlarm(`${p.name}-token-stale`, {
        alarmDescription: p.bucket.apply((b) => fitText(
            `No fresh CodeArtifact token reached s3://${b}/${p.tokenKey} for ${window.evaluationPeriods} periods of ${window.periodSeconds}s ` +
            `(INSUFFICIENT_DATA: the function reported nothing at all); the current token expires in about ` +
            `${Math.round(window.tokenSecondsLeftWhenAlarmFires / 60)} minutes at worst.`, DESCRIPTION_LIMITS.metricAlarm)),
        namespace: METRIC_NAMESPACE,
        metricName: METRIC_NAME,
        dimensions: { [METRIC_DIMENSION]: pulumi.interpolate`s3://${p.bucket}/${p.tokenKey}` },
        statistic: "Maximum",
        period: window.periodSeconds,
        evaluationPeriods: window.evaluationPeriods,
        datapointsToAlarm: window.evaluationPeriods,
        threshold: window.thresholdSeconds,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: STALE_ALARM_MISSING_DATA,
        alarmActions: notify,
        okActions: notify,
        insufficientDataActions: notify,
        tags: p.tags,
    }, { ...p.parent, dependsOn: [firstRefresh] });
}
