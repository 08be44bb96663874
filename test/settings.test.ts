import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import {
    AUTO_REFRESH_INTERVAL,
    CONFIG_KEYS,
    DEFAULTS,
    LOG_RETENTION_DAYS,
    REQUIRED_KEYS,
    SECRET_KEYS,
    Settings,
    SettingsError,
    UNSET_DEFAULTS,
    bucketNameProblems,
    renderGiven,
    requirementLineProblems,
    s3PathProblems,
    tagProblems,
} from "../lib/settings";
import { closestKey, parseSettings, PROJECT_NAME, refuseSampleValues } from "../stack/settings";
import { SAMPLE_ACCOUNT, pinnedToSampleAccount, sampleValues } from "../stack/samples";
import { MIN_INTERVAL_MINUTES, defaultRefreshIntervalMinutes, failedRefreshesSurvived } from "../lib/schedule";

// build/test/settings.test.js → project root
const ROOT = path.resolve(__dirname, "..", "..");
const readYaml = <T>(file: string): T => parseYaml(fs.readFileSync(path.join(ROOT, file), "utf8")) as T;

/** A Pulumi.yaml `config:` declaration (the attributes the project schema allows). */
interface ConfigDeclaration {
    type?: string;
    items?: { type?: string };
    description?: string;
    default?: unknown;
    secret?: boolean;
}
interface ProjectFile {
    name: string;
    runtime: unknown;
    description?: string;
    config: Record<string, ConfigDeclaration>;
}
interface StackFile {
    config: Record<string, unknown>;
}

type Raw = Record<string, string | undefined>;
const REQUIRED: Raw = { bucket: "airflow-dev-111122223333-us-west-2", domain: "your-domain", repository: "your_repo" };

function parse(overrides: Raw = {}, stack = "dev", setKeys?: string[]): Settings {
    const raw: Raw = { ...REQUIRED, ...overrides };
    return parseSettings((k) => raw[k], { stack, setKeys });
}

function errorOf(overrides: Raw, setKeys?: string[]): SettingsError {
    try {
        parse(overrides, "dev", setKeys);
    } catch (err) {
        assert.ok(err instanceof SettingsError, `expected SettingsError, got ${String(err)}`);
        return err;
    }
    assert.fail(`expected a SettingsError for ${JSON.stringify(overrides)}`);
}

/** Asserts a problem line for `key` that mentions `allowed` (and optionally `given`). */
function rejects(overrides: Raw, key: string, allowed: string | RegExp, given?: string): SettingsError {
    const err = errorOf(overrides);
    const line = err.message.split("\n").find((l) => l.startsWith(`  - ${PROJECT_NAME}:${key}: got `));
    assert.ok(line, `no problem line for ${key} in:\n${err.message}`);
    const allowedPart = line.slice(line.indexOf("; allowed: "));
    if (typeof allowed === "string") {
        assert.ok(allowedPart.includes(allowed), `"${allowed}" not in: ${line}`);
    } else {
        assert.match(allowedPart, allowed);
    }
    if (given !== undefined) assert.ok(line.includes(`got ${given};`), `"got ${given}" not in: ${line}`);
    return err;
}

function accepts(overrides: Raw): Settings {
    try {
        return parse(overrides);
    } catch (err) {
        assert.fail(`expected ${JSON.stringify(overrides)} to be accepted, got:\n${(err as Error).message}`);
    }
}

/** How the Pulumi CLI hands a YAML config value to the program: scalars as text, structures as JSON. */
function asCliString(value: unknown): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(value);
}

describe("settings: error format", () => {
    test("header names the stack and counts problems; one line per problem", () => {
        const err = errorOf({ bucket: undefined });
        const lines = err.message.split("\n");
        assert.equal(lines[0], "Invalid configuration for stack dev (1 problem):");
        assert.equal(
            lines[1],
            `  - ${PROJECT_NAME}:bucket: got nothing; allowed: an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)`,
        );
        assert.equal(lines.length, 2);
    });

    test("several bad keys produce ONE error listing all of them", () => {
        const err = errorOf({
            bucket: "Bad_Bucket",
            domain: undefined,
            repository: "-x",
            tokenDurationSeconds: "12h",
            logRetentionDays: "31",
            tags: "not json",
            requirements: '["--index-url https://example.com/simple/"]',
        });
        const lines = err.message.split("\n");
        assert.equal(lines[0], "Invalid configuration for stack dev (7 problems):");
        assert.equal(err.problems.length, 7);
        assert.deepEqual(
            err.problems.map((p) => p.key).sort(),
            ["bucket", "domain", "logRetentionDays", "repository", "requirements[0]", "tags", "tokenDurationSeconds"],
        );
        for (const line of lines.slice(1)) assert.match(line, /^ {2}- mwaa-codeartifact-token:\S+: got .+; allowed: .+$/);
    });

    test("SettingsError is a pulumi.RunError (printed without a stack trace)", () => {
        const err = errorOf({ bucket: undefined });
        assert.ok(err instanceof pulumi.RunError);
        assert.ok(pulumi.RunError.isInstance(err));
        assert.equal(err.name, "SettingsError");
        assert.ok(Object.isFrozen(err.problems));
    });

    test("without a stack name the header omits it; a custom namespace is shown", () => {
        try {
            parseSettings(() => undefined, { project: "other" });
            assert.fail("should throw");
        } catch (err) {
            assert.ok(err instanceof SettingsError);
            assert.match(err.message, /^Invalid configuration \(3 problems\):\n/);
            assert.match(err.message, /\n {2}- other:bucket: got nothing;/);
        }
    });

    test("given values are quoted and truncated to 60 characters", () => {
        const long = `a${"b".repeat(200)}`;
        const err = rejects({ repository: long }, "repository", "2 to 100 characters");
        const given = err.problems[0].given;
        assert.equal((JSON.parse(given) as string).length, 60);
        assert.ok(given.endsWith('…"'));
    });

    test("newlines in a value stay on the problem's line", () => {
        const err = errorOf({ domain: "a\nb" });
        assert.equal(err.message.split("\n").length, 2);
        assert.ok(err.message.includes('got "a\\nb"'));
    });

    test("credentials inside URLs are never echoed", () => {
        const err = rejects(
            { requirements: JSON.stringify(["--index-url https://aws:SECRET-TOKEN@d-1.example.com/simple/"]) },
            "requirements[0]",
            "-i/--index-url",
        );
        assert.ok(!err.message.includes("SECRET-TOKEN"));
        assert.ok(err.message.includes("https://***@"));
    });

    test("values of keys in SECRET_KEYS are never echoed", () => {
        const secrets = SECRET_KEYS as Set<string>;
        assert.equal(secrets.size, 0, "no secret keys today");
        secrets.add("domain");
        try {
            assert.equal(renderGiven("domain", "Top_Secret"), "[secret]");
            const err = errorOf({ domain: "Top_Secret" });
            assert.ok(!err.message.includes("Top_Secret"));
            assert.ok(err.message.includes(`${PROJECT_NAME}:domain: got [secret]; allowed:`));
        } finally {
            secrets.delete("domain");
        }
        assert.equal(renderGiven("domain", undefined), "nothing");
    });

    test("unknown keys set on the stack are reported, with a suggestion", () => {
        const err = errorOf({}, ["alarmEmial", "bucket"]);
        assert.equal(err.problems.length, 1);
        assert.equal(err.problems[0].key, "alarmEmial");
        assert.ok(
            err.message.includes(
                `  - ${PROJECT_NAME}:alarmEmial: got an unknown key; allowed: one of the keys declared in Pulumi.yaml (did you mean alarmEmail?)`,
            ),
        );
        assert.equal(err.problems[0].given, "an unknown key");
        assert.doesNotThrow(() => parse({}, "dev", [...CONFIG_KEYS]));
    });
});

