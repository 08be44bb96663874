// The facts the component, the function, the stack program and the tools share, written once. No
// imports: the function's module serializes what it references of this one into the Lambda package
// (as limits.ts), so what the function uses is plain constants, each serialized in a few bytes of its own.

/** How pip reads the repository: instead of PyPI, or beside it. */
const INDEX_OPTIONS = ["index-url", "extra-index-url"] as const;
export type IndexOption = (typeof INDEX_OPTIONS)[number];
/** What the function checks against the repository's index before it writes a token (indexCheck.ts). */
const INDEX_CHECK_SCOPES = ["requirements", "token", "none"] as const;
export type IndexCheckScope = (typeof INDEX_CHECK_SCOPES)[number];

/** A region code: us-west-2, us-gov-west-1, us-isob-east-1, cn-northwest-1 (a two-letter area, an optional partition word). */
const REGION = "[a-z]{2}(-[a-z]{3,4})?-(central|(north|south)(east|west)?|east|west)-[1-9]";
const HEX = "[0-9a-fA-F]";
/**
 * The name rules (and the index choices, as patterns) every layer checks with, as regular expression sources (`new RegExp(NAME_RULES.domain)`),
 * keyed by the function's configuration fields (ENV): an object of strings serializes into the Lambda
 * package as one literal. The component explains each refusal (lib/settings.ts); the verdicts are
 * these patterns' (test/contract.test.ts runs one table through the function's check and the component's).
 */
const NAME_RULES = {
    domain: "^[a-z][a-z0-9-]{0,48}[a-z0-9]$",
    /** An AWS account ID. */
    domainOwner: "^\\d{12}$",
    repository: "^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$",
    region: `^${REGION}$`,
    /** S3 general purpose bucket names: reserved prefixes and suffixes, adjacent dots and IP addresses refused. */
    bucket: "^(?!xn--|sthree-|amzn-s3-demo-|.*\\.\\.|(?:\\d+\\.){3}\\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$(?<!-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)",
    /**
     * The token file's key: S3-safe segments (no `.`, `..` or empty one), a folder then a `.txt` name,
     * at most 955 bytes (it names the metric dimension `s3://<bucket>/<key>`, limited to 1024).
     */
    key: "^(?=.{1,955}$)(?!(.*/)?\\.\\.?/)([\\w!.*'()-]+/)+[\\w!.*'()-]+\\.txt$",
    /** A KMS key ARN; an alias ARN is refused, because IAM policies scope KMS permissions by key ARN. */
    indexOption: `^(${INDEX_OPTIONS.join("|")})$`,
    indexCheck: `^(${INDEX_CHECK_SCOPES.join("|")})$`,
    kmsKeyArn: `^arn:aws(?:-[a-z]+)*:kms:${REGION}:\\d{12}:key/(?:mrk-${HEX}{32}|${HEX}{8}(?:-${HEX}{4}){3}-${HEX}{12})$`,
};

/** CodeArtifact's token lifetime bounds (GetAuthorizationToken durationSeconds), in seconds. */
const TOKEN_DURATION = { min: 900, max: 43200 };
/** The function's environment, in the order its message lists problems: the component writes these variables, the function reads them. */
const ENV = {
    domain: "CODEARTIFACT_DOMAIN",
    domainOwner: "CODEARTIFACT_DOMAIN_OWNER",
    repository: "CODEARTIFACT_REPOSITORY",
    region: "CODEARTIFACT_REGION",
    bucket: "TOKEN_BUCKET",
    key: "TOKEN_KEY",
    durationSeconds: "TOKEN_DURATION_SECONDS",
    indexOption: "INDEX_OPTION",
    kmsKeyArn: "KMS_KEY_ARN",
    metricNamespace: "METRIC_NAMESPACE",
    indexCheck: "INDEX_CHECK",
    roleArn: "FUNCTION_ROLE_ARN",
} as const;

/**
 * What the function and the other layers exchange besides the environment: the `source` of the
 * events it is invoked with (by `pulumi up`, which waits for IAM propagation, and on schedule), and
 * the token file's S3 user metadata it writes and `status` reads.
 */
const WIRE = {
    deployEvent: "pulumi-up",
    scheduleEvent: "schedule",
    expiresAtMetadata: "token-expires-at",
    refreshedAtMetadata: "refreshed-at",
} as const;

/** Where MWAA mounts the DAGs folder inside every container. */
const MWAA_DAGS_MOUNT = "/usr/local/airflow/dags";
/** The first line of requirements.txt, which the component writes and `status` looks for: the token file, as pip inside MWAA reads it. */
function requirementsIncludeLine(tokenFileName: string): string {
    return `-r ${MWAA_DAGS_MOUNT}/${tokenFileName}`;
}

/** Every default, for the component's arguments and the environment it gives the function (which requires every variable). */
const DEFAULTS = {
    dagsPrefix: "dags",
    requirementsKey: "requirements.txt",
    tokenFileName: "codeartifact.txt",
    indexOption: "index-url",
    indexCheck: "requirements",
    tokenDurationSeconds: 43200,
    logRetentionDays: 30,
    metricNamespace: "MWAA/CodeArtifactToken",
} as const;

export {
    NAME_RULES, TOKEN_DURATION, INDEX_OPTIONS, INDEX_CHECK_SCOPES, ENV, WIRE, MWAA_DAGS_MOUNT, requirementsIncludeLine,
    DEFAULTS,
};
