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
import { createHandler } from "./functions/handler";
import { functionTimeoutSeconds } from "./functions/limits";
import {
    DEFAULTS, DEPLOY_EVENT_SOURCE, ENV, METRIC_DIMENSION, METRIC_NAME, TOKEN_FILE_CACHE_CONTROL, TOKEN_FILE_CONTENT_TYPE,
} from "./functions/refresh";
import { DESCRIPTION_LIMITS, fitText, refresherNameProblems } from "./naming";
import { lambdaTrustPolicy, refreshPolicy } from "./policy";
import { failedRefreshesSurvived, scheduleExpression, worstCaseTokenSecondsLeft } from "./schedule";
import { stalenessAlarmWindow } from "./monitoring";
import { parseSettings, SettingsError, type Settings } from "./settings";

/**
 * The component's type token: `<package>:index:<class>`, as the multi-language plugin's schema
 * advertises it (the package name is `provider/package.json`'s).
 */
export const REFRESHER_TYPE = "mwaa-codeartifact:index:CodeArtifactTokenRefresher";
/** The type token before the multi-language plugin; an alias keeps existing stacks' resources in place. */
export const PREVIOUS_REFRESHER_TYPE = "mwaa-codeartifact:index:TokenRefresher";

/** Where MWAA mounts the DAGs folder inside every container. */
export const MWAA_DAGS_MOUNT = "/usr/local/airflow/dags";
/** CloudWatch namespace of the metric the refresh function emits. */
export const METRIC_NAMESPACE = DEFAULTS.metricNamespace;
/** What the token file holds between its creation and the first refresh, seconds later during `pulumi up`. */
export const BOOTSTRAP_CONTENT = "# Placeholder written by Pulumi; the refresh function replaces it with a CodeArtifact index URL.\n";
export { TOKEN_FILE_CONTENT_TYPE };

/**
 * The packages `CallbackFunction` would otherwise zip into the function. The handler only needs the
 * AWS SDK v3 clients, which the Lambda Node.js runtime provides, so nothing from node_modules ships.
 */
export const PACKAGES_LEFT_TO_THE_RUNTIME = ["@pulumi/pulumi", "@pulumi/aws", "@aws-sdk/client-codeartifact", "@aws-sdk/client-s3"];

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

/** The component's arguments from validated stack settings (`readSettings()`). */
export function refresherArgs(settings: Settings): CodeArtifactTokenRefresherArgs {
    return { ...settings, requirements: [...settings.requirements], tags: { ...settings.tags } };
}

/**
 * Valid stand-ins for arguments that are Outputs (known only at deploy time, and then checked by
 * AWS); every plain value is checked by the same rules as stack configuration.
 */
const DEFERRED_ARGS: Readonly<Record<string, string>> = {
    bucket: "deferred-bucket",
    domainOwner: "111122223333",
    codeartifactRegion: "us-east-1",
    kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000",
    alarmTopicArn: "arn:aws:sns:us-east-1:111122223333:deferred",
};

/**
 * Applies defaults and normalisation to the arguments, refusing bad ones with the same single
 * message `pulumi preview` shows for bad stack configuration (keys prefixed with the component's
 * name). For arguments given as Outputs the result holds stand-ins: read those from `args`.
 */
export function resolveRefresherArgs(name: string, args: CodeArtifactTokenRefresherArgs): Settings {
    const nameProblems = refresherNameProblems(name);
    if (nameProblems.length > 0) {
        throw new SettingsError([{ key: "name", given: JSON.stringify(name), allowed: `a component name of ${nameProblems.join(", ")}` }],
            { project: "CodeArtifactTokenRefresher" });
    }
    const values = args as unknown as Readonly<Record<string, unknown>>;
    return parseSettings((key) => {
        const value = values[key];
        if (value === undefined || typeof value === "string") {
            return value;
        }
        if (typeof value === "number" || Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
            return JSON.stringify(value);
        }
        return DEFERRED_ARGS[key];
    }, { project: name });
}

