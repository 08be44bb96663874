// The check of a new token against the repository's PEP 503 index (functions/indexCheck.ts), against
// the local HTTPS index double guarded by Basic auth as CodeArtifact guards it: every outcome, and
// every message word for word. Version and name rules are checked as properties.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
    checkIndex, INDEX_USER, normalizeProjectName, parseVersion, versionMatchesPin, versionsOnPage, type IndexCheckFailureKind,
    type IndexTarget, type RequirementCheck,
} from "../functions/indexCheck";
import { INDEX_CHECK } from "../functions/limits";
import { isAccessDenied } from "../functions/refresh";
import { fetchTrusting } from "./support/httpsFetch";
import { startPypiIndex, type PypiIndex } from "./support/pypiIndex";

const TOKEN = "FAKE-index+check/token=";
const ROLE = "arn:aws:iam::111122223333:role/mwaa-codeartifact-dev-role-abc1234";
const LISTINGS = {
    "your-package": ["your_package-1.4.1-py3-none-any.whl", "your_package-1.4.2-py3-none-any.whl", "your-package-1.5.0rc1.tar.gz"],
    "apache-airflow-providers-snowflake": ["apache_airflow_providers_snowflake-6.1.0-py3-none-any.whl"],
};
const MISSING_ADVICE = "Publish them to the repository, or give it an upstream repository connected to public:pypi. pip never looks up " +
    'a line that MWAA\'s preinstalled packages (Airflow, its providers) already satisfy: for such lines set indexCheck to "token".';
const UNREACHABLE_ADVICE = 'If only MWAA can reach the repository (a policy limited to its VPC endpoint), set indexCheck to "none".';
const T = { timeout: 30_000 };

/** Whether `err` is a failed check of this kind. */
function isIndexFailure(err: unknown, kind: IndexCheckFailureKind): boolean {
    return err instanceof Error && (err as { kind?: unknown }).kind === kind;
}

/** The version in one file name, as the index's project page shows it. */
function distributionVersion(filename: string): string | undefined {
    return versionsOnPage(`<a href="f">${filename}</a>`)[0];
}