describe("settings: minimal config and defaults", () => {
    test("only the required keys → every default", () => {
        const s = parse();
        assert.equal(s.bucket, REQUIRED.bucket);
        assert.equal(s.domain, "your-domain");
        assert.equal(s.repository, "your_repo");
        assert.equal(s.dagsPrefix, DEFAULTS.dagsPrefix);
        assert.equal(s.requirementsKey, DEFAULTS.requirementsKey);
        assert.equal(s.tokenFileName, DEFAULTS.tokenFileName);
        assert.deepEqual(s.requirements, DEFAULTS.requirements);
        assert.equal(s.indexOption, DEFAULTS.indexOption);
        assert.equal(s.indexCheck, "requirements");
        assert.equal(s.tokenDurationSeconds, 43200);
        assert.equal(s.refreshIntervalMinutes, 240);
        assert.equal(s.logRetentionDays, 30);
        assert.deepEqual(s.tags, {});
        for (const k of ["domainOwner", "codeartifactRegion", "kmsKeyArn", "alarmTopicArn", "alarmEmail"] as const) {
            assert.equal(s[k], undefined);
            assert.ok(!(k in s), `${k} should be absent`);
        }
        assert.ok(Object.isFrozen(s) && Object.isFrozen(s.requirements) && Object.isFrozen(s.tags));
    });

    test('"" means unset for optional keys; 0 means the derived interval', () => {
        const s = accepts({ ...UNSET_DEFAULTS, refreshIntervalMinutes: "0" });
        assert.equal(s.domainOwner, undefined);
        assert.equal(s.refreshIntervalMinutes, 240);
        assert.equal(accepts({ tokenDurationSeconds: "3600", refreshIntervalMinutes: "0" }).refreshIntervalMinutes, 20);
    });

    test("integers given as strings parse", () => {
        const s = accepts({ tokenDurationSeconds: "43200", refreshIntervalMinutes: "120", logRetentionDays: "365" });
        assert.equal(s.tokenDurationSeconds, 43200);
        assert.equal(s.refreshIntervalMinutes, 120);
        assert.equal(s.logRetentionDays, 365);
    });
});

describe("settings: bucket", () => {
    test("required", () => void rejects({ bucket: undefined }, "bucket", "an S3 bucket name", "nothing"));
    test("empty", () => void rejects({ bucket: "" }, "bucket", "an S3 bucket name", '""'));
    test("3 to 63 characters", () => {
        rejects({ bucket: "ab" }, "bucket", "3 to 63 characters");
        rejects({ bucket: "a".repeat(64) }, "bucket", "3 to 63 characters");
        accepts({ bucket: "abc" });
        accepts({ bucket: "a".repeat(63) });
    });
    test("lowercase letters, digits, dots and hyphens only", () => {
        rejects({ bucket: "My-Bucket" }, "bucket", "only lowercase letters, digits, dots (.) and hyphens (-)");
        rejects({ bucket: "my_bucket" }, "bucket", "only lowercase letters, digits, dots (.) and hyphens (-)");
    });
    test("starts and ends with a letter or digit", () => {
        rejects({ bucket: "-bucket" }, "bucket", "starting and ending with a lowercase letter or digit");
        rejects({ bucket: "bucket." }, "bucket", "starting and ending with a lowercase letter or digit");
    });
    test("no adjacent periods", () => void rejects({ bucket: "my..bucket" }, "bucket", "no two adjacent periods (..)"));
    test("not an IP address", () => void rejects({ bucket: "192.168.5.4" }, "bucket", "not formatted as an IP address"));
    test("reserved prefixes", () => {
        for (const p of ["xn--", "sthree-", "amzn-s3-demo-"]) {
            rejects({ bucket: `${p}bucket` }, "bucket", `not starting with the reserved prefix ${p}`);
        }
    });
    test("reserved suffixes", () => {
        for (const s of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
            rejects({ bucket: `bucket${s}` }, "bucket", `not ending with the reserved suffix ${s}`);
        }
    });
    test("several broken rules are listed together", () => {
        rejects({ bucket: "-My..Bucket" }, "bucket", /only lowercase.*, starting and ending.*, no two adjacent periods/);
    });
});

describe("settings: dagsPrefix", () => {
    test("default dags; nested prefixes allowed", () => {
        assert.equal(accepts({ dagsPrefix: "airflow/dags" }).dagsPrefix, "airflow/dags");
    });
    test("one trailing / is dropped (normalised)", () => {
        assert.equal(accepts({ dagsPrefix: "dags/" }).dagsPrefix, "dags");
        rejects({ dagsPrefix: "dags//" }, "dagsPrefix", "no trailing /");
    });
    test("no leading /", () => void rejects({ dagsPrefix: "/dags" }, "dagsPrefix", "no leading /"));
    test("no .. segment", () => void rejects({ dagsPrefix: "dags/../x" }, "dagsPrefix", "no . or .. segment"));
    test("no empty segment", () => void rejects({ dagsPrefix: "a//b" }, "dagsPrefix", "no empty segment (//)"));
    test("S3-safe characters", () => void rejects({ dagsPrefix: "my dags" }, "dagsPrefix", "only S3-safe characters"));
    test('"" is unset: the default', () => assert.equal(accepts({ dagsPrefix: "" }).dagsPrefix, "dags"));
});

