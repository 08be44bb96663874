/**
 * Facts about the bridged Pulumi AWS provider (@pulumi/aws 7.48.0, which bridges
 * hashicorp/terraform-provider-aws) that the local test double must reproduce: where a change to
 * an input the program sets forces replacement (ForceNew), and which properties the bridge
 * autonames.
 *
 * Sources read (read-only; nothing was vendored):
 * - terraform-provider-aws at commit 5f2286d6d836c1969afcf1b5b8f48194644295c6 (main on
 *   2026-06-02; Go pseudo-version v1.60.1-0.20260602190131-5f2286d6d836; its CHANGELOG heads
 *   "6.48.0 (Unreleased)", so the tree is v6.47.x plus unreleased work). Every file:line below is
 *   in that tree. This is NOT the exact upstream of @pulumi/aws 7.48.0: pulumi-aws v7.43.0 already
 *   bundled v6.61.0 (its release notes), and 7.48.0's schema has fields this tree lacks
 *   (MetricAlarm.warmUpConfiguration, Function.useResourceTimeoutForPropagation). Every ForceNew
 *   flag listed here is the same in the older copies read from the source index (s3/object.go
 *   033c721b, logs/group.go 0073593e, iam/role.go 0040ea69, iam/role_policy.go 02f97af8).
 * - pulumi/pulumi-aws provider/resource_overrides.go (commit 015d3438, a provider/v7 revision):
 *   the per-resource AutoName overrides and property renames.
 * - pulumi/pulumi-aws provider/autonaming.go (commit 0c5f6583): setAutonaming gives every
 *   resource with an input `name` and no override AutoName("name", 255, "-").
 * - pulumi/pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go (commit f75c416a):
 *   AutoName(name, maxlen, sep) = Randlen 7, ComputeAutoNameDefault.
 * - pulumi/pulumi sdk/go/common/resource/resource_id.go NewUniqueName.
 *
 * How the bridge autonames (no engine autonaming config): `<logical name><separator><7 random
 * chars from [0-9a-f]>`, the randomness drawn from the Check request's random seed. The name is
 * never truncated: when len(logical name) + len(separator) + 7 > maxLength, Check fails with
 * "name '<logical name>-' plus 7 random chars is longer than maximum length <maxLength>". A name
 * already in state is kept on update (SDKv2 resources record autonamed defaults and reuse them).
 * On a replacement the engine re-runs Check without old inputs, so the replacement gets a fresh
 * name. With engine autonaming config, "propose" uses the proposed name (error if longer than
 * maxLength), "enforce" uses it verbatim and "disable" fails when no name was given.
 *
 * Not listed, because the program never sets it: `region`, which every regional resource has in
 * provider v6 and which forces replacement when it changes (internal/provider/sdkv2/region.go,
 * forceNewIfRegionChanges), unless it only moves between unset and the provider's region.
 */

