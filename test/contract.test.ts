// One table of good and bad values through the function's check (readRefreshConfig, on the
// variables the component writes) and the component's (readArguments, on the arguments): the same
// verdicts, because both check with functions/contract.ts. "" is left out: for an optional argument
// it means the default, which the component resolves before it writes a variable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ENV, MWAA_DAGS_MOUNT, NAME_RULES, requirementsIncludeLine } from "../functions/contract";
import { readRefreshConfig } from "../functions/refresh";
import { readArguments } from "../lib/settings";
import { renderRequirements } from "../lib/component";
import { referencesTokenFile } from "../tools/operate/status";

const KMS_KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const FUNCTION_ENV: Record<string, string> = {
    [ENV.domain]: "my-domain", [ENV.domainOwner]: "111122223333", [ENV.repository]: "my_repo", [ENV.region]: "us-west-2",
    [ENV.bucket]: "airflow-bucket", [ENV.key]: "dags/codeartifact.txt", [ENV.durationSeconds]: "43200",
    [ENV.indexOption]: "index-url", [ENV.metricNamespace]: "MWAA/CodeArtifactToken", [ENV.indexCheck]: "requirements",
};
const ARGS: Record<string, unknown> = { bucket: "airflow-bucket", domain: "my-domain", repository: "my_repo" };

interface Row {
    /** The function's configuration field; its variable is ENV[field]. */
    readonly field: keyof typeof ENV;
    /** The component's arguments that give that variable the value. */
    readonly args: (value: string) => Record<string, unknown>;
    readonly good: readonly string[];
    readonly bad: readonly string[];
}

/** The key split where the component joins it: `${dagsPrefix}/${tokenFileName}`. */
function keyArgs(key: string): Record<string, unknown> {
    const slash = key.lastIndexOf("/");
    return { dagsPrefix: key.slice(0, slash), tokenFileName: key.slice(slash + 1) };
}

const TABLE: readonly Row[] = [
    {
        field: "domain", args: (domain) => ({ domain }),
        good: ["ab", "my-domain", "a1", "a".repeat(50)],
        bad: ["domain-", "-domain", "Domain", "1domain", "d", "a".repeat(51), "my_domain"],
    },
    {
        field: "domainOwner", args: (domainOwner) => ({ domainOwner }),
        good: ["111122223333", "000000000000"],
        bad: ["11112222333", "1111222233334", "a11122223333", "1111 2222 3333"],
    },
    {
        field: "repository", args: (repository) => ({ repository }),
        good: ["my_repo", "A1", "Your_Repo.v2-x", "r".repeat(100)],
        bad: ["_repo", "-repo", ".repo", "r", "r".repeat(101), "my repo", "my-repo!"],
    },
    {
        field: "region", args: (codeartifactRegion) => ({ codeartifactRegion }),
        good: ["us-west-2", "eu-central-1", "us-gov-west-1", "cn-northwest-1", "ap-southeast-5", "us-isob-east-1", "il-central-1"],
        bad: ["xeu-west-1", "eu-west-12", "us-west-0", "US-WEST-2", "us-west", "uswest-2", "us-middle-1"],
    },
    {
        field: "bucket", args: (bucket) => ({ bucket }),
        good: ["abc", "my-bucket", "a.b.c", "airflow-dev-111122223333-us-west-2", "b".repeat(63)],
        bad: ["ab", "b".repeat(64), "a..b", "-abc", "abc-", "Abc", "a_b", "192.168.1.1", "xn--abc", "sthree-abc",
            "amzn-s3-demo-abc", "abc-s3alias", "abc--ol-s3", "abc.mrap", "abc--x-s3", "abc--table-s3"],
    },
    {
        field: "key", args: keyArgs,
        good: ["dags/codeartifact.txt", "airflow/dags/ca.txt", "dags/private/ca.txt", "dags/..txt", `d/${"f".repeat(949)}.txt`],
        bad: ["/dags/ca.txt", "dags/ca.py", "dags/.txt", "dags/../ca.txt", "./ca.txt", "da gs/ca.txt", "dags/ca#1.txt",
            `d/${"f".repeat(950)}.txt`],
    },
    {
        field: "durationSeconds", args: (v) => ({ tokenDurationSeconds: Number(v) }),
        good: ["900", "3600", "43200"],
        bad: ["899", "43201", "1.5", "-900"],
    },
    {
        field: "indexOption", args: (indexOption) => ({ indexOption }),
        good: ["index-url", "extra-index-url"],
        bad: ["index_url", "--index-url", "Extra-Index-Url", "index-url2"],
    },
    {
        field: "indexCheck", args: (indexCheck) => ({ indexCheck }),
        good: ["requirements", "token", "none"],
        bad: ["all", "Token", "xnone", "tokens"],
    },
    {
        field: "kmsKeyArn", args: (kmsKeyArn) => ({ kmsKeyArn }),
        good: [KMS_KEY, `arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-${"a".repeat(32)}`],
        bad: ["arn:aws:kms:us-west-2:111122223333:alias/my-key", `x${KMS_KEY}`, `${KMS_KEY} other`, "my-key",
            "arn:aws:kms:us-west-2:111122223333:key/not-a-key-id"],
    },
];

/** The function's verdict on one variable; another variable's problem fails the test. */
function functionAccepts(field: keyof typeof ENV, value: string): boolean {
    try {
        readRefreshConfig({ ...FUNCTION_ENV, [ENV[field]]: value });
        return true;
    } catch (err) {
        assert.match((err as Error).message, new RegExp(`^Invalid token refresh configuration: ${ENV[field]} must be [^;]*$`));
        return false;
    }
}

function componentAccepts(args: Record<string, unknown>): boolean {
    const all = { ...ARGS, ...args };
    return readArguments((key) => all[key]).problems.length === 0;
}

for (const row of TABLE) {
    test(`${row.field}: the function and the component agree on every value of the table`, () => {
        for (const [values, expected] of [[row.good, true], [row.bad, false]] as const) {
            for (const value of values) {
                const shown = value.length > 40 ? `${value.slice(0, 30)}… (${value.length} characters)` : value;
                assert.equal(functionAccepts(row.field, value), expected, `function, ${shown}`);
                assert.equal(componentAccepts(row.args(value)), expected, `component, ${shown}`);
            }
        }
    });
}

test("the table covers every name rule of the contract", () => {
    const covered = new Set(TABLE.map((r) => r.field));
    for (const field of Object.keys(NAME_RULES)) assert.ok(covered.has(field as keyof typeof ENV), `${field} has no row`);
});

test("the -r line the component writes is the one status looks for", () => {
    const body = renderRequirements("private/ca.txt", ["pkg==1"]);
    assert.equal(body.split("\n")[0], requirementsIncludeLine("private/ca.txt"));
    assert.equal(requirementsIncludeLine("ca.txt"), `-r ${MWAA_DAGS_MOUNT}/ca.txt`);
    assert.ok(referencesTokenFile(body, "private/ca.txt"));
    assert.ok(!referencesTokenFile(body, "ca.txt"));
});
