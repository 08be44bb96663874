import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { codeartifactDomainArn, codeartifactRepositoryArn, lambdaTrustPolicy, refreshPolicy, type RefreshPolicyScope } from "../lib/policy";

const SCOPE: RefreshPolicyScope = {
    partition: "aws",
    codeartifactRegion: "us-west-2",
    domainOwner: "111122223333",
    domain: "your-domain",
    repository: "your_repo",
    bucket: "airflow-dev",
    tokenKey: "dags/codeartifact.txt",
    logGroupArn: "arn:aws:logs:us-west-2:111122223333:log-group:refresh-logs",
};

const partitions = fc.constantFrom(
    ["aws", "us-east-1"], ["aws", "eu-central-1"], ["aws-us-gov", "us-gov-west-1"], ["aws-cn", "cn-northwest-1"], ["aws-iso", "us-iso-east-1"],
);
const account = fc.stringMatching(/^\d{12}$/);
const domainName = fc.stringMatching(/^[a-z][a-z0-9-]{0,48}[a-z0-9]$/);
const repoName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/);

test("ARNs carry the partition, region and owner they are given", () => {
    fc.assert(fc.property(partitions, account, domainName, repoName, ([partition, region], owner, domain, repository) => {
        const scope = { partition, codeartifactRegion: region, domainOwner: owner, domain, repository };
        assert.equal(codeartifactDomainArn(scope), `arn:${partition}:codeartifact:${region}:${owner}:domain/${domain}`);
        assert.equal(codeartifactRepositoryArn(scope), `arn:${partition}:codeartifact:${region}:${owner}:repository/${domain}/${repository}`);
    }));
});

test("every statement but the conditioned bearer-token one names exactly one resource, and no action is a wildcard", () => {
    fc.assert(fc.property(partitions, account, domainName, repoName, fc.boolean(), ([partition, region], owner, domain, repository, withKms) => {
        const doc = refreshPolicy({
            ...SCOPE, partition, codeartifactRegion: region, domainOwner: owner, domain, repository,
            logGroupArn: `arn:${partition}:logs:${region}:${owner}:log-group:x`,
            kmsKeyArn: withKms ? `arn:${partition}:kms:${region}:${owner}:key/1234abcd-12ab` : undefined,
        });
        const wildcards = doc.Statement.filter((s) => s.Resource === "*");
        assert.equal(wildcards.length, 1);
        assert.deepEqual(wildcards[0].Action, ["sts:GetServiceBearerToken"]);
        assert.deepEqual(wildcards[0].Condition, { StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" } });
        for (const s of doc.Statement) {
            assert.equal(typeof s.Resource, "string");
            for (const action of s.Action) {
                assert.doesNotMatch(action, /\*/);
            }
            if (s.Resource !== "*") {
                assert.ok(String(s.Resource).startsWith(`arn:${partition}:`), `${String(s.Resource)} is in the wrong partition`);
            }
        }
        assert.equal(doc.Statement.some((s) => s.Action.some((a) => a.startsWith("kms:"))), withKms);
    }));
});

test("the token object is the only S3 resource, and its ARN is exact", () => {
    const doc = refreshPolicy(SCOPE);
    const s3 = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith("s3:")));
    assert.deepEqual(s3.map((s) => [s.Action, s.Resource]), [[["s3:PutObject"], "arn:aws:s3:::airflow-dev/dags/codeartifact.txt"]]);
});

test("a wildcard or malformed scope is refused with the field named", () => {
    const cases: Array<[Partial<RefreshPolicyScope>, RegExp]> = [
        [{ bucket: "*" }, /bucket must be an exact value/],
        [{ tokenKey: "dags/*" }, /tokenKey must be an exact value/],
        [{ domainOwner: "1234" }, /domainOwner must be an exact value/],
        [{ codeartifactRegion: "*" }, /codeartifactRegion must be an exact value/],
        [{ partition: "" }, /partition must be an exact value/],
        [{ logGroupArn: "arn:aws:logs:us-west-2:111122223333:log-group:*" }, /logGroupArn must be an exact value/],
        [{ kmsKeyArn: "arn:aws:kms:us-west-2:111122223333:alias/mine" }, /kmsKeyArn must be an exact value/],
    ];
    for (const [override, message] of cases) {
        assert.throws(() => refreshPolicy({ ...SCOPE, ...override }), message);
    }
});