/** Where terraform-provider-aws forces replacement, per Pulumi type token: Pulumi property names, each with its source. */
export const FORCE_NEW: Readonly<Record<string, readonly { readonly property: string; readonly source: string }[]>> = {
    // aws_s3_object. Not ForceNew: content, contentType, cacheControl, serverSideEncryption,
    // kmsKeyId and etag (re-upload in place, see hasObjectContentChanges), tags (tagging API in
    // place), overrideProvider.
    "aws:s3/bucketObjectv2:BucketObjectv2": [
        {
            property: "bucket",
            source: "terraform-provider-aws internal/service/s3/object.go:84-87 (resourceObject schema: bucket Required, ForceNew)",
        },
        {
            property: "key",
            source: "terraform-provider-aws internal/service/s3/object.go:165-168 (resourceObject schema: key Required, ForceNew)",
        },
    ],
    // aws_cloudwatch_log_group. Not ForceNew: retentionInDays (PutRetentionPolicy/DeleteRetentionPolicy
    // in resourceGroupUpdate), tags.
    "aws:cloudwatch/logGroup:LogGroup": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/logs/group.go:65-69 (resourceGroup schema: name Optional, Computed, ForceNew)",
        },
    ],
    // aws_iam_role. Not ForceNew: assumeRolePolicy (UpdateAssumeRolePolicy in resourceRoleUpdate), tags.
    "aws:iam/role:Role": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/iam/role.go:171-175 (resourceRole SchemaFunc: name Optional, Computed, ForceNew)",
        },
    ],
    // aws_iam_role_policy. Not ForceNew: policy (resourceRolePolicyPut is also the Update: PutRolePolicy).
    "aws:iam/rolePolicy:RolePolicy": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/iam/role_policy.go:52-56 (resourceRolePolicy SchemaFunc: name Optional, Computed, ForceNew)",
        },
        {
            property: "role",
            source: "terraform-provider-aws internal/service/iam/role_policy.go:79-82 (resourceRolePolicy SchemaFunc: role Required, ForceNew)",
        },
    ],
    // aws_lambda_function. Pulumi `name` is TF function_name; Pulumi `code` is TF filename (hash in
    // source_code_hash). Not ForceNew: description, code, handler, role, runtime, architectures,
    // memorySize, timeout, environment, loggingConfig, tags (UpdateFunctionCode or
    // UpdateFunctionConfiguration in resourceFunctionUpdate). The schema's other ForceNew attributes
    // (package_type, tenancy_config, durable_config added or removed) are not set by the program.
    "aws:lambda/function:Function": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/lambda/function.go:242-245 (resourceFunction schema: function_name Required, ForceNew)",
        },
    ],
    // aws_lambda_invocation.
    "aws:lambda/invocation:Invocation": [
        {
            property: "functionName",
            source: "terraform-provider-aws internal/service/lambda/invocation.go:67-70 (resourceInvocation schema: function_name Required, ForceNew)",
        },
        {
            property: "input",
            source: "terraform-provider-aws internal/service/lambda/invocation.go:273-275 (customizeDiffInputChangeWithCreateOnlyScope: diff.ForceNew(\"input\") when lifecycle_scope is CREATE_ONLY, its default at invocation.go:80; with CRUD an input change is an in-place update)",
        },
        {
            property: "triggers",
            source: "terraform-provider-aws internal/service/lambda/invocation.go:102-105 (resourceInvocation schema: triggers Optional, ForceNew)",
        },
    ],
    // aws_cloudwatch_event_rule. Not ForceNew: description, scheduleExpression, tags.
    "aws:cloudwatch/eventRule:EventRule": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/events/rule.go:104-108 (resourceRule SchemaFunc: name Optional, Computed, ForceNew)",
        },
    ],
    // aws_cloudwatch_event_target. Not ForceNew: arn, input (PutTargets in resourceTargetUpdate).
    "aws:cloudwatch/eventTarget:EventTarget": [
        {
            property: "rule",
            source: "terraform-provider-aws internal/service/events/target.go:424-427 (resourceTarget SchemaFunc: rule Required, ForceNew)",
        },
        {
            property: "targetId",
            source: "terraform-provider-aws internal/service/events/target.go:493-497 (resourceTarget SchemaFunc: target_id Optional, Computed, ForceNew; autonamed by pulumi-aws)",
        },
    ],
    // aws_lambda_permission has no Update function at all: every argument is ForceNew.
    // Pulumi `function` is TF function_name.
    "aws:lambda/permission:Permission": [
        {
            property: "action",
            source: "terraform-provider-aws internal/service/lambda/permission.go:50-53 (resourcePermission schema: action Required, ForceNew; no UpdateWithoutTimeout)",
        },
        {
            property: "function",
            source: "terraform-provider-aws internal/service/lambda/permission.go:62-65 (resourcePermission schema: function_name Required, ForceNew)",
        },
        {
            property: "principal",
            source: "terraform-provider-aws internal/service/lambda/permission.go:79-82 (resourcePermission schema: principal Required, ForceNew)",
        },
        {
            property: "sourceArn",
            source: "terraform-provider-aws internal/service/lambda/permission.go:101-104 (resourcePermission schema: source_arn Optional, ForceNew)",
        },
        {
            property: "statementId",
            source: "terraform-provider-aws internal/service/lambda/permission.go:107-111 (resourcePermission schema: statement_id Optional, Computed, ForceNew; autonamed by pulumi-aws)",
        },
    ],
    // aws_lambda_function_event_invoke_config. Not ForceNew: maximumRetryAttempts,
    // maximumEventAgeInSeconds (PutFunctionEventInvokeConfig in resourceFunctionEventInvokeConfigUpdate).
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": [
        {
            property: "functionName",
            source: "terraform-provider-aws internal/service/lambda/function_event_invoke_config.go:80-83 (resourceFunctionEventInvokeConfig schema: function_name Required, ForceNew)",
        },
    ],
    // aws_cloudwatch_metric_alarm. Pulumi `name` is TF alarm_name. Every other input is updated in
    // place (PutMetricAlarm in resourceMetricAlarmUpdate); alarm_name is the only ForceNew attribute.
    "aws:cloudwatch/metricAlarm:MetricAlarm": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/cloudwatch/metric_alarm.go:81-84 (resourceMetricAlarm SchemaFunc: alarm_name Required, ForceNew)",
        },
    ],
    // aws_sns_topic. Not ForceNew: tags. (fifo_topic is ForceNew but not set by the program.)
    "aws:sns/topic:Topic": [
        {
            property: "name",
            source: "terraform-provider-aws internal/service/sns/topic.go:137-141 (topicSchema: name Optional, Computed, ForceNew)",
        },
    ],
    // aws_sns_topic_subscription. Pulumi `topic` is TF topic_arn.
    "aws:sns/topicSubscription:TopicSubscription": [
        {
            property: "topic",
            source: "terraform-provider-aws internal/service/sns/topic_subscription.go:108-111 (subscriptionSchema: topic_arn Required, ForceNew)",
        },
        {
            property: "protocol",
            source: "terraform-provider-aws internal/service/sns/topic_subscription.go:90-93 (subscriptionSchema: protocol Required, ForceNew)",
        },
        {
            property: "endpoint",
            source: "terraform-provider-aws internal/service/sns/topic_subscription.go:65-68 (subscriptionSchema: endpoint Required, ForceNew)",
        },
    ],
};