describe("settings: requirementsKey", () => {
    test("default requirements.txt; any path is fine", () => {
        assert.equal(accepts({ requirementsKey: "config/requirements.txt" }).requirementsKey, "config/requirements.txt");
        accepts({ requirementsKey: "dags/requirements.txt" });
    });
    test("path rules", () => {
        rejects({ requirementsKey: "/requirements.txt" }, "requirementsKey", "no leading /");
        rejects({ requirementsKey: "requirements/" }, "requirementsKey", "no trailing /");
        rejects({ requirementsKey: "../requirements.txt" }, "requirementsKey", "no . or .. segment");
        rejects({ requirementsKey: "req#1.txt" }, "requirementsKey", "only S3-safe characters");
        assert.equal(accepts({ requirementsKey: "" }).requirementsKey, "requirements.txt", '"" is unset: the default');
    });
    test("must not be the token file's key", () => {
        rejects({ requirementsKey: "dags/codeartifact.txt" }, "requirementsKey", "a key other than the token file key dags/codeartifact.txt");
        rejects(
            { requirementsKey: "airflow/dags/ca.txt", dagsPrefix: "airflow/dags/", tokenFileName: "ca.txt" },
            "requirementsKey",
            "a key other than the token file key airflow/dags/ca.txt",
        );
    });
});

describe("settings: tokenFileName", () => {
    test("a name or a sub-path under the DAGs folder", () => {
        assert.equal(accepts({ tokenFileName: "tokens/codeartifact.txt" }).tokenFileName, "tokens/codeartifact.txt");
    });
    test('must end in ".txt"', () => {
        rejects({ tokenFileName: "codeartifact.py" }, "tokenFileName", 'a name ending in ".txt"');
        rejects({ tokenFileName: ".txt" }, "tokenFileName", 'a name ending in ".txt"');
    });
    test("path rules", () => {
        rejects({ tokenFileName: "/codeartifact.txt" }, "tokenFileName", "no leading /");
        rejects({ tokenFileName: "../codeartifact.txt" }, "tokenFileName", "no . or .. segment");
        rejects({ tokenFileName: "a//b.txt" }, "tokenFileName", "no empty segment (//)");
        rejects({ tokenFileName: "code artifact.txt" }, "tokenFileName", "only S3-safe characters");
    });
    test("full key at most 955 bytes, so that s3://<bucket>/<key> fits a CloudWatch dimension", () => {
        rejects({ tokenFileName: `${"a".repeat(947)}.txt` }, "tokenFileName", "at most 955 bytes (it names a CloudWatch metric dimension)");
        accepts({ tokenFileName: `${"a".repeat(946)}.txt` });
    });
});

describe("settings: requirements", () => {
    const req = (...lines: unknown[]): Raw => ({ requirements: JSON.stringify(lines) });

    test("lines are kept in order; constraints and comments are fine", () => {
        const lines = [
            '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"',
            "-c https://example.com/c.txt",
            "apache-airflow-providers-snowflake",
            "requests==2.32.3  # not -r, just a comment",
            "# -i in a comment",
        ];
        assert.deepEqual(accepts(req(...lines)).requirements, lines);
    });
    test("not JSON → a problem naming the key, not a JSON.parse trace", () => {
        const err = rejects({ requirements: "boto3" }, "requirements", "a JSON array of strings", '"boto3"');
        assert.ok(!err.message.includes("SyntaxError"));
    });
    test("JSON that is not an array of strings", () => {
        rejects({ requirements: '{"a":"b"}' }, "requirements", "a JSON array of strings");
        rejects(req("ok", 1), "requirements", "a JSON array of strings");
    });
    test("no empty lines", () => void rejects(req("boto3", "  "), "requirements[1]", "a non-empty requirement line"));
    test("no newlines", () =>
        void rejects(req("boto3\n--index-url x"), "requirements[0]", "a single line without newlines or control characters"));
    test("no trailing backslash", () => void rejects(req("boto3 \\"), "requirements[0]", "a line not ending in \\"));
    test("index options are refused", () => {
        for (const line of [
            "--index-url https://pypi.org/simple/",
            "--index-url=https://pypi.org/simple/",
            "-i https://pypi.org/simple/",
            "-ihttps://pypi.org/simple/",
        ]) {
            rejects(req(line), "requirements[0]", "is refused because the token file sets the package index");
            rejects(req(line), "requirements[0]", "without -i/--index-url, --extra-index-url");
        }
        rejects(req("--extra-index-url https://pypi.org/simple/"), "requirements[0]", "--extra-index-url is refused");
        rejects(req("--no-index"), "requirements[0]", "--no-index is refused");
        rejects(req("-f ./wheels"), "requirements[0]", "-f is refused because packages must come from CodeArtifact");
        rejects(req("--find-links=./wheels"), "requirements[0]", "--find-links is refused");
    });
    test("-r/--requirement is refused", () => {
        rejects(req("-r other.txt"), "requirements[0]", "-r is refused because the token file is the only included requirements file");
        rejects(req("--requirement other.txt"), "requirements[0]", "--requirement is refused");
    });
    test("--trusted-host is refused", () =>
        void rejects(req("--trusted-host pypi.org"), "requirements[0]", "--trusted-host is refused because CodeArtifact is HTTPS"));
});

describe("settings: CodeArtifact", () => {
    test("domain required", () => void rejects({ domain: undefined }, "domain", "a CodeArtifact domain name", "nothing"));
    test("domain pattern [a-z][a-z0-9-]{0,48}[a-z0-9]", () => {
        const allowed = "2 to 50 characters matching [a-z][a-z0-9-]{0,48}[a-z0-9]";
        for (const bad of ["your_domain", "Domain", "1domain", "domain-", "d", "d".repeat(51), ""]) {
            rejects({ domain: bad }, "domain", allowed);
        }
        accepts({ domain: "d1" });
        accepts({ domain: `a${"-".repeat(48)}z` });
    });
    test("domainOwner: 12 digits if given", () => {
        rejects({ domainOwner: "12345" }, "domainOwner", "a 12-digit AWS account ID");
        rejects({ domainOwner: "1111-2222-3333" }, "domainOwner", "a 12-digit AWS account ID");
        assert.equal(accepts({ domainOwner: "011122223333" }).domainOwner, "011122223333");
    });
    test("repository required", () => void rejects({ repository: undefined }, "repository", "a CodeArtifact repository name", "nothing"));
    test("repository pattern [A-Za-z0-9][A-Za-z0-9._-]{1,99}", () => {
        const allowed = "2 to 100 characters matching [A-Za-z0-9][A-Za-z0-9._-]{1,99}";
        for (const bad of ["r", "-repo", ".repo", "repo/x", "r".repeat(101)]) rejects({ repository: bad }, "repository", allowed);
        accepts({ repository: "Your_Repo.v2-x" });
    });
    test("codeartifactRegion: a region shape if given", () => {
        for (const ok of ["us-west-2", "eu-central-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1", "ap-southeast-5"]) {
            assert.equal(accepts({ codeartifactRegion: ok }).codeartifactRegion, ok);
        }
        for (const bad of ["us-west2", "US-WEST-2", "uswest-2", "us-west-0", "us-middle-1"]) {
            rejects({ codeartifactRegion: bad }, "codeartifactRegion", "an AWS region code such as us-west-2");
        }
    });
    test("indexOption: index-url | extra-index-url", () => {
        assert.equal(accepts({ indexOption: "extra-index-url" }).indexOption, "extra-index-url");
        rejects({ indexOption: "index_url" }, "indexOption", 'one of "index-url", "extra-index-url"');
    });
    test("indexCheck: requirements | token | none, each named with what it checks", () => {
        for (const scope of ["requirements", "token", "none"]) assert.equal(accepts({ indexCheck: scope }).indexCheck, scope);
        assert.equal(accepts({ indexCheck: "", indexOption: "" }).indexCheck, "requirements", '"" is unset: the default');
        for (const bad of ["Token", "all", "requirements "]) {
            rejects({ indexCheck: bad }, "indexCheck",
                '; allowed: one of "requirements" (the token and every requirement, at pulumi up), "token" (the token alone), "none"', JSON.stringify(bad));
        }
    });
});