test("only the Lambda service may assume the role", () => {
    assert.deepEqual(lambdaTrustPolicy().Statement, [
        { Sid: "LambdaAssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
});

test("the whole refresh policy, statement by statement", () => {
    const kmsKeyArn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab";
    assert.deepEqual(refreshPolicy({ ...SCOPE, kmsKeyArn }), {
        Version: "2012-10-17",
        Statement: [
            { Sid: "MintToken", Effect: "Allow", Action: ["codeartifact:GetAuthorizationToken"],
                Resource: "arn:aws:codeartifact:us-west-2:111122223333:domain/your-domain" },
            { Sid: "ReadRepository", Effect: "Allow", Action: ["codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"],
                Resource: "arn:aws:codeartifact:us-west-2:111122223333:repository/your-domain/your_repo" },
            { Sid: "BearerTokenForCodeArtifact", Effect: "Allow", Action: ["sts:GetServiceBearerToken"], Resource: "*",
                Condition: { StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" } } },
            { Sid: "WriteTokenFile", Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::airflow-dev/dags/codeartifact.txt" },
            { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: "arn:aws:logs:us-west-2:111122223333:log-group:refresh-logs:*" },
            { Sid: "EncryptTokenFile", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Encrypt"], Resource: kmsKeyArn },
        ],
    });
    assert.equal(lambdaTrustPolicy().Version, "2012-10-17");
});

// Each value holds a valid one at its start or at its end, so a rule not anchored at both ends would let it through.
const REFUSED_SCOPES: ReadonlyArray<readonly [keyof RefreshPolicyScope, string, string]> = [
    ["partition", "xaws", " matching /^aws(-[a-z]+)*$/"],
    ["partition", "aws-", " matching /^aws(-[a-z]+)*$/"],
    ["codeartifactRegion", "xus-west-2", " matching /^[a-z]{2}(-[a-z]+)+-\\d$/"],
    ["codeartifactRegion", "us-west-21", " matching /^[a-z]{2}(-[a-z]+)+-\\d$/"],
    ["domainOwner", "x111122223333", " matching /^\\d{12}$/"],
    ["domainOwner", "1111222233334", " matching /^\\d{12}$/"],
    ["domain", "*", ""],
    ["repository", "your_repo?", ""],
    ["bucket", "", ""],
    ["tokenKey", "dags/*.txt", ""],
    ["logGroupArn", "xarn:aws:logs:us-west-2:111122223333:log-group:refresh-logs",
        " matching /^arn:aws(-[a-z]+)*:logs:[a-z0-9-]+:\\d{12}:log-group:[^:*]+$/"],
    ["logGroupArn", "arn:aws:logs:us-west-2:111122223333:log-group:refresh-logs:",
        " matching /^arn:aws(-[a-z]+)*:logs:[a-z0-9-]+:\\d{12}:log-group:[^:*]+$/"],
    ["kmsKeyArn", "xarn:aws:kms:us-west-2:111122223333:key/1234abcd",
        " matching /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\\d{12}:key\\/[A-Za-z0-9-]+$/"],
    ["kmsKeyArn", "arn:aws:kms:us-west-2:111122223333:key/1234abcd/x",
        " matching /^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\\d{12}:key\\/[A-Za-z0-9-]+$/"],
];
for (const [field, value, rule] of REFUSED_SCOPES) {
    test(`refresh policy refuses ${field} "${value}" with its rule`, () => {
        assert.throws(() => refreshPolicy({ ...SCOPE, [field]: value }),
            (err: Error) => err.message === `refresh policy: ${field} must be an exact value${rule}, got "${value}"`);
    });
}