/**
 * Pulumi types the bridged provider autonames: the property and the maximum length (undefined when none).
 *
 * Every entry uses separator "-" and 7 random hex characters. Not listed: Invocation,
 * FunctionEventInvokeConfig and TopicSubscription (nothing autonamed), and BucketObjectv2, whose
 * `key` merely defaults to the logical name verbatim (resource_overrides.go "aws_s3_object":
 * FromName with Maxlen 0 and Randlen 0, not AutoNamed); the program always sets `key`.
 */
export const AUTONAMED: Readonly<Record<string, { readonly property: string; readonly maxLength?: number; readonly source: string }>> = {
    "aws:cloudwatch/logGroup:LogGroup": {
        property: "name",
        maxLength: 255,
        source: "pulumi-aws provider/autonaming.go setAutonaming (no override for aws_cloudwatch_log_group, so AutoName(\"name\", 255, \"-\")); terraform-provider-aws logs/validate.go validLogGroupName allows 512",
    },
    "aws:iam/role:Role": {
        property: "name",
        maxLength: 64,
        source: "pulumi-aws provider/resource_overrides.go aws_iam_role: \"name\": tfbridge.AutoName(\"name\", 64, \"-\"); terraform-provider-aws iam/role.go roleNameMaxLen = 64",
    },
    "aws:iam/rolePolicy:RolePolicy": {
        property: "name",
        maxLength: 255,
        source: "pulumi-aws provider/autonaming.go setAutonaming (aws_iam_role_policy overrides only role and policy, so AutoName(\"name\", 255, \"-\")); terraform-provider-aws iam/role_policy.go rolePolicyNameMaxLen = 128 rejects longer names at Check",
    },
    "aws:lambda/function:Function": {
        property: "name",
        maxLength: 64,
        source: "pulumi-aws provider/resource_overrides.go aws_lambda_function: \"function_name\": tfbridge.AutoName(\"name\", 64, \"-\")",
    },
    "aws:cloudwatch/eventRule:EventRule": {
        property: "name",
        maxLength: 64,
        source: "pulumi-aws provider/resource_overrides.go aws_cloudwatch_event_rule: \"name\": tfbridge.AutoName(\"name\", 64, \"-\"); terraform-provider-aws events/validate.go validateRuleName allows 64",
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        property: "targetId",
        maxLength: 255,
        source: "pulumi-aws provider/resource_overrides.go aws_cloudwatch_event_target: \"target_id\": tfbridge.AutoName(\"targetId\", 255, \"-\"); terraform-provider-aws events/validate.go validateTargetID rejects more than 64 characters at Check",
    },
    "aws:lambda/permission:Permission": {
        property: "statementId",
        maxLength: 100,
        source: "pulumi-aws provider/resource_overrides.go aws_lambda_permission: \"statement_id\": tfbridge.AutoName(\"statementId\", 100, \"-\"); terraform-provider-aws lambda/validate.go validPolicyStatementID allows 1-100",
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        property: "name",
        maxLength: 255,
        source: "pulumi-aws provider/resource_overrides.go aws_cloudwatch_metric_alarm: \"alarm_name\": tfbridge.AutoName(\"name\", 255, \"-\")",
    },
    "aws:s3/bucket:Bucket": {
        property: "bucket",
        maxLength: 63,
        source: "pulumi-aws provider/resource_overrides.go aws_s3_bucket: AutoNameWithCustomOptions(\"bucket\", {Separator \"-\", Maxlen 63, Randlen 7, Transform strings.ToLower})",
    },
    "aws:mwaa/environment:Environment": {
        property: "name",
        maxLength: 255,
        source: "pulumi-aws provider/autonaming.go setAutonaming: every resource with an input `name` and no override gets AutoName(\"name\", 255, \"-\")",
    },
    "aws:sns/topic:Topic": {
        property: "name",
        maxLength: 80,
        source: "pulumi-aws provider/resource_overrides.go aws_sns_topic: AutoNameWithCustomOptions(\"name\", {Separator \"-\", Maxlen 80, Randlen 7, PostTransform appends \".fifo\" when fifoTopic is true})",
    },
};