describe("settings: token duration and refresh interval", () => {
    test("tokenDurationSeconds: integer 900..43200", () => {
        const allowed = "an integer number of seconds from 900 to 43200";
        for (const bad of ["899", "43201", "0", "-900", "12h", "1.5", "1e4", " 3600", ""]) {
            rejects({ tokenDurationSeconds: bad }, "tokenDurationSeconds", allowed);
        }
        assert.equal(accepts({ tokenDurationSeconds: "900" }).tokenDurationSeconds, 900);
        assert.equal(accepts({ tokenDurationSeconds: "900" }).refreshIntervalMinutes, 5);
    });
    test(`refreshIntervalMinutes: integer ≥ ${MIN_INTERVAL_MINUTES}`, () => {
        for (const bad of ["4", "1", "-5", "4h", "1.5", ""]) {
            rejects({ refreshIntervalMinutes: bad }, "refreshIntervalMinutes", `an integer from ${MIN_INTERVAL_MINUTES} to 360 minutes`);
        }
    });
    test("refreshIntervalMinutes: rejected when one missed refresh would let the token expire, naming the largest value", () => {
        rejects(
            { refreshIntervalMinutes: "361" },
            "refreshIntervalMinutes",
            "an integer from 5 to 360 minutes (360 is the largest interval at which a 43200 s token survives 1 failed refresh), or 0 for the default 240",
        );
        rejects({ tokenDurationSeconds: "3600", refreshIntervalMinutes: "31" }, "refreshIntervalMinutes", "from 5 to 30 minutes");
        assert.equal(accepts({ refreshIntervalMinutes: "360" }).refreshIntervalMinutes, 360);
        assert.equal(accepts({ tokenDurationSeconds: "3600", refreshIntervalMinutes: "30" }).refreshIntervalMinutes, 30);
    });
    test("refreshIntervalMinutes with an invalid duration still gets a message", () => {
        const err = rejects({ tokenDurationSeconds: "12h", refreshIntervalMinutes: "2" }, "refreshIntervalMinutes", "at least 5 minutes");
        assert.equal(err.problems.length, 2);
    });
});