/** The `requirements.txt` body: the `-r` line that pulls in the token file, then the user's lines. */
export function renderRequirements(tokenFileName: string, extraLines: readonly string[]): string {
    return [`-r ${MWAA_DAGS_MOUNT}/${tokenFileName}`, ...extraLines].join("\n") + "\n";
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
        const parent = { parent: this };

        // Settings, derived.
        const { dagsPrefix, tokenFileName, requirementsKey, domain, repository } = settings;
        const tokenKey = `${dagsPrefix}/${tokenFileName}`;
        const durationSeconds = settings.tokenDurationSeconds;
        const intervalMinutes = settings.refreshIntervalMinutes;
        const tags = { ...settings.tags };
        const partition = getPartitionOutput({}, parent).partition;
        const accountId = getCallerIdentityOutput({}, parent).accountId;
        const region = getRegionOutput({}, parent).region;
        const domainOwner = pulumi.output(args.domainOwner ?? accountId);
        const codeartifactRegion = pulumi.output(args.codeartifactRegion ?? region);
        const bucket = pulumi.output(args.bucket);
        const kmsKeyArn = args.kmsKeyArn === undefined ? undefined : pulumi.output(args.kmsKeyArn);
        const encryption = kmsKeyArn === undefined
            ? { serverSideEncryption: "AES256" }
            : { serverSideEncryption: "aws:kms", kmsKeyId: kmsKeyArn };

        // S3 objects. The token file is written by Pulumi once, at creation; from then on only the
        // function writes it (TOKEN_FILE_IGNORED_CHANGES). It is untagged, provider default tags
        // included, because every PutObject of the function drops an object's tags. Both objects are
        // kept on destroy and replacement: the provider would delete every version of the key,
        // including the requirements.txt version the MWAA environment pins.
        const tokenFile = new s3.BucketObjectv2(`${name}-token-file`, {
            bucket,
            key: tokenKey,
            content: BOOTSTRAP_CONTENT,
            contentType: TOKEN_FILE_CONTENT_TYPE,
            cacheControl: TOKEN_FILE_CACHE_CONTROL,
            overrideProvider: { defaultTags: { tags: {} } },
            ...encryption,
        }, { ...parent, ignoreChanges: [...TOKEN_FILE_IGNORED_CHANGES], retainOnDelete: true });

        // Function.
        const logGroup = new cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: settings.logRetentionDays, tags }, parent);
        const role = new iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()), tags }, parent);
        const policyDocument = pulumi
            .all([partition, codeartifactRegion, domainOwner, bucket, logGroup.arn, kmsKeyArn])
            .apply(([partition, codeartifactRegion, domainOwner, bucket, logGroupArn, kmsKeyArn]) =>
                JSON.stringify(refreshPolicy({
                    partition, codeartifactRegion, domainOwner, bucket, logGroupArn, kmsKeyArn,
                    domain, repository, tokenKey,
                })));
        const rolePolicy = new iam.RolePolicy(`${name}-policy`, { role: role.id, policy: policyDocument }, parent);
        const environment: Record<string, pulumi.Input<string>> = {
            [ENV.domain]: domain,
            [ENV.domainOwner]: domainOwner,
            [ENV.repository]: repository,
            [ENV.region]: codeartifactRegion,
            [ENV.durationSeconds]: String(durationSeconds),
            [ENV.bucket]: bucket,
            [ENV.key]: tokenKey,
            [ENV.indexOption]: settings.indexOption,
            [ENV.metricNamespace]: METRIC_NAMESPACE,
            ...(kmsKeyArn === undefined ? {} : { [ENV.kmsKeyArn]: kmsKeyArn }),
        };
        const fn = new lambda.CallbackFunction(`${name}-function`, {
            description: fitText(`Refreshes the CodeArtifact token in s3 object ${tokenKey} for MWAA`, DESCRIPTION_LIMITS.lambdaFunction),
            callbackFactory: () => createHandler(process.env),
            role,
            runtime: FUNCTION_RUNTIME,
            architectures: ["arm64"],
            memorySize: 256,
            timeout: functionTimeoutSeconds(),
            environment: { variables: environment },
            loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
            codePathOptions: { extraExcludePackages: [...PACKAGES_LEFT_TO_THE_RUNTIME] },
            tags,
        }, { ...parent, dependsOn: [rolePolicy] });
        // Refresh once during `pulumi up`, and again whenever anything the function runs with
        // changes, so that a broken runtime, policy or endpoint fails the deployment instead of a
        // worker hours later.
        const firstRefresh = new lambda.Invocation(`${name}-first-refresh`, {
            functionName: fn.name,
            input: JSON.stringify({ source: DEPLOY_EVENT_SOURCE }),
            triggers: invocationTriggers(fn, policyDocument),
        }, { ...parent, dependsOn: [tokenFile, rolePolicy, logGroup], additionalSecretOutputs: ["result"] });

        // requirements.txt is written only once the token file holds a real token, so an MWAA
        // environment wired to requirementsVersionId never updates before that. It never holds a
        // secret, so it stays on SSE-S3 even with a KMS key: only then is its ETag the MD5 of its
        // body, which is what makes a manual edit show up in `pulumi preview --refresh`.
        const requirementsContent = renderRequirements(tokenFileName, settings.requirements);
        const requirements = new s3.BucketObjectv2(`${name}-requirements`, {
            bucket,
            key: requirementsKey,
            content: requirementsContent,
            contentType: TOKEN_FILE_CONTENT_TYPE,
            serverSideEncryption: "AES256",
            etag: s3Etag(requirementsContent),
            tags,
        }, { ...parent, dependsOn: [firstRefresh], retainOnDelete: true });

        // Schedule.
        const expression = scheduleExpression(intervalMinutes);
        const rule = new cloudwatch.EventRule(`${name}-schedule`, {
            description: fitText(`Refreshes the CodeArtifact token for MWAA, ${expression}`, DESCRIPTION_LIMITS.eventRule),
            scheduleExpression: expression,
            tags,
        }, parent);
        new cloudwatch.EventTarget(`${name}-target`, {
            rule: rule.name,
            arn: fn.arn,
            input: JSON.stringify({ source: "schedule" }),
        }, parent);
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

        // Alarms.
        const notify: pulumi.Input<string>[] = [];
        if (args.alarmTopicArn !== undefined) {
            notify.push(args.alarmTopicArn);
        }
        if (settings.alarmEmail !== undefined) {
            const topic = new sns.Topic(`${name}-alarms`, { tags }, parent);
            new sns.TopicSubscription(`${name}-alarm-email`, { topic: topic.arn, protocol: "email", endpoint: settings.alarmEmail }, parent);
            notify.push(topic.arn);
        }
        const errorsAlarm = new cloudwatch.MetricAlarm(`${name}-refresh-failed`, {
            alarmDescription: fitText(
                `A CodeArtifact token refresh for s3 object ${tokenKey} failed; the previous token stays in place until it expires.`,
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
            tags,
        }, parent);
        const window = stalenessAlarmWindow(durationSeconds, intervalMinutes);
        // Missing data is "missing", not "breaching": a new alarm sees no datapoint until the first
        // refresh's EMF line is ingested, and "breaching" would page at every first deploy. With
        // "missing" a silent function moves the alarm to INSUFFICIENT_DATA, notified like ALARM.
        const staleAlarm = new cloudwatch.MetricAlarm(`${name}-token-stale`, {
            alarmDescription: bucket.apply((b) => fitText(
                `No fresh CodeArtifact token reached s3://${b}/${tokenKey} for ${window.evaluationPeriods} periods of ${window.periodSeconds}s ` +
                `(INSUFFICIENT_DATA: the function reported nothing at all); the current token expires in about ` +
                `${Math.round(window.tokenSecondsLeftWhenAlarmFires / 60)} minutes at worst.`, DESCRIPTION_LIMITS.metricAlarm)),
            namespace: METRIC_NAMESPACE,
            metricName: METRIC_NAME,
            dimensions: { [METRIC_DIMENSION]: pulumi.interpolate`s3://${bucket}/${tokenKey}` },
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
            tags,
        }, { ...parent, dependsOn: [firstRefresh] });

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
export function invocationTriggers(fn: lambda.Function, policyDocument: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
    return {
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
