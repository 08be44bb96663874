// Why each action of the CI roles (deploy/iam/read.json, write.json) is granted: for every action,
// the resource type whose create, read, update or delete calls it, the API call, and the
// terraform-provider-aws source file it was read from. test/ciRole.test.ts holds the documents to
// this table both ways (an action granted without an entry, or an entry whose action is not
// granted, fails) and asks its IAM evaluator whether each entry's request is allowed.
//
// Provider source: hashicorp/terraform-provider-aws at 5f2286d6d836 (Go module version
// v1.60.1-0.20260602190131-5f2286d6d836); `source` paths are relative to its root unless they name
// a file of this repository. Whether @pulumi/aws 7.48 embeds exactly this commit was not checked.
// Resource types: AWS's Service Authorization Reference (SAR), as scraped in iann0036/iam-dataset
// aws/iam_definition.json (commit 08eff2d7ffe7).
//
// What the table covers is what this program's configuration makes the provider call: creating
// each resource, reading it (refresh, drift check, and the Read every Create and Update ends with),
// updating the properties the program sets, and deleting it. Not covered, on purpose: reverting an
// out-of-band edit of a property the program never sets (NOT_GRANTED below).

/** The phases of a resource's life, as the provider's CRUD functions. */
export type Phase = "create" | "read" | "update" | "delete";

/**
 * Which resource a request names, resolved per resource by the test: the resource itself, or the
 * bucket, KMS key, role or topic it refers to.
 */
export type Target = "self" | "bucket" | "kmsKey" | "passedRole" | "topic";

export interface Grant {
    readonly action: string;
    /** The Pulumi type token of the resource whose life needs the action. */
    readonly type: string;
    readonly phases: readonly Phase[];
    /** The API operation(s), and the provider function(s) that make them. */
    readonly calls: string;
    /** The file it was read from: in terraform-provider-aws, or (`tools/`…) in this repository. */
    readonly source: string;
    /** The resource the request names (default: the resource itself). */
    readonly on?: Target;
    /** Only under this condition. */
    readonly when?: string;
    /** SAR gives the action no resource type: it can only be granted on "*". */
    readonly unscopable?: true;
    /** Why the need is not certain; the section "What the roles may do, and why" (docs/ci.md) says the same. */
    readonly uncertain?: string;
}

export const PROVIDER_SOURCE = "hashicorp/terraform-provider-aws@5f2286d6d836";

export const TYPES = Object.freeze({
    object: "aws:s3/bucketObjectv2:BucketObjectv2",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    fn: "aws:lambda/function:Function",
    invocation: "aws:lambda/invocation:Invocation",
    permission: "aws:lambda/permission:Permission",
    invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
});

/** The SDKv2 tagging interceptor: Read lists tags unless the resource's Read set them; Update updates them. */
const TAGS = "internal/provider/sdkv2/tags_interceptor.go";
const TAG_ON_CREATE = "tags passed in the create call, which AWS may authorize as this action too (uncertain per service, see docs/ci.md)";
const READ_TAIL = "Create and Update end with Read";

/** The interceptor's ListTags, for a resource whose Read sets no tags. */
function listedTags(type: string, service: string, read: string): Grant {
    return {
        action: `${service}:ListTagsForResource`, type, phases: ["create", "read", "update"],
        calls: `ListTagsForResource (interceptor's ListTags: ${read} sets no tags)`, source: TAGS,
    };
}

/** Tags passed in the create call, then TagResource and UntagResource (updateTags) when they change. */
function taggedResource(type: string, service: string, createCall: string, onCreate = TAG_ON_CREATE): Grant[] {
    const updateTags = `updateTags in internal/service/${service}/tags_gen.go`;
    return [
        {
            action: `${service}:TagResource`, type, phases: ["create", "update"], source: TAGS,
            calls: `${createCall} with Tags; TagResource (${updateTags})`, when: `create: ${onCreate}; update: tags added or changed`,
        },
        { action: `${service}:UntagResource`, type, phases: ["update"], calls: `UntagResource (${updateTags})`, source: TAGS, when: "a tag removed" },
    ];
}