describe("settings: encryption, logs, alarms, tags", () => {
    test("kmsKeyArn: a key ARN", () => {
        for (const ok of [
            "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ]) {
            assert.equal(accepts({ kmsKeyArn: ok }).kmsKeyArn, ok);
        }
        for (const bad of ["1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-west-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab"]) {
            rejects({ kmsKeyArn: bad }, "kmsKeyArn", "a KMS key ARN arn:<partition>:kms:<region>:<12-digit account>:key/<key id>");
        }
    });
    test("kmsKeyArn: alias ARNs are refused, and the message says why", () => {
        for (const alias of ["arn:aws:kms:us-west-2:111122223333:alias/mwaa", "alias/mwaa"]) {
            rejects({ kmsKeyArn: alias }, "kmsKeyArn", "alias ARNs are not allowed because IAM policies scope KMS permissions by key ARN");
        }
    });
    test("logRetentionDays: one of CloudWatch's values", () => {
        for (const bad of ["0", "31", "10000", "thirty"]) {
            rejects({ logRetentionDays: bad }, "logRetentionDays", "one of CloudWatch Logs' retention values 1, 3, 5, 7, 14, 30");
        }
        for (const days of LOG_RETENTION_DAYS) assert.equal(accepts({ logRetentionDays: String(days) }).logRetentionDays, days);
    });
    test("alarmTopicArn: an SNS topic ARN", () => {
        accepts({ alarmTopicArn: "arn:aws:sns:us-west-2:111122223333:mwaa-prod-alerts" });
        accepts({ alarmTopicArn: "arn:aws:sns:us-west-2:111122223333:alerts.fifo" });
        for (const bad of ["mwaa-prod-alerts", "arn:aws:sqs:us-west-2:111122223333:q", "arn:aws:sns:us-west-2:111122223333:a b"]) {
            rejects({ alarmTopicArn: bad }, "alarmTopicArn", "an SNS topic ARN arn:<partition>:sns:");
        }
    });
    test("alarmEmail: a plausible email", () => {
        assert.equal(accepts({ alarmEmail: "oncall+mwaa@example.co.uk" }).alarmEmail, "oncall+mwaa@example.co.uk");
        for (const bad of ["oncall", "oncall@", "@example.com", "on call@example.com", "oncall@example"]) {
            rejects({ alarmEmail: bad }, "alarmEmail", "an email address");
        }
    });
    test("tags: a JSON object of strings", () => {
        assert.deepEqual(accepts({ tags: '{"team":"data","cost-center":"4711","Name":"a b:c/d=e+f-g@h"}' }).tags, {
            team: "data",
            "cost-center": "4711",
            Name: "a b:c/d=e+f-g@h",
        });
        rejects({ tags: "team=data" }, "tags", "a JSON object of tag keys to string values");
        rejects({ tags: '["team"]' }, "tags", "a JSON object of tag keys to string values");
        rejects({ tags: "null" }, "tags", "a JSON object of tag keys to string values");
    });
    test("tags: string values only", () => void rejects({ tags: '{"costCenter":4711}' }, 'tags["costCenter"]', "a string tag value"));
    test("tags: no aws: prefix", () => void rejects({ tags: '{"AWS:team":"x"}' }, 'tags["AWS:team"]', "not starting with aws:"));
    test("tags: key 1 to 128 characters", () => {
        rejects({ tags: '{"":"x"}' }, 'tags[""]', "a tag key of 1 to 128 characters");
        rejects({ tags: JSON.stringify({ ["k".repeat(129)]: "x" }) }, `tags["${"k".repeat(39)}…"]`, "a tag key of 1 to 128 characters");
        accepts({ tags: JSON.stringify({ ["k".repeat(128)]: "x" }) });
    });
    test("tags: value at most 256 characters", () => {
        rejects({ tags: JSON.stringify({ team: "v".repeat(257) }) }, 'tags["team"]', "a tag value of at most 256 characters");
        accepts({ tags: JSON.stringify({ team: "v".repeat(256), empty: "" }) });
    });
    test("tags: allowed characters", () => {
        rejects({ tags: '{"team<":"x"}' }, 'tags["team<"]', "a tag key of letters, digits, spaces and _ . : / = + - @");
        rejects({ tags: '{"team":"a;b"}' }, 'tags["team"]', "a tag value of letters, digits, spaces and _ . : / = + - @");
    });
    test("tags: at most 10, the S3 object limit of requirements.txt", () => {
        const tags = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"])));
        rejects({ tags: tags(11) }, "tags", "at most 10 tags (requirements.txt is tagged, and S3 objects take at most 10)");
        accepts({ tags: tags(10) });
    });
    test("tags: the provider's default tags count towards the 10, a key in both counting once", () => {
        const tags = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"])));
        const context = { providerDefaultTagKeys: ["owner", "cost-center", "k0"] };
        const withDefaults = (raw: Raw) => parseSettings((k) => ({ ...REQUIRED, ...raw })[k], context);
        assert.throws(() => withDefaults({ tags: tags(9) }),
            (e: Error) => e instanceof SettingsError && e.message.includes("at most 10 tags, counting the 2 other keys of aws:defaultTags"));
        assert.equal(Object.keys(withDefaults({ tags: tags(8) }).tags).length, 8);
    });
});

// ---------------------------------------------------------------------------------------------
// Pulumi.yaml and the stack files
// ---------------------------------------------------------------------------------------------

describe("Pulumi.yaml", () => {
    const project = readYaml<ProjectFile>("Pulumi.yaml");
    const declared = project.config;

    /** Stack config as the CLI hands it to the program: Pulumi.yaml defaults merged under the stack's values. */
    function cliConfig(stackValues: Record<string, unknown>): Raw {
        const raw: Raw = {};
        for (const [key, decl] of Object.entries(declared)) {
            if ("default" in decl) raw[key] = asCliString(decl.default);
        }
        for (const [key, value] of Object.entries(stackValues)) raw[key] = asCliString(value);
        return raw;
    }

    test("project name and runtime", () => {
        assert.equal(project.name, PROJECT_NAME);
        // typescript: false: the CLI loads package.json "main" (scripts/pulumi-main.js) instead of ts-node.
        assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: false } });
        assert.equal(typeof project.description, "string");
    });

    test("declares every key parseSettings reads, and nothing else", () => {
        const read = new Set<string>();
        parseSettings((k) => {
            read.add(k);
            return REQUIRED[k];
        });
        assert.deepEqual([...read].sort(), [...CONFIG_KEYS].sort());
        assert.deepEqual(Object.keys(declared).sort(), [...CONFIG_KEYS].sort());
    });

    test("keys are un-namespaced project keys; aws:region is left to the stack files", () => {
        for (const key of Object.keys(declared)) assert.ok(!key.includes(":"), key);
    });

    test("only schema types Pulumi allows (string, integer, boolean, array with items)", () => {
        for (const [key, decl] of Object.entries(declared)) {
            assert.equal(typeof decl.description, "string", `${key} needs a description`);
            if (decl.type !== undefined) {
                assert.ok(["string", "integer", "boolean", "array"].includes(decl.type), `${key}: ${decl.type}`);
                if (decl.type === "array") assert.ok(decl.items?.type, `${key}: array needs items`);
            }
            for (const attr of Object.keys(decl)) {
                assert.ok(["type", "items", "description", "default", "secret"].includes(attr), `${key}.${attr}`);
            }
        }
        assert.equal(declared.tags.type, undefined, "no object type exists; tags stays untyped");
        assert.equal(declared.requirements.type, "array");
        assert.equal(declared.requirements.items?.type, "string");
        for (const key of ["tokenDurationSeconds", "refreshIntervalMinutes", "logRetentionDays"]) {
            assert.equal(declared[key].type, "integer", key);
        }
    });

    test("defaults match their declared type", () => {
        for (const [key, decl] of Object.entries(declared)) {
            if (!("default" in decl) || !decl.type) continue;
            const d = decl.default;
            const ok = { string: typeof d === "string", integer: Number.isInteger(d), boolean: typeof d === "boolean", array: Array.isArray(d) }[
                decl.type as "string" | "integer" | "boolean" | "array"
            ];
            assert.ok(ok, `${key}: default ${JSON.stringify(d)} is not ${decl.type}`);
        }
    });

    test("DEFAULTS and UNSET_DEFAULTS equal what Pulumi.yaml declares; required keys have no default", () => {
        for (const [key, value] of Object.entries(DEFAULTS)) assert.deepEqual(declared[key].default, value, key);
        for (const [key, value] of Object.entries(UNSET_DEFAULTS)) assert.deepEqual(declared[key].default, value, key);
        assert.equal(UNSET_DEFAULTS.refreshIntervalMinutes, AUTO_REFRESH_INTERVAL);
        for (const key of CONFIG_KEYS) {
            const isRequired = (REQUIRED_KEYS as readonly string[]).includes(key);
            assert.equal("default" in declared[key], !isRequired, key);
        }
    });

    test("the CLI-merged defaults parse to the documented defaults", () => {
        const raw = cliConfig(REQUIRED);
        assert.equal(raw.requirements, "[]");
        assert.equal(raw.tags, "{}");
        assert.equal(raw.tokenDurationSeconds, "43200");
        const s = parseSettings((k) => raw[k]);
        assert.deepEqual(
            { ...s },
            {
                ...REQUIRED,
                ...DEFAULTS,
                refreshIntervalMinutes: defaultRefreshIntervalMinutes(DEFAULTS.tokenDurationSeconds),
            },
        );
    });

    for (const stack of ["dev", "prod"]) {
        test(`Pulumi.${stack}.yaml parses cleanly through parseSettings`, () => {
            const file = readYaml<StackFile>(`Pulumi.${stack}.yaml`);
            const stackValues: Record<string, unknown> = {};
            const prefix = `${PROJECT_NAME}:`;
            for (const [key, value] of Object.entries(file.config)) {
                if (key.startsWith(prefix)) stackValues[key.slice(prefix.length)] = value;
                else assert.ok(["aws:region", "aws:allowedAccountIds"].includes(key), `unexpected foreign key ${key}`);
            }
            assert.equal(file.config["aws:region"], "us-west-2");
            assert.deepEqual(file.config["aws:allowedAccountIds"], [SAMPLE_ACCOUNT], "a sample stack is pinned to the documentation account");
            const raw = cliConfig(stackValues);
            let s: Settings;
            try {
                s = parseSettings((k) => raw[k], { stack, setKeys: Object.keys(stackValues) });
            } catch (err) {
                assert.fail((err as Error).message);
            }
            assert.equal(s.bucket, `airflow-${stack}-111122223333-us-west-2`);
            assert.equal(s.domain, "your-domain");
            assert.equal(s.domainOwner, "111122223333");
            assert.equal(s.repository, "your_repo");
            if (stack === "prod") {
                assert.equal(s.refreshIntervalMinutes, 240);
                assert.equal(s.logRetentionDays, 365);
                assert.ok(s.kmsKeyArn && s.alarmTopicArn && s.alarmEmail);
                assert.ok(s.requirements.some((l) => l.startsWith("--constraint ")));
                assert.equal(s.tags.environment, "prod");
            } else {
                assert.equal(s.tokenDurationSeconds, 3600);
                assert.equal(s.refreshIntervalMinutes, 20);
                assert.equal(s.logRetentionDays, 7);
                assert.equal(s.kmsKeyArn, undefined);
                assert.equal(s.tags.environment, "dev");
            }
        });
    }
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const lower = "abcdefghijklmnopqrstuvwxyz";
const digits = "0123456789";
const chars = (alphabet: string) => fc.constantFrom(...alphabet.split(""));
const str = (alphabet: string, minLength: number, maxLength: number) =>
    fc.string({ unit: chars(alphabet), minLength, maxLength });

