"""An MWAA environment that installs private packages from CodeArtifact: the bucket, the package
repository, the token refresher, and the environment pinned to the requirements.txt it wrote."""

import json

import pulumi
import pulumi_aws as aws
import pulumi_mwaa_codeartifact as mwaa_codeartifact

DOMAIN = "airflow-packages"
REPOSITORY = "airflow"

config = pulumi.Config()


def execution_role(source: aws.s3.Bucket) -> aws.iam.Role:
    """The environment's execution role: what MWAA itself needs (Amazon MWAA User Guide, "Amazon MWAA
    execution role"), with S3 reads limited to this bucket, so workers read `dags/` and with it the
    token file. Nothing for CodeArtifact: the token in the file is the credential."""
    role = aws.iam.Role(
        "mwaa-execution",
        assume_role_policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }],
        }),
    )
    account = aws.get_caller_identity_output().account_id
    region = aws.get_region_output().region
    aws.iam.RolePolicy(
        "mwaa-execution",
        role=role.id,
        policy=pulumi.Output.json_dumps({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "airflow:PublishMetrics",
                    "Resource": pulumi.Output.format("arn:aws:airflow:{0}:{1}:environment/*", region, account),
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
                    "Resource": [source.arn, pulumi.Output.concat(source.arn, "/*")],
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents",
                        "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults",
                    ],
                    "Resource": pulumi.Output.format("arn:aws:logs:{0}:{1}:log-group:airflow-*", region, account),
                },
                {
                    "Effect": "Allow",
                    "Action": ["logs:DescribeLogGroups", "cloudwatch:PutMetricData", "s3:GetAccountPublicAccessBlock"],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                        "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage",
                    ],
                    "Resource": pulumi.Output.format("arn:aws:sqs:{0}:*:airflow-celery-*", region),
                },
            ],
        }),
    )
    return role


# MWAA requires a versioned bucket with public access blocked. force_destroy lets `pulumi destroy`
# remove the bucket although the refresher keeps requirements.txt and the token file in it.
bucket = aws.s3.Bucket("mwaa", force_destroy=True)
versioning = aws.s3.BucketVersioning(
    "mwaa", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketPublicAccessBlock(
    "mwaa",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)

# With the default index_option (index-url) pip reads only CodeArtifact: Airflow's own dependencies
# come through the upstream connected to public PyPI.
package_repository: list[pulumi.Resource] = []
if config.get_bool("createRepository", True):
    domain = aws.codeartifact.Domain("packages", domain=DOMAIN)
    pypi = aws.codeartifact.Repository(
        "pypi",
        domain=domain.domain,
        repository="pypi-store",
        external_connections={"external_connection_name": "public:pypi"},
    )
    package_repository.append(aws.codeartifact.Repository(
        "airflow",
        domain=domain.domain,
        repository=REPOSITORY,
        upstreams=[{"repository_name": pypi.repository}],
    ))

refresher = mwaa_codeartifact.CodeArtifactTokenRefresher(
    "airflow",
    bucket=bucket.bucket,
    domain=DOMAIN,
    repository=REPOSITORY,
    requirements=["apache-airflow-providers-snowflake"],
    opts=pulumi.ResourceOptions(depends_on=[versioning, *package_repository]),
)

subnet_ids: list[str] = config.require_object("subnetIds")
security_group_ids: list[str] = config.require_object("securityGroupIds")
environment = aws.mwaa.Environment(
    "airflow",
    airflow_version="2.10.3",
    environment_class="mw1.small",
    source_bucket_arn=bucket.arn,
    dag_s3_path="dags",
    requirements_s3_path=refresher.requirements_key,
    requirements_s3_object_version=refresher.requirements_version_id,
    execution_role_arn=execution_role(bucket).arn,
    network_configuration={"subnet_ids": subnet_ids, "security_group_ids": security_group_ids},
)

pulumi.export("bucket_name", bucket.bucket)
pulumi.export("environment_name", environment.name)
pulumi.export("requirements_version_id", refresher.requirements_version_id)
pulumi.export("token_function", refresher.function_name)
