// An MWAA environment that installs private packages from CodeArtifact: the bucket, the package
// repository, the token refresher, and the environment pinned to the requirements.txt it wrote.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CodeArtifactTokenRefresher } from "mwaa-codeartifact-token";

const config = new pulumi.Config();
const DOMAIN = "airflow-packages";
const REPOSITORY = "airflow";

// MWAA requires a versioned bucket with public access blocked. forceDestroy lets `pulumi destroy`
// remove the bucket although the refresher keeps requirements.txt and the token file in it.
const bucket = new aws.s3.Bucket("mwaa", { forceDestroy: true });
const versioning = new aws.s3.BucketVersioning("mwaa", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
new aws.s3.BucketPublicAccessBlock("mwaa", {
    bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
});

// With the default indexOption (index-url) pip reads only CodeArtifact: Airflow's own dependencies
// come through the upstream connected to public PyPI.
const packageRepository: pulumi.Resource[] = [];
if (config.getBoolean("createRepository") ?? true) {
    const domain = new aws.codeartifact.Domain("packages", { domain: DOMAIN });
    const pypi = new aws.codeartifact.Repository("pypi", {
        domain: domain.domain, repository: "pypi-store", externalConnections: { externalConnectionName: "public:pypi" },
    });
    packageRepository.push(new aws.codeartifact.Repository("airflow", {
        domain: domain.domain, repository: REPOSITORY, upstreams: [{ repositoryName: pypi.repository }],
    }));
}

const refresher = new CodeArtifactTokenRefresher("airflow", {
    bucket: bucket.bucket,
    domain: DOMAIN,
    repository: REPOSITORY,
    requirements: ["apache-airflow-providers-snowflake"],
}, { dependsOn: [versioning, ...packageRepository] });

const environment = new aws.mwaa.Environment("airflow", {
    airflowVersion: "2.10.3",
    environmentClass: "mw1.small",
    sourceBucketArn: bucket.arn,
    dagS3Path: "dags",
    requirementsS3Path: refresher.requirementsKey,
    requirementsS3ObjectVersion: refresher.requirementsVersionId,
    executionRoleArn: executionRole(bucket).arn,
    networkConfiguration: {
        subnetIds: config.requireObject<string[]>("subnetIds"),
        securityGroupIds: config.requireObject<string[]>("securityGroupIds"),
    },
});

/**
 * The environment's execution role: what MWAA itself needs (Amazon MWAA User Guide, "Amazon MWAA
 * execution role"), with S3 reads limited to this bucket, so workers read `dags/` and with it the
 * token file. Nothing for CodeArtifact: the token in the file is the credential.
 */
function executionRole(source: aws.s3.Bucket): aws.iam.Role {
    const role = new aws.iam.Role("mwaa-execution", {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: ["airflow.amazonaws.com", "airflow-env.amazonaws.com"] }, Action: "sts:AssumeRole" }],
        }),
    });
    const account = aws.getCallerIdentityOutput().accountId;
    const region = aws.getRegionOutput().region;
    new aws.iam.RolePolicy("mwaa-execution", {
        role: role.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: "airflow:PublishMetrics", Resource: pulumi.interpolate`arn:aws:airflow:${region}:${account}:environment/*` },
                { Effect: "Allow", Action: ["s3:GetObject*", "s3:GetBucket*", "s3:List*"], Resource: [source.arn, pulumi.interpolate`${source.arn}/*`] },
                {
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents", "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults"],
                    Resource: pulumi.interpolate`arn:aws:logs:${region}:${account}:log-group:airflow-*`,
                },
                { Effect: "Allow", Action: ["logs:DescribeLogGroups", "cloudwatch:PutMetricData", "s3:GetAccountPublicAccessBlock"], Resource: "*" },
                {
                    Effect: "Allow",
                    Action: ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"],
                    Resource: pulumi.interpolate`arn:aws:sqs:${region}:*:airflow-celery-*`,
                },
            ],
        }),
    });
    return role;
}

export const bucketName = bucket.bucket;
export const environmentName = environment.name;
export const requirementsVersionId = refresher.requirementsVersionId;
export const tokenFunction = refresher.functionName;