/** Bucket label: starts and ends alphanumeric, hyphens inside. */
const label = fc
    .tuple(chars(lower + digits), str(lower + digits + "-", 0, 12), chars(lower + digits))
    .map(([a, mid, b]) => a + mid + b);
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
const validBucket = fc
    .array(label, { minLength: 1, maxLength: 4 })
    .map((labels) => labels.join("."))
    .filter(
        (b) =>
            b.length >= 3 &&
            b.length <= 63 &&
            !/^\d+\.\d+\.\d+\.\d+$/.test(b) &&
            !RESERVED_PREFIXES.some((p) => b.startsWith(p)) &&
            !RESERVED_SUFFIXES.some((s) => b.endsWith(s)),
    );

const bucketRejected = (bucket: string) => {
    try {
        parse({ bucket });
        return false;
    } catch (err) {
        return err instanceof SettingsError && err.problems.some((p) => p.key === "bucket");
    }
};

describe("properties", () => {
    test("valid generated bucket names are accepted", () => {
        fc.assert(fc.property(validBucket, (bucket) => assert.equal(parse({ bucket }).bucket, bucket)), { numRuns: 500 });
    });

    test("invalid bucket names are rejected", () => {
        const invalid = fc.oneof(
            validBucket.chain((b) =>
                fc.integer({ min: 0, max: b.length }).chain((i) =>
                    chars("ABCXYZ_!~ /").map((c) => b.slice(0, i) + c + b.slice(i)),
                ),
            ),
            validBucket.map((b) => `-${b}`),
            validBucket.map((b) => `${b}.`),
            validBucket.map((b) => `${b}..${b}`),
            fc.tuple(validBucket, fc.constantFrom(...RESERVED_PREFIXES)).map(([b, p]) => p + b),
            fc.tuple(validBucket, fc.constantFrom(...RESERVED_SUFFIXES)).map(([b, s]) => b + s),
            fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.nat(999)).map((n) => n.join(".")),
            str(lower, 64, 100),
            str(lower, 0, 2),
        );
        fc.assert(fc.property(invalid, (bucket) => assert.ok(bucketRejected(bucket), bucket)), { numRuns: 1000 });
    });

    test("valid generated domains are accepted, invalid ones rejected", () => {
        const validDomain = fc
            .tuple(chars(lower), str(lower + digits + "-", 0, 48), chars(lower + digits))
            .map(([a, mid, b]) => a + mid + b);
        fc.assert(fc.property(validDomain, (domain) => assert.equal(parse({ domain }).domain, domain)), { numRuns: 500 });
        const invalidDomain = fc.oneof(
            validDomain.map((d) => d.toUpperCase()).filter((d) => /[A-Z]/.test(d)),
            validDomain.map((d) => `${d}_x`),
            validDomain.map((d) => `1${d}`),
            validDomain.map((d) => `${d}-`),
            chars(lower),
            str(lower, 51, 80),
        );
        fc.assert(
            fc.property(invalidDomain, (domain) =>
                assert.throws(() => parse({ domain }), (e: unknown) => e instanceof SettingsError && e.problems.some((p) => p.key === "domain")),
            ),
            { numRuns: 500 },
        );
    });

    test("12-digit owners are accepted, anything else rejected", () => {
        fc.assert(fc.property(str(digits, 12, 12), (owner) => assert.equal(parse({ domainOwner: owner }).domainOwner, owner)));
        const invalidOwner = fc.oneof(
            str(digits, 1, 11),
            str(digits, 13, 20),
            fc.tuple(str(digits, 11, 11), chars("abc- ")).map(([d, c]) => d + c),
        );
        fc.assert(
            fc.property(invalidOwner, (owner) =>
                assert.throws(() => parse({ domainOwner: owner }), (e: unknown) => e instanceof SettingsError && e.problems[0].key === "domainOwner"),
            ),
        );
    });

    test("any interval parseSettings accepts survives ≥ 1 failed refresh (and every such interval is accepted)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 900, max: 43200 }), fc.integer({ min: -10, max: 1000 }), (d, i) => {
                let accepted: Settings | undefined;
                try {
                    accepted = parse({ tokenDurationSeconds: String(d), refreshIntervalMinutes: String(i) });
                } catch (err) {
                    assert.ok(err instanceof SettingsError);
                    assert.deepEqual(err.problems.map((p) => p.key), ["refreshIntervalMinutes"]);
                }
                const ok = i === 0 || (i >= MIN_INTERVAL_MINUTES && failedRefreshesSurvived(d, i) >= 1);
                assert.equal(accepted !== undefined, ok, `d=${d} i=${i}`);
                if (accepted) {
                    assert.ok(accepted.refreshIntervalMinutes >= MIN_INTERVAL_MINUTES);
                    assert.ok(failedRefreshesSurvived(d, accepted.refreshIntervalMinutes) >= 1);
                }
            }),
            { numRuns: 2000 },
        );
    });

    test("integers parse from decimal text only", () => {
        fc.assert(
            fc.property(fc.integer({ min: 900, max: 43200 }), (d) => {
                assert.equal(parse({ tokenDurationSeconds: String(d) }).tokenDurationSeconds, d);
                for (const bad of [`${d}s`, `${d}.5`, `${d / 3600}h`, ` ${d}`, `${d}e0`]) {
                    assert.throws(() => parse({ tokenDurationSeconds: bad }), SettingsError);
                }
            }),
        );
    });

    test("any config yields either a frozen Settings or one SettingsError (never another exception)", () => {
        const anyValue = fc.option(fc.oneof(fc.string(), fc.json(), fc.integer().map(String)), { nil: undefined });
        const anyConfig = fc.record(Object.fromEntries(CONFIG_KEYS.map((k) => [k, anyValue])));
        fc.assert(
            fc.property(anyConfig, (raw) => {
                try {
                    assert.ok(Object.isFrozen(parseSettings((k) => raw[k])));
                } catch (err) {
                    assert.ok(err instanceof SettingsError, String(err));
                    assert.equal(err.message.split("\n").length, err.problems.length + 1);
                }
            }),
            { numRuns: 1000 },
        );
    });
});

