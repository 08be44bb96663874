/**
 * Pure builders for the refresh function's IAM documents. They take plain strings (resolved ARNs
 * parts) so they can be tested exhaustively without Pulumi, and they refuse anything that would
 * widen a statement beyond one exact resource.
 */

export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow";
    readonly Action: readonly string[];
    readonly Resource: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly PolicyStatement[];
}

/** Where everything the function touches lives; every field is a literal, never a wildcard. */
export interface RefreshPolicyScope {
    /** AWS partition of the deployment, e.g. `aws`, `aws-cn`, `aws-us-gov`. */
    readonly partition: string;
    readonly codeartifactRegion: string;
    readonly domainOwner: string;
    readonly domain: string;
    readonly repository: string;
    readonly bucket: string;
    /** The token object's key, e.g. `dags/codeartifact.txt`. */
    readonly tokenKey: string;
    /** ARN of the function's own log group (without the `:*` stream suffix). */
    readonly logGroupArn: string;
    /** KMS key the token object is encrypted with; absent for SSE-S3. */
    readonly kmsKeyArn?: string;
}

const PARTITION = /^aws(-[a-z]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

function requireLiteral(field: string, value: string, pattern?: RegExp): void {
    if (value.length === 0 || value.includes("*") || value.includes("?") || (pattern && !pattern.test(value))) {
        throw new Error(`refresh policy: ${field} must be an exact value${pattern ? ` matching ${pattern}` : ""}, got "${value}"`);
    }
}

export function codeartifactDomainArn(scope: Pick<RefreshPolicyScope, "partition" | "codeartifactRegion" | "domainOwner" | "domain">): string {
    return `arn:${scope.partition}:codeartifact:${scope.codeartifactRegion}:${scope.domainOwner}:domain/${scope.domain}`;
}

export function codeartifactRepositoryArn(
    scope: Pick<RefreshPolicyScope, "partition" | "codeartifactRegion" | "domainOwner" | "domain" | "repository">,
): string {
    return `arn:${scope.partition}:codeartifact:${scope.codeartifactRegion}:${scope.domainOwner}:repository/${scope.domain}/${scope.repository}`;
}

export function s3ObjectArn(partition: string, bucket: string, key: string): string {
    return `arn:${partition}:s3:::${bucket}/${key}`;
}

export interface TrustPolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly [{
        readonly Sid: string;
        readonly Effect: "Allow";
        readonly Principal: { readonly Service: string };
        readonly Action: "sts:AssumeRole";
    }];
}

/** Trust policy that lets only the Lambda service assume the role. */
export function lambdaTrustPolicy(): TrustPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "LambdaAssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    };
}

/**
 * The only permissions the refresh function needs. The token inherits the role's identity, so
 * `ReadFromRepository` here is what lets pip on MWAA read the repository with it.
 */
export function refreshPolicy(scope: RefreshPolicyScope): PolicyDocument {
    requireLiteral("partition", scope.partition, PARTITION);
    requireLiteral("codeartifactRegion", scope.codeartifactRegion, REGION);
    requireLiteral("domainOwner", scope.domainOwner, ACCOUNT);
    requireLiteral("domain", scope.domain);
    requireLiteral("repository", scope.repository);
    requireLiteral("bucket", scope.bucket);
    requireLiteral("tokenKey", scope.tokenKey);
    requireLiteral("logGroupArn", scope.logGroupArn, /^arn:aws(-[a-z]+)*:logs:[a-z0-9-]+:\d{12}:log-group:[^:*]+$/);

    const statements: PolicyStatement[] = [
        {
            Sid: "MintToken",
            Effect: "Allow",
            Action: ["codeartifact:GetAuthorizationToken"],
            Resource: codeartifactDomainArn(scope),
        },
        {
            Sid: "ReadRepository",
            Effect: "Allow",
            Action: ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
            Resource: codeartifactRepositoryArn(scope),
        },
        {
            Sid: "BearerTokenForCodeArtifact",
            Effect: "Allow",
            Action: ["sts:GetServiceBearerToken"],
            Resource: "*",
            Condition: { StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" } },
        },
        {
            Sid: "WriteTokenFile",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: s3ObjectArn(scope.partition, scope.bucket, scope.tokenKey),
        },
        {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${scope.logGroupArn}:*`,
        },
    ];
    if (scope.kmsKeyArn !== undefined) {
        requireLiteral("kmsKeyArn", scope.kmsKeyArn, /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/);
        statements.push({
            Sid: "EncryptTokenFile",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Encrypt"],
            Resource: scope.kmsKeyArn,
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}