describe("the check against the local index", () => {
    let index: PypiIndex;
    let target: IndexTarget;
    const slept: number[] = [];
    const deps = (): Parameters<typeof checkIndex>[3] => ({ fetch: fetchTrusting(index.caFile), sleep: (ms) => (slept.push(ms), Promise.resolve()) });
    const check = (requirements?: RequirementCheck[], t: IndexTarget = target, token = TOKEN) => checkIndex(t, token, requirements, deps());
    const failureOf = async (run: Promise<unknown>): Promise<Error> => {
        const err = await run.then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof Error, "the check should have failed");
        assert.ok(!err.message.includes(TOKEN) && !err.message.includes(encodeURIComponent(TOKEN)), "no token in the message");
        return err;
    };

    before(async () => {
        index = await startPypiIndex({ repository: "your_repo", token: TOKEN, wheels: [], listings: LISTINGS });
        target = {
            endpoint: index.repositoryEndpoint, domain: "your-domain", domainOwner: "111122223333", repository: "your_repo",
            region: "us-west-2", roleArn: ROLE,
        };
    });
    after(() => index?.close());
    const reset = (): void => {
        index.requests.length = 0;
        slept.length = 0;
        index.setRefusal(undefined);
        index.setFaults([]);
    };

    test("200: the token and every requirement found, each asked for once by its normalized name, as pip sends the token", T, async () => {
        reset();
        const found = await check([{ name: "Your_Package", pin: "1.4.2" }, { name: "apache.airflow-providers_snowflake" }, { name: "your-package", pin: "1.4.*" }]);
        assert.equal(found, "token accepted; 3 requirements found");
        assert.deepEqual(index.requests.map((r) => r.path).sort(), [
            "/pypi/your_repo/simple/", "/pypi/your_repo/simple/apache-airflow-providers-snowflake/",
            "/pypi/your_repo/simple/your-package/", "/pypi/your_repo/simple/your-package/",
        ]);
        assert.ok(index.requests.every((r) => r.auth === "ok" && r.status === 200 && r.method === "GET"));
        assert.equal(INDEX_USER, "aws");
    });

    test("the token alone: one request, to the index root", T, async () => {
        reset();
        assert.equal(await check(), "token accepted");
        assert.deepEqual(index.requests.map((r) => [r.path, r.status]), [["/pypi/your_repo/simple/", 200]]);
    });

    test("404 package and 404 version: every one named, with the versions the repository has, and the likely causes", T, async () => {
        reset();
        const err = await failureOf(check([{ name: "your-pakage" }, { name: "your-package", pin: "1.4.3" }, { name: "your-package", pin: "1.4.2" }, { name: "apache-airflow-providers-snowflake", pin: "6.2.0" }]));
        assert.ok(isIndexFailure(err, "missing") && !isIndexFailure(err, "refused"));
        assert.equal(err.message,
            "3 of 4 requirements not found in CodeArtifact repository your_repo (domain your-domain, owner 111122223333), pip's only index " +
            '(indexOption index-url): "your-pakage": no such project; "your-package==1.4.3": no version 1.4.3 (the repository lists 1.4.1, 1.4.2, 1.5.0rc1); ' +
            '"apache-airflow-providers-snowflake==6.2.0": no version 6.2.0 (the repository lists 6.1.0). ' + MISSING_ADVICE);
    });

    test("one requirement missing: the message counts it in the singular", T, async () => {
        reset();
        const err = await failureOf(check([{ name: "nothing-here" }]));
        assert.equal(err.message,
            '1 of 1 requirement not found in CodeArtifact repository your_repo (domain your-domain, owner 111122223333), pip\'s only index (indexOption index-url): "nothing-here": no such project. ' +
            MISSING_ADVICE);
    });

    test("401 (a token the repository does not know): refused, an access denial, the permission and the role named", T, async () => {
        reset();
        const err = await failureOf(check([{ name: "your-package" }], target, "another-token"));
        assert.ok(isIndexFailure(err, "refused") && isAccessDenied(err), "retried while IAM propagates");
        assert.equal(err.message,
            `CodeArtifact repository your_repo (domain your-domain, owner 111122223333) refused the new token (HTTP 401 for ${index.repositoryEndpoint}simple/), ` +
            `as it would refuse pip on MWAA. Allow this function's role ${ROLE} codeartifact:ReadFromRepository on ` +
            "arn:aws:codeartifact:us-west-2:111122223333:repository/your-domain/your_repo; the role's own policy allows it, so look for a Deny in the " +
            "repository or domain policy, a permissions boundary or an SCP.");
    });

    test("403 from a domain in another account: the grant belongs in the repository's resource policy", T, async () => {
        reset();
        index.setRefusal(403);
        const crossAccount = { ...target, domainOwner: "444455556666", roleArn: "arn:aws-us-gov:iam::111122223333:role/r" };
        const err = await failureOf(check(undefined, crossAccount));
        assert.equal(err.message,
            `CodeArtifact repository your_repo (domain your-domain, owner 444455556666) refused the new token (HTTP 403 for ${index.repositoryEndpoint}simple/), ` +
            "as it would refuse pip on MWAA. Allow this function's role arn:aws-us-gov:iam::111122223333:role/r codeartifact:ReadFromRepository on " +
            "arn:aws-us-gov:codeartifact:us-west-2:444455556666:repository/your-domain/your_repo in the repository's resource policy " +
            "(the domain is in account 444455556666, the role in 111122223333).");
        const noRole = await failureOf(check(undefined, { ...target, roleArn: undefined }));
        assert.match(noRole.message, /Allow this function's role {2}codeartifact:ReadFromRepository on arn:aws:codeartifact:/);
    });

    test("5xx then 200: retried after the first delay, then found", T, async () => {
        reset();
        index.setFaults([{ status: 503 }]);
        assert.equal(await check([{ name: "your-package", pin: "1.4.2" }]), "token accepted; 1 requirement found");
        assert.deepEqual(slept, [INDEX_CHECK.retryDelayMs]);
        assert.deepEqual(index.requests.map((r) => r.status).sort(), [200, 200, 503]);
    });

    test("5xx on every attempt: unreachable, with the status, the attempts and the way out", T, async () => {
        reset();
        index.setFaults([{ status: 502, times: Infinity }]);
        const err = await failureOf(check());
        assert.ok(isIndexFailure(err, "unreachable") && !isAccessDenied(err));
        assert.equal(err.message, `Could not check the new token against ${index.repositoryEndpoint}simple/: HTTP 502 (3 attempts). ${UNREACHABLE_ADVICE}`);
        assert.deepEqual(slept, Array<number>(INDEX_CHECK.attempts - 1).fill(INDEX_CHECK.retryDelayMs));
    });

    test("no answer: each attempt bounded by what is left of the check's budget, then unreachable", T, async () => {
        reset();
        index.setFaults([{ hang: true, times: Infinity }]);
        let calls = 0;
        const now = (): number => (calls++ === 0 ? 0 : INDEX_CHECK.budgetMs - 300);
        const err = await checkIndex(target, TOKEN, undefined, { ...deps(), now }).then(() => undefined, (e: unknown) => e as Error);
        assert.ok(err && isIndexFailure(err, "unreachable"));
        assert.equal(err.message, `Could not check the new token against ${index.repositoryEndpoint}simple/: no answer within 0.3 s (3 attempts). ${UNREACHABLE_ADVICE}`);
        assert.equal(index.requests.length, 3);
    });

    test("a budget already spent: no request at all, and it says so", T, async () => {
        reset();
        let calls = 0;
        const now = (): number => (calls++ === 0 ? 0 : INDEX_CHECK.budgetMs);
        const err = await checkIndex(target, TOKEN, undefined, { ...deps(), now }).then(() => undefined, (e: unknown) => e as Error);
        assert.match(String(err?.message), /: no request made before the check's time budget ran out \(0 attempts\)\. /);
        assert.equal(index.requests.length, 0);
    });

    test("a refused token wins over missing packages: the one cause to fix first", T, async () => {
        reset();
        index.setRefusal(403);
        const err = await failureOf(check([{ name: "nothing-here" }]));
        assert.ok(isIndexFailure(err, "refused"));
    });
});

describe("versions and names as pip compares them", () => {
    test("common spellings normalize to the same version", () => {
        for (const [a, b] of [["1.0", "1.0.0"], ["v1.0", "1.0"], ["1.0-RC1", "1.0rc1"], ["1.0c1", "1.0rc1"], ["1.0alpha2", "1.0a2"],
            ["1.0-1", "1.0.post1"], ["1.0.rev", "1.0.post0"], ["1.0-dev", "1.0.dev0"], ["0!1.0", "1.0"], ["1.0+Ubuntu-1", "1.0+ubuntu.1"]]) {
            assert.ok(versionMatchesPin(a, b) && versionMatchesPin(b, a), `${a} == ${b}`);
        }
        for (const [candidate, pin] of [["1.0rc1", "1.0"], ["1.0.post1", "1.0"], ["1!1.0", "1.0"], ["1.0+a", "1.0+b"], ["1.01", "1.1.0.1"]]) {
            assert.ok(!versionMatchesPin(candidate, pin), `${candidate} is not ==${pin}`);
        }
        assert.ok(versionMatchesPin("1.0+local", "1.0"), "a public pin ignores the candidate's local label");
        assert.ok(!versionMatchesPin("1.0", "1.0+local"));
        assert.ok(versionMatchesPin("1.4.2", "1.4.*") && versionMatchesPin("1.4", "1.4.0.*") && !versionMatchesPin("1.5.0", "1.4.*"));
        assert.ok(versionMatchesPin("1.0-Custom", "=1.0-custom") && !versionMatchesPin("1.0.0", "=1.0"), "=== compares the text");
        assert.ok(!versionMatchesPin("not a version", "1.0") && !versionMatchesPin("1.0", "not.a.version"));
        assert.equal(parseVersion("1.0 junk"), undefined);
    });

    test("property: a version equals itself, with trailing zeros, and a wildcard of any release prefix", () => {
        const version = fc.record({
            release: fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 4 }),
            pre: fc.option(fc.tuple(fc.constantFrom("a", "b", "rc"), fc.nat({ max: 9 })), { nil: undefined }),
            post: fc.option(fc.nat({ max: 9 }), { nil: undefined }),
        });
        fc.assert(fc.property(version, fc.nat({ max: 3 }), ({ release, pre, post }, zeros) => {
            const suffix = `${pre ? pre.join("") : ""}${post === undefined ? "" : `.post${post}`}`;
            const text = release.join(".") + suffix;
            const padded = [...release, ...Array<number>(zeros).fill(0)].join(".") + suffix;
            assert.ok(versionMatchesPin(text, text) && versionMatchesPin(padded, text) && versionMatchesPin(text, padded));
            const prefix = release.slice(0, 1 + (zeros % release.length));
            assert.ok(versionMatchesPin(text, `${prefix.join(".")}.*`));
        }));
    });

    test("property: PEP 503 normalization is idempotent and ignores how separators and case are written", () => {
        const word = fc.stringMatching(/^[a-z0-9]{1,6}$/);
        fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom("-", "_", ".", "--", "_."), { minLength: 3, maxLength: 3 }), (words, seps) => {
            const written = words.map((w, i) => (i === 0 ? w.toUpperCase() : seps[(i - 1) % 3] + w)).join("");
            assert.equal(normalizeProjectName(written), words.join("-"));
            assert.equal(normalizeProjectName(normalizeProjectName(written)), normalizeProjectName(written));
        }));
    });

    test("file names: the version of wheels and sdists, and nothing from other files", () => {
        assert.equal(distributionVersion("your_package-1.4.2-py3-none-any.whl"), "1.4.2");
        assert.equal(distributionVersion("your_package-1.4.2-1-py3-none-any.whl"), "1.4.2");
        assert.equal(distributionVersion("Your.Package-2.0.tar.gz"), "2.0");
        assert.equal(distributionVersion("your-package-2.0.zip"), "2.0");
        assert.equal(distributionVersion("your_package-2.0.TAR.GZ"), "2.0");
        assert.equal(distributionVersion("your_package-2.0.exe"), undefined);
        assert.equal(distributionVersion("README.tar.gz"), undefined);
        const page = '<a href="../f/your_package-1.0-py3-none-any.whl#sha256=00">your_package-1.0-py3-none-any.whl</a><br/>\n' +
            '<A HREF="x" data-yanked="">your-package-1.1.tar.gz</A >\n<a href="y">your_package-1.0.tar.gz</a>';
        assert.deepEqual(versionsOnPage(page), ["1.0", "1.1"]);
    });
});