describe("settings: the documentation's sample values", () => {
    const sample = () => parse({
        domainOwner: SAMPLE_ACCOUNT, requirements: JSON.stringify(["apache-airflow-providers-snowflake", "your-package==1.4.2"]),
        kmsKeyArn: `arn:aws:kms:us-west-2:${SAMPLE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, alarmEmail: "oncall@example.com",
    });
    const OWN_NAMES = { bucket: "airflow-dev-444455556666-us-west-2", domain: "data-platform", repository: "airflow" };
    const own = () => parse(OWN_NAMES);

    test("every sample left is found, by key", () => {
        assert.deepEqual(sampleValues(sample()).map((v) => v.key),
            ["bucket", "requirements[1]", "domain", "domainOwner", "repository", "kmsKeyArn", "alarmEmail"]);
        assert.deepEqual(sampleValues(own()), []);
    });

    test("the alarm topic in the sample account is found; samples are matched whole, not inside other values", () => {
        const topic = `arn:aws:sns:us-west-2:${SAMPLE_ACCOUNT}:alarms`;
        assert.deepEqual(sampleValues(parse({ ...OWN_NAMES, alarmTopicArn: topic })), [{ key: "alarmTopicArn", value: topic }]);
        const lookalikes = parse({
            ...OWN_NAMES, requirements: JSON.stringify(["internal-your-package-fork==2.0"]), alarmEmail: "oncall@example.com.au",
        });
        assert.deepEqual(sampleValues(lookalikes), []);
    });

    test("a stack pinned to the documentation account may hold them (the AWS provider refuses it anywhere real)", () => {
        assert.equal(pinnedToSampleAccount(`["${SAMPLE_ACCOUNT}"]`), true);
        assert.doesNotThrow(() => refuseSampleValues(sample(), `["${SAMPLE_ACCOUNT}"]`));
    });

    test("any other stack is refused with one message naming each sample and what to do", () => {
        for (const pin of [undefined, '["444455556666"]', `["${SAMPLE_ACCOUNT}", "444455556666"]`, "not json"]) {
            assert.equal(pinnedToSampleAccount(pin), false, String(pin));
            assert.throws(() => refuseSampleValues(sample(), pin, { stack: "dev" }), (err: Error) => {
                assert.ok(err instanceof SettingsError);
                assert.match(err.message, /^Invalid configuration for stack dev \(7 problems\):/);
                assert.match(err.message, new RegExp(`${PROJECT_NAME}:domainOwner: got "${SAMPLE_ACCOUNT}"; allowed: your own value, not the documentation's sample \\(replace every sample value: README, "Make your own stack"\\)`));
                return true;
            });
        }
        assert.doesNotThrow(() => refuseSampleValues(own(), undefined));
    });

    test("a requirement listed twice is refused, naming the first", () => {
        rejects({ requirements: JSON.stringify(["your-package", "boto3", "your-package"]) }, "requirements[2]", /a line not listed already \(it repeats requirements\[0\]\)/);
    });
});