export const GRANTS: readonly Grant[] = Object.freeze([
    // --- aws:s3/bucketObjectv2: requirements.txt and the token file. Both retainOnDelete, and the
    // token file ignores every content and tag change (TOKEN_FILE_IGNORED_CHANGES).
    {
        action: "s3:GetObject", type: TYPES.object, phases: ["create", "read", "update"],
        calls: `HeadObject (resourceObjectRead → findObjectByBucketAndKey); ${READ_TAIL}`, source: "internal/service/s3/object.go",
    },
    {
        action: "s3:GetObject", type: TYPES.object, phases: ["read"],
        calls: "HeadObject of the token file, GetObject of requirements.txt (`npm run status`, drift job)", source: "tools/operate/status.ts",
    },
    {
        action: "s3:GetObjectTagging", type: TYPES.object, phases: ["create", "read", "update"],
        calls: "GetObjectTagging (objectListTags, by the interceptor's ListTags; also first in objectUpdateTags)", source: "internal/service/s3/tags.go",
    },
    {
        action: "s3:ListBucket", type: TYPES.object, phases: ["read"], on: "bucket",
        calls: "none of its own: without it S3 answers HeadObject of a missing key with 403, not 404, and resourceObjectRead fails instead of dropping the object from state",
        source: "internal/service/s3/object.go",
    },
    {
        action: "s3:PutObject", type: TYPES.object, phases: ["create", "update"],
        calls: "PutObject (resourceObjectUpload, one part through manager.Uploader: the bodies are far below 5 MiB)", source: "internal/service/s3/object.go",
        when: "update: only requirements.txt, when its content changes (hasObjectContentChanges)",
    },
    {
        action: "s3:PutObjectTagging", type: TYPES.object, phases: ["create", "update"],
        calls: "PutObject with x-amz-tagging (resourceObjectUpload); PutObjectTagging (objectUpdateTags)", source: "internal/service/s3/tags.go",
        when: "requirements.txt only (the token file is untagged); create: tags in the PutObject",
    },
    {
        action: "s3:DeleteObjectTagging", type: TYPES.object, phases: ["update"],
        calls: "DeleteObjectTagging (objectUpdateTags)", source: "internal/service/s3/tags.go",
        when: "requirements.txt, when the stack's tags become empty",
    },
    {
        action: "kms:GenerateDataKey", type: TYPES.object, phases: ["create"], on: "kmsKey",
        calls: "S3 calls KMS for the PutObject of the token file with SSE-KMS (resourceObjectUpload)", source: "internal/service/s3/object.go",
        when: "stacks with kmsKeyArn, through S3 only (kms:ViaService); the token file is never uploaded again by Pulumi",
    },

    // --- aws:cloudwatch/logGroup
    {
        action: "logs:CreateLogGroup", type: TYPES.logGroup, phases: ["create"],
        calls: "CreateLogGroup (resourceGroupCreate)", source: "internal/service/logs/group.go",
    },
    {
        action: "logs:PutRetentionPolicy", type: TYPES.logGroup, phases: ["create", "update"],
        calls: "PutRetentionPolicy (resourceGroupCreate, resourceGroupUpdate: retention_in_days is always set)", source: "internal/service/logs/group.go",
    },
    {
        action: "logs:DescribeLogGroups", type: TYPES.logGroup, phases: ["create", "read", "update"], unscopable: true,
        calls: `DescribeLogGroups with LogGroupNamePrefix (findLogGroupByName); ${READ_TAIL}`, source: "internal/service/logs/group.go",
    },
    listedTags(TYPES.logGroup, "logs", "resourceGroupRead"),
    ...taggedResource(TYPES.logGroup, "logs", "CreateLogGroup"),
    {
        action: "logs:DeleteLogGroup", type: TYPES.logGroup, phases: ["delete"],
        calls: "DeleteLogGroup (resourceGroupDelete)", source: "internal/service/logs/group.go",
    },

    // --- aws:iam/role
    {
        action: "iam:CreateRole", type: TYPES.role, phases: ["create"],
        calls: "CreateRole (resourceRoleCreate → retryCreateRole)", source: "internal/service/iam/role.go",
    },
    {
        action: "iam:GetRole", type: TYPES.role, phases: ["create", "read", "update"],
        calls: `GetRole (resourceRoleRead → findRoleByName; tags come with it); ${READ_TAIL}`, source: "internal/service/iam/role.go",
    },
    {
        action: "iam:ListRolePolicies", type: TYPES.role, phases: ["create", "read", "update", "delete"],
        calls: "ListRolePolicies (readRoleInlinePolicies in resourceRoleRead; findRolePolicyNames in deleteRole once Read stored the inline policy)",
        source: "internal/service/iam/role.go",
    },
    {
        action: "iam:GetRolePolicy", type: TYPES.role, phases: ["create", "read", "update"],
        calls: "GetRolePolicy for each inline policy (readRoleInlinePolicies in resourceRoleRead)", source: "internal/service/iam/role.go",
    },
    {
        action: "iam:ListAttachedRolePolicies", type: TYPES.role, phases: ["create", "read", "update"],
        calls: "ListAttachedRolePolicies (findRoleAttachedPolicies in resourceRoleRead)", source: "internal/service/iam/role.go",
    },
    {
        action: "iam:TagRole", type: TYPES.role, phases: ["create", "update"],
        calls: "CreateRole with Tags; TagRole (roleUpdateTags in internal/service/iam/tags.go)", source: "internal/service/iam/role.go",
        when: `create: ${TAG_ON_CREATE}; update: tags added or changed`,
    },
    {
        action: "iam:UntagRole", type: TYPES.role, phases: ["update"],
        calls: "UntagRole (roleUpdateTags)", source: "internal/service/iam/tags.go", when: "a tag removed",
    },
    {
        action: "iam:UpdateAssumeRolePolicy", type: TYPES.role, phases: ["update"],
        calls: "UpdateAssumeRolePolicy (resourceRoleUpdate)", source: "internal/service/iam/role.go", when: "the trust policy changes",
    },
    {
        action: "iam:ListInstanceProfilesForRole", type: TYPES.role, phases: ["delete"],
        calls: "ListInstanceProfilesForRole (deleteRole → deleteRoleInstanceProfiles; none to remove)", source: "internal/service/iam/role.go",
    },
    {
        action: "iam:DeleteRolePolicy", type: TYPES.role, phases: ["delete"],
        calls: "DeleteRolePolicy (deleteRole → deleteRoleInlinePolicies, for an inline policy still attached)", source: "internal/service/iam/role.go",
        when: "only if the role still has the policy; the engine deletes the RolePolicy first",
    },
    {
        action: "iam:DeleteRole", type: TYPES.role, phases: ["delete"],
        calls: "DeleteRole (deleteRole)", source: "internal/service/iam/role.go",
    },

    // --- aws:iam/rolePolicy (its requests name the role)
    {
        action: "iam:PutRolePolicy", type: TYPES.rolePolicy, phases: ["create", "update"],
        calls: "PutRolePolicy (resourceRolePolicyPut)", source: "internal/service/iam/role_policy.go",
    },
    {
        action: "iam:GetRolePolicy", type: TYPES.rolePolicy, phases: ["create", "read", "update"],
        calls: "GetRolePolicy (findRolePolicyByTwoPartKey: the create's wait and resourceRolePolicyRead)", source: "internal/service/iam/role_policy.go",
    },
    {
        action: "iam:DeleteRolePolicy", type: TYPES.rolePolicy, phases: ["delete"],
        calls: "DeleteRolePolicy (resourceRolePolicyDelete)", source: "internal/service/iam/role_policy.go",
    },

    // --- aws:lambda/function
    {
        action: "lambda:CreateFunction", type: TYPES.fn, phases: ["create"],
        calls: "CreateFunction (resourceFunctionCreate)", source: "internal/service/lambda/function.go",
    },
    {
        action: "iam:PassRole", type: TYPES.fn, phases: ["create", "update"], on: "passedRole",
        calls: "CreateFunction and UpdateFunctionConfiguration name the role (SAR: iam:PassRole is their dependent action)", source: "internal/service/lambda/function.go",
        when: "update: when the role changes",
    },
    {
        action: "lambda:GetFunction", type: TYPES.fn, phases: ["create", "read", "update", "delete"],
        calls: "GetFunction (findFunction in resourceFunctionRead; the create, update and delete waiters)", source: "internal/service/lambda/function.go",
    },
    {
        action: "lambda:ListTags", type: TYPES.fn, phases: ["create", "read", "update"],
        calls: "none of its own: Read takes the tags from GetFunction (setTagsOut), and Lambda returns them only to a caller allowed lambda:ListTags (GetFunction API reference)",
        source: "internal/service/lambda/function.go",
    },
    {
        action: "lambda:ListVersionsByFunction", type: TYPES.fn, phases: ["create", "read", "update"],
        calls: "ListVersionsByFunction (findLatestFunctionVersionByName in resourceFunctionFlatten)", source: "internal/service/lambda/function.go",
    },
    {
        action: "lambda:GetFunctionCodeSigningConfig", type: TYPES.fn, phases: ["create", "read", "update"],
        calls: "GetFunctionCodeSigningConfig (resourceFunctionFlatten)", source: "internal/service/lambda/function.go",
        when: "in the Regions of signerServiceIsAvailable (both sample stacks' us-west-2 among them)",
    },
    {
        action: "lambda:UpdateFunctionCode", type: TYPES.fn, phases: ["update"],
        calls: "UpdateFunctionCode (resourceFunctionUpdate, needsFunctionCodeUpdate)", source: "internal/service/lambda/function.go",
    },
    {
        action: "lambda:UpdateFunctionConfiguration", type: TYPES.fn, phases: ["update"],
        calls: "UpdateFunctionConfiguration (resourceFunctionUpdate, needsFunctionConfigUpdate)", source: "internal/service/lambda/function.go",
    },
    ...taggedResource(TYPES.fn, "lambda", "CreateFunction"),
    {
        action: "lambda:DeleteFunction", type: TYPES.fn, phases: ["delete"],
        calls: "DeleteFunction (resourceFunctionDelete)", source: "internal/service/lambda/function.go",
    },

    // --- aws:lambda/invocation: lifecycle_scope CREATE_ONLY, every input ForceNew: invoked on create only
    {
        action: "lambda:InvokeFunction", type: TYPES.invocation, phases: ["create"],
        calls: "Invoke (resourceInvocationCreate → invoke; Read is a no-op, Delete calls nothing in CREATE_ONLY scope)", source: "internal/service/lambda/invocation.go",
    },

    // --- aws:lambda/permission (its requests name the function); every input ForceNew, no Update
    {
        action: "lambda:AddPermission", type: TYPES.permission, phases: ["create"],
        calls: "AddPermission (resourcePermissionCreate)", source: "internal/service/lambda/permission.go",
    },
    {
        action: "lambda:GetPolicy", type: TYPES.permission, phases: ["create", "read", "delete"],
        calls: "GetPolicy (findPolicyStatementByTwoPartKey: resourcePermissionRead, and the delete's wait until gone)", source: "internal/service/lambda/permission.go",
    },
    {
        action: "lambda:RemovePermission", type: TYPES.permission, phases: ["delete"],
        calls: "RemovePermission (resourcePermissionDelete)", source: "internal/service/lambda/permission.go",
    },

    // --- aws:lambda/functionEventInvokeConfig (its requests name the function)
    {
        action: "lambda:PutFunctionEventInvokeConfig", type: TYPES.invokeConfig, phases: ["create", "update"],
        calls: "PutFunctionEventInvokeConfig (resourceFunctionEventInvokeConfigCreate and …Update: the update puts, too)", source: "internal/service/lambda/function_event_invoke_config.go",
    },
    {
        action: "lambda:GetFunctionEventInvokeConfig", type: TYPES.invokeConfig, phases: ["create", "read", "update"],
        calls: "GetFunctionEventInvokeConfig (findFunctionEventInvokeConfig in resourceFunctionEventInvokeConfigRead)", source: "internal/service/lambda/function_event_invoke_config.go",
    },
    {
        action: "lambda:DeleteFunctionEventInvokeConfig", type: TYPES.invokeConfig, phases: ["delete"],
        calls: "DeleteFunctionEventInvokeConfig (resourceFunctionEventInvokeConfigDelete)", source: "internal/service/lambda/function_event_invoke_config.go",
    },

    // --- aws:cloudwatch/eventRule
    {
        action: "events:PutRule", type: TYPES.rule, phases: ["create", "update"],
        calls: "PutRule (retryPutRule in resourceRuleCreate, resourceRuleUpdate)", source: "internal/service/events/rule.go",
    },
    {
        action: "events:DescribeRule", type: TYPES.rule, phases: ["create", "read", "update"],
        calls: "DescribeRule (findRuleByTwoPartKey: the create's wait, resourceRuleRead)", source: "internal/service/events/rule.go",
    },
    listedTags(TYPES.rule, "events", "resourceRuleRead"),
    ...taggedResource(TYPES.rule, "events", "PutRule"),
    {
        action: "events:DeleteRule", type: TYPES.rule, phases: ["delete"],
        calls: "DeleteRule (resourceRuleDelete)", source: "internal/service/events/rule.go",
    },

    // --- aws:cloudwatch/eventTarget (its requests name the rule)
    {
        action: "events:PutTargets", type: TYPES.target, phases: ["create", "update"],
        calls: "PutTargets (resourceTargetCreate, resourceTargetUpdate)", source: "internal/service/events/target.go",
    },
    {
        action: "events:ListTargetsByRule", type: TYPES.target, phases: ["create", "read", "update"],
        calls: "ListTargetsByRule (findTargetByThreePartKey in resourceTargetRead)", source: "internal/service/events/target.go",
    },
    {
        action: "events:RemoveTargets", type: TYPES.target, phases: ["delete"],
        calls: "RemoveTargets (resourceTargetDelete)", source: "internal/service/events/target.go",
    },

    // --- aws:cloudwatch/metricAlarm
    {
        action: "cloudwatch:PutMetricAlarm", type: TYPES.alarm, phases: ["create", "update"],
        calls: "PutMetricAlarm (resourceMetricAlarmCreate, resourceMetricAlarmUpdate)", source: "internal/service/cloudwatch/metric_alarm.go",
    },
    {
        action: "cloudwatch:DescribeAlarms", type: TYPES.alarm, phases: ["create", "read", "update"],
        calls: `DescribeAlarms with AlarmNames [name], AlarmTypes [MetricAlarm] (findMetricAlarmByName); ${READ_TAIL}`, source: "internal/service/cloudwatch/metric_alarm.go",
        uncertain: "scoped to the stack's alarm ARNs, as SAR allows (resource type alarm*); not yet run against AWS, whose API reference only says composite alarms need \"*\"",
    },
    listedTags(TYPES.alarm, "cloudwatch", "resourceMetricAlarmRead"),
    ...taggedResource(TYPES.alarm, "cloudwatch", "PutMetricAlarm"),
    {
        action: "cloudwatch:DeleteAlarms", type: TYPES.alarm, phases: ["delete"],
        calls: "DeleteAlarms (resourceMetricAlarmDelete)", source: "internal/service/cloudwatch/metric_alarm.go",
    },

    // --- aws:sns/topic (stacks with alarmEmail)
    {
        action: "sns:CreateTopic", type: TYPES.topic, phases: ["create"],
        calls: "CreateTopic (resourceTopicCreate)", source: "internal/service/sns/topic.go",
    },
    {
        action: "sns:SetTopicAttributes", type: TYPES.topic, phases: ["create"],
        calls: "SetTopicAttributes (putTopicAttributes in resourceTopicCreate: internal/attrmap/attrmap.go's ResourceDataToAPIAttributesCreate sends the five *_success_feedback_sample_rate attributes, plain Optional integers, even at 0; no update of this program changes an attribute)",
        source: "internal/service/sns/topic.go",
    },
    {
        action: "sns:GetTopicAttributes", type: TYPES.topic, phases: ["create", "read", "update"],
        calls: "GetTopicAttributes (findTopicAttributesWithValidAWSPrincipalsByARN in resourceTopicRead)", source: "internal/service/sns/topic.go",
    },
    listedTags(TYPES.topic, "sns", "resourceTopicRead"),
    ...taggedResource(TYPES.topic, "sns", "CreateTopic", "tags passed in CreateTopic (SAR lists sns:TagResource among its dependent actions)"),
    {
        action: "sns:DeleteTopic", type: TYPES.topic, phases: ["delete"],
        calls: "DeleteTopic (resourceTopicDelete)", source: "internal/service/sns/topic.go",
    },

    // --- aws:sns/topicSubscription (email): topic, protocol and endpoint are ForceNew, nothing updates in place
    {
        action: "sns:Subscribe", type: TYPES.subscription, phases: ["create"], on: "topic",
        calls: "Subscribe with its attributes in the request (resourceTopicSubscriptionCreate)", source: "internal/service/sns/topic_subscription.go",
    },
    {
        action: "sns:GetSubscriptionAttributes", type: TYPES.subscription, phases: ["create", "read", "delete"],
        calls: "GetSubscriptionAttributes (findSubscriptionAttributesByARN: resourceTopicSubscriptionRead, and the delete's waitSubscriptionDeleted)",
        source: "internal/service/sns/topic_subscription.go",
        uncertain: "scoped to the stack's topic ARN pattern, which SAR allows (optional resource type topic) and which covers the subscription ARN <topic ARN>:<id> as well; not yet run against AWS",
    },
    {
        action: "sns:Unsubscribe", type: TYPES.subscription, phases: ["delete"],
        calls: "Unsubscribe (resourceTopicSubscriptionDelete)", source: "internal/service/sns/topic_subscription.go",
    },
] satisfies Grant[]);

export interface NotGranted {
    readonly action: string;
    readonly type: string;
    /** Why no call of this program needs it. */
    readonly why: string;
    readonly source: string;
    readonly uncertain?: string;
}

/**
 * Actions the provider's code can call for these resource types that the roles do not get, and why.
 * The test fails if a document grants one of them.
 */
export const NOT_GRANTED: readonly NotGranted[] = Object.freeze([
    {
        action: "s3:DeleteObject", type: TYPES.object, source: "internal/service/s3/object.go",
        why: "resourceObjectDelete only; both objects are retainOnDelete, so the engine never calls the provider's Delete for them, on destroy or on replacement",
    },
    {
        action: "s3:DeleteObjectVersion", type: TYPES.object, source: "internal/service/s3/object.go",
        why: "resourceObjectDelete → deleteAllObjectVersions only (retainOnDelete, as above): it would erase every version of requirements.txt",
    },
    {
        action: "s3:ListBucketVersions", type: TYPES.object, source: "internal/service/s3/object.go",
        why: "deleteAllObjectVersions only (retainOnDelete, as above)",
    },
    {
        action: "kms:Decrypt", type: TYPES.object, source: "internal/service/s3/object.go",
        why: "no GET of the SSE-KMS token file: the provider's Read is HeadObject, `status` heads it, and the one-part PutObject needs only kms:GenerateDataKey",
        uncertain: "whether HeadObject of an SSE-KMS object needs kms:Decrypt; AWS documents it for GET only",
    },
    {
        action: "logs:DeleteRetentionPolicy", type: TYPES.logGroup, source: "internal/service/logs/group.go",
        why: "resourceGroupUpdate calls it only when retention_in_days becomes unset; the program always sets it (logRetentionDays, default 30)",
    },
    {
        action: "iam:UpdateRole", type: TYPES.role, source: "internal/service/iam/role.go",
        why: "resourceRoleUpdate calls it only when max_session_duration changes; the program never sets it",
    },
    {
        action: "lambda:UpdateFunctionEventInvokeConfig", type: TYPES.invokeConfig, source: "internal/service/lambda/function_event_invoke_config.go",
        why: "the provider's update calls PutFunctionEventInvokeConfig, never UpdateFunctionEventInvokeConfig",
    },
    {
        action: "sns:SetSubscriptionAttributes", type: TYPES.subscription, source: "internal/service/sns/topic_subscription.go",
        why: "resourceTopicSubscriptionUpdate only, for attributes that change in place; the program sets none (topic, protocol and endpoint replace), and Subscribe passes attributes in the request",
    },
] satisfies NotGranted[]);