describe("settings: each rule's exact words", () => {
    const S3_SAFE = "only S3-safe characters (letters, digits, ! - _ . * ' ( ) and / between segments)";
    const FORBIDDEN = "a requirement or pip option line (-c/--constraint is fine) without -i/--index-url, --extra-index-url, " +
        "--no-index, -f/--find-links, -r/--requirement or --trusted-host";
    const problemsOf = (overrides: Raw, setKeys?: string[]) => errorOf(overrides, setKeys).problems;

    test("paths: a prefix with a bad character, a .txt-only file name; an empty name is the default", () => {
        assert.deepEqual(problemsOf({ dagsPrefix: "dags " }), [
            { key: "dagsPrefix", given: '"dags "', allowed: `an S3 key prefix (one trailing / is dropped) with: ${S3_SAFE}` },
        ]);
        const txt = 'a name ending in ".txt" (the DAG processor must never treat it as a DAG or DAG zip)';
        assert.equal(accepts({ tokenFileName: "" }).tokenFileName, "codeartifact.txt", '"" is unset: the default');
        assert.deepEqual(problemsOf({ tokenFileName: "sub/.txt" }), [
            { key: "tokenFileName", given: '"sub/.txt"', allowed: `a file name or sub-path under the DAGs folder with: ${txt}` },
        ]);
    });

    test("paths: a file name already refused is not also measured; a refused prefix does not stand in the token key", () => {
        const long = `a b${"x".repeat(1000)}.txt`;
        assert.deepEqual(problemsOf({ tokenFileName: long }), [
            { key: "tokenFileName", given: renderGiven("tokenFileName", long), allowed: `a file name or sub-path under the DAGs folder with: ${S3_SAFE}` },
        ]);
        assert.deepEqual(problemsOf({ dagsPrefix: "da gs", requirementsKey: "da gs/codeartifact.txt" }).map((p) => p.allowed), [
            `an S3 key prefix (one trailing / is dropped) with: ${S3_SAFE}`,
            `an S3 object key with: ${S3_SAFE}`,
        ]);
    });

    test("bucket: the rule broken, named", () => {
        assert.deepEqual(problemsOf({ bucket: "airflow_x" }), [
            { key: "bucket", given: '"airflow_x"', allowed: "an S3 bucket name with: only lowercase letters, digits, dots (.) and hyphens (-)" },
        ]);
    });

    test("requirements: a repeat names the first listing, surrounding spaces ignored", () => {
        const repeats = "a line not listed already (it repeats requirements[0])";
        assert.deepEqual(problemsOf({ requirements: JSON.stringify(["pkg==1 ", "pkg==1", " pkg==1"]) }), [
            { key: "requirements[1]", given: '"pkg==1"', allowed: repeats },
            { key: "requirements[2]", given: '" pkg==1"', allowed: repeats },
        ]);
    });

    test("requirements: every rule a line breaks, joined with commas", () => {
        const line = "--no-index \u0001";
        assert.deepEqual(problemsOf({ requirements: JSON.stringify([line]) }), [{
            key: "requirements[0]", given: JSON.stringify(line),
            allowed: `a single line without newlines or control characters, ${FORBIDDEN}; --no-index is refused because it would switch off the CodeArtifact index`,
        }]);
    });

    test("requirements: an option glued to its value, or followed by a comment, is still refused; a backslash inside a line is fine", () => {
        assert.deepEqual(requirementLineProblems("-ihttps://example.com/simple"),
            [`${FORBIDDEN}; -i is refused because the token file sets the package index`]);
        assert.deepEqual(requirementLineProblems("--extra-index-url=https://pypi.org/simple"),
            [`${FORBIDDEN}; --extra-index-url is refused because the token file sets the package index`]);
        assert.deepEqual(requirementLineProblems("--no-index # offline builds"),
            [`${FORBIDDEN}; --no-index is refused because it would switch off the CodeArtifact index`]);
        assert.deepEqual(requirementLineProblems("--trusted-hosts example.com"), [], "a long option matches whole or before =; pip refuses unknown ones itself");
        assert.deepEqual(requirementLineProblems("pkg \\ "), ["a line not ending in \\ (pip would join it with the next line)"]);
        assert.deepEqual(requirementLineProblems("wheel @ file:///C:\\wheels\\pkg.whl"), []);
    });

    test("schedule: the duration's rule, and the interval's when the duration is refused too", () => {
        assert.deepEqual(problemsOf({ tokenDurationSeconds: "100", refreshIntervalMinutes: "3" }), [
            { key: "tokenDurationSeconds", given: '"100"', allowed: "an integer number of seconds from 900 to 43200 (CodeArtifact authorization token lifetime)" },
            { key: "refreshIntervalMinutes", given: '"3"',
                allowed: "an integer of at least 5 minutes that lets a valid tokenDurationSeconds survive 1 failed refresh, or 0 for the default" },
        ]);
    });

    test("alarmEmail: 254 characters at most", () => {
        const email = (domainLabel: number) => `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(domainLabel)}.com`;
        assert.equal(email(57).length, 254);
        assert.equal(parse({ alarmEmail: email(57) }).alarmEmail, email(57));
        assert.deepEqual(problemsOf({ alarmEmail: email(58) }).map((p) => p.allowed), ["an email address such as data-platform@example.com"]);
        for (const ok of ["ops@a.test", "ops@corp.x.test"]) assert.equal(parse({ alarmEmail: ok }).alarmEmail, ok, "one-character labels are fine");
        assert.deepEqual(problemsOf({ alarmEmail: "ops@corp.test!" }).map((p) => p.key), ["alarmEmail"]);
    });

    test("tags: too many, a key shown whole up to 40 characters, a value quoted once, every rule joined", () => {
        const eleven = JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])));
        assert.deepEqual(problemsOf({ tags: eleven }),
            [{ key: "tags", given: renderGiven("tags", eleven), allowed: "at most 10 tags (requirements.txt is tagged, and S3 objects take at most 10)" }]);
        const key40 = `aws:${"k".repeat(36)}`;
        assert.deepEqual(problemsOf({ tags: JSON.stringify({ [key40]: "v", team: "x#y", "aws:x#": "v" }) }), [
            { key: `tags[${JSON.stringify(key40)}]`, given: '"v"', allowed: "a tag key not starting with aws: (reserved for AWS)" },
            { key: 'tags["team"]', given: '"x#y"', allowed: "a tag value of letters, digits, spaces and _ . : / = + - @" },
            { key: 'tags["aws:x#"]', given: '"v"',
                allowed: "a tag key not starting with aws: (reserved for AWS), a tag key of letters, digits, spaces and _ . : / = + - @" },
        ]);
        assert.deepEqual(tagProblems("a", "x"), [], "a one-character key is fine");
    });

    test("an unknown key with nothing close gets no suggestion", () => {
        assert.deepEqual(problemsOf({}, ["zzzzzzzzzz"]),
            [{ key: "zzzzzzzzzz", given: "an unknown key", allowed: "one of the keys declared in Pulumi.yaml" }]);
    });

    test("closestKey: three edits at most; the nearest wins, and the key declared first on a tie", () => {
        assert.equal(closestKey("bucketxyz"), "bucket");
        assert.equal(closestKey("bucketwxyz"), undefined);
        assert.equal(closestKey("requirementKey"), "requirementsKey", "requirements is 3 edits away, requirementsKey 1");
        assert.equal(closestKey("requirementey"), "requirementsKey", "both are 2 edits away");
        assert.equal(closestKey("requirementss"), "requirements", "requirementsKey, declared first, is 3 edits away; requirements 1");
    });

    test("renderGiven shows 60 characters whole and cuts a longer value to 59 and an ellipsis", () => {
        assert.equal(renderGiven("bucket", "a".repeat(60)), JSON.stringify("a".repeat(60)));
        assert.equal(renderGiven("bucket", "a".repeat(61)), JSON.stringify(`${"a".repeat(59)}…`));
    });

    test("bucket and S3 path rules, each alone", () => {
        assert.deepEqual(bucketNameProblems("a"), ["3 to 63 characters"]);
        assert.deepEqual(bucketNameProblems("a192.168.5.4"), []);
        assert.deepEqual(bucketNameProblems("192.168.5.4a"), []);
        assert.deepEqual(s3PathProblems("/dags/"), ["no leading /", "no trailing /"]);
        assert.deepEqual(s3PathProblems("dags//x"), ["no empty segment (//)"]);
        assert.deepEqual(s3PathProblems("dags/a b"), [S3_SAFE]);
        assert.deepEqual(s3PathProblems("a".repeat(1025)), ["at most 1024 bytes"]);
        assert.deepEqual(s3PathProblems("a".repeat(1024)), []);
        assert.deepEqual(s3PathProblems("dags/./x"), ["no . or .. segment"]);
    });
});
