// The GitHub Actions recipes in .github/: valid against the Actions schemas (action-validator, the
// same Rust validator as its CLI, compiled to WebAssembly, offline), and the properties the README
// promises: OIDC only, SHA-pinned actions, least permissions per job, the drift commands exactly
// as documented, one deployment per stack at a time, one drift issue.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { validateAction, validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { listStacks } from "../tools/stackConfig";
import { runProcess } from "./support/process";
import { REPO_ROOT, list, loadDocument } from "./support/iam";

type Json = Record<string, unknown>;
interface Step extends Json {
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Json;
    readonly env?: Record<string, string>;
    readonly if?: string;
}
interface Job extends Json {
    readonly uses?: string;
    readonly steps?: Step[];
    readonly permissions?: Record<string, string>;
    readonly environment?: string;
    readonly needs?: string | string[];
    readonly if?: string;
    readonly concurrency?: { group: string; "cancel-in-progress"?: boolean };
    readonly strategy?: { matrix?: { stack?: string[] } };
}
interface Workflow {
    readonly file: string;
    readonly text: string;
    readonly on: Json;
    readonly permissions?: Json;
    readonly jobs: Record<string, Job>;
}

const WORKFLOW_DIR = path.join(REPO_ROOT, ".github", "workflows");
const ACTION_DIR = path.join(REPO_ROOT, ".github", "actions");
const STACKS = listStacks(REPO_ROOT);
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[A-Za-z0-9_./-]+)?@([0-9a-f]{40})$/;
const OIDC_ACTION = "aws-actions/configure-aws-credentials@";
/** The drift commands as docs/ci.md documents them; `<stack>` is the matrix's stack in the workflow. */
const DRIFT_PREVIEW = "pulumi preview --refresh --expect-no-changes --stack <stack>";
const DRIFT_STATUS = "npm run status -- --stack <stack>";

function readText(file: string): string {
    return fs.readFileSync(file, "utf8");
}

const workflows: Workflow[] = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => {
    const text = readText(path.join(WORKFLOW_DIR, f));
    const doc = parse(text) as Json;
    return { file: f, text, on: doc.on as Json, permissions: doc.permissions as Json | undefined, jobs: doc.jobs as Record<string, Job> };
});
const actions = fs.readdirSync(ACTION_DIR).map((dir) => {
    const file = path.join(ACTION_DIR, dir, "action.yml");
    const text = readText(file);
    return { file: path.relative(REPO_ROOT, file), text, doc: parse(text) as { runs: { steps: Step[] } } };
});

function workflow(file: string): Workflow {
    const found = workflows.find((w) => w.file === file);
    assert.ok(found, `.github/workflows/${file} is missing`);
    return found;
}

/** Every step of the repository's workflows and local actions, with where it is. */
function allSteps(): Array<{ where: string; step: Step }> {
    return [
        ...workflows.flatMap((w) => Object.entries(w.jobs).flatMap(([id, job]) => (job.steps ?? []).map((step) => ({ where: `${w.file} ${id}`, step })))),
        ...actions.flatMap((a) => a.doc.runs.steps.map((step) => ({ where: a.file, step }))),
    ];
}

/** Whether a local action (`./.github/actions/x`) or workflow (`./.github/workflows/x.yml`) ends up assuming a role by OIDC. */
function localUsesOidc(ref: string): boolean {
    const target = path.join(REPO_ROOT, ref);
    if (ref.startsWith("./.github/actions/")) {
        const action = parse(readText(path.join(target, "action.yml"))) as { runs: { steps: Step[] } };
        return action.runs.steps.some(stepUsesOidc);
    }
    return Object.values(workflow(path.basename(ref)).jobs).some(jobUsesOidc);
}

function stepUsesOidc(step: Step): boolean {
    return step.uses !== undefined && (step.uses.startsWith(OIDC_ACTION) || (step.uses.startsWith("./") && localUsesOidc(step.uses)));
}

function jobUsesOidc(job: Job): boolean {
    return job.uses !== undefined ? localUsesOidc(job.uses) : (job.steps ?? []).some(stepUsesOidc);
}

function runs(job: Job): string {
    return (job.steps ?? []).map((s) => s.run ?? "").join("\n");
}

describe("schema", () => {
    test("every workflow and local action is valid for GitHub Actions (action-validator)", () => {
        assert.ok(workflows.length >= 4, workflows.map((w) => w.file).join(", "));
        for (const w of workflows) assert.deepEqual(validateWorkflow(w.text).errors, [], w.file);
        for (const a of actions) assert.deepEqual(validateAction(a.text).errors, [], a.file);
    });

    test("the validator rejects what GitHub would reject", () => {
        const drift = workflow("drift.yml").text;
        assert.notDeepEqual(validateWorkflow(drift.replace("needs: drift", "needs: no-such-job")).errors, []);
        assert.notDeepEqual(validateWorkflow(drift.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest")).errors, []);
    });
});

describe("supply chain and credentials", () => {
    test("every third-party `uses:` is pinned to a 40-hex commit with its version in a comment, the same commit everywhere", () => {
        const pins = new Map<string, string>();
        let count = 0;
        for (const text of [...workflows.map((w) => w.text), ...actions.map((a) => a.text)]) {
            for (const line of text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
                const m = /uses:\s*(\S+)(\s+#\s*(v\d+\.\d+\.\d+))?\s*$/.exec(line);
                assert.ok(m, `unparsed line: ${line}`);
                const ref = m[1];
                count++;
                if (ref.startsWith("./")) {
                    assert.ok(fs.existsSync(path.join(REPO_ROOT, ref)), `${ref} does not exist`);
                    continue;
                }
                const pin = PINNED.exec(ref);
                assert.ok(pin, `${ref} is not pinned to a full commit SHA`);
                assert.ok(m[3], `${ref} has no "# vX.Y.Z" comment`);
                const action = ref.slice(0, ref.indexOf("@"));
                assert.equal(pins.get(action) ?? `${pin[2]} ${m[3]}`, `${pin[2]} ${m[3]}`, `${action} is pinned to two commits`);
                pins.set(action, `${pin[2]} ${m[3]}`);
            }
        }
        assert.equal(count, allSteps().filter((s) => s.step.uses).length + workflows.flatMap((w) => Object.values(w.jobs)).filter((j) => j.uses).length);
        assert.ok(pins.has("actions/checkout") && pins.has("aws-actions/configure-aws-credentials"), [...pins.keys()].join(", "));
    });

    test("AWS access is by OIDC role only: no access key anywhere, and every credentials step assumes a role", () => {
        for (const text of [...workflows.map((w) => w.text), ...actions.map((a) => a.text)]) {
            assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/i);
        }
        const credentialSteps = allSteps().filter(({ step }) => step.uses?.startsWith(OIDC_ACTION));
        assert.ok(credentialSteps.length > 0);
        for (const { where, step } of credentialSteps) assert.ok(step.with?.["role-to-assume"], `${where}: no role-to-assume`);
    });

    test("the only secret is PULUMI_ACCESS_TOKEN, handed only to the steps that run pulumi", () => {
        for (const text of [...workflows.map((w) => w.text), ...actions.map((a) => a.text)]) {
            for (const m of text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)) assert.equal(m[1], "PULUMI_ACCESS_TOKEN");
        }
        for (const w of workflows) {
            assert.doesNotMatch(JSON.stringify(Object.values(w.jobs).map((j) => j.env ?? {})), /PULUMI_ACCESS_TOKEN/, `${w.file}: job-wide token`);
        }
        const given = allSteps().filter(({ step }) => step.env?.PULUMI_ACCESS_TOKEN !== undefined);
        assert.ok(given.length >= 3);
        for (const { where, step } of given) assert.match(step.run ?? "", /^\s*(set -o pipefail\s*)?pulumi (preview|up) /m, `${where}: the token reaches a step that does not run pulumi`);
    });

    test("no pull_request_target or workflow_run trigger, no github.event text interpolated into a script, checkout keeps no credentials", () => {
        for (const w of workflows) {
            assert.ok(!("pull_request_target" in w.on) && !("workflow_run" in w.on), w.file);
        }
        for (const { where, step } of allSteps()) {
            assert.doesNotMatch(step.run ?? "", /\$\{\{\s*github\.event\./, `${where}: script injection`);
            if (step.uses?.startsWith("actions/checkout@")) assert.equal(step.with?.["persist-credentials"], false, where);
        }
    });

    test("the Pulumi CLI is pinned to one exact version, not older than the locked @pulumi/pulumi SDK", () => {
        const lock = JSON.parse(readText(path.join(REPO_ROOT, "package-lock.json"))) as { packages: Record<string, { version: string }> };
        const sdk = lock.packages["node_modules/@pulumi/pulumi"].version.split(".").map(Number);
        const pulumiSteps = allSteps().filter(({ step }) => step.uses?.startsWith("pulumi/actions@"));
        assert.ok(pulumiSteps.length > 0);
        for (const { where, step } of pulumiSteps) {
            assert.equal(step.with?.command, undefined, `${where}: the action only installs the CLI`);
            const version = String(step.with?.["pulumi-version"]);
            assert.match(version, /^\d+\.\d+\.\d+$/, where);
            const cli = version.split(".").map(Number);
            const cmp = cli[0] - sdk[0] || cli[1] - sdk[1] || cli[2] - sdk[2];
            assert.ok(cli[0] === sdk[0] && cmp >= 0, `${where}: CLI ${version} is older than SDK ${sdk.join(".")}`);
        }
    });
});

describe("permissions", () => {
    test("every workflow grants nothing by default and every job states its own permissions", () => {
        for (const w of workflows) {
            assert.deepEqual(w.permissions, {}, `${w.file}: top-level permissions`);
            for (const [id, job] of Object.entries(w.jobs)) {
                assert.equal(typeof job.permissions, "object", `${w.file} ${id}: no permissions`);
                for (const level of Object.values(job.permissions ?? {})) assert.ok(level === "read" || level === "write", `${w.file} ${id}`);
            }
        }
    });

    test("id-token: write exactly where a role is assumed by OIDC; issues: write only on the drift report; nothing else writes", () => {
        let oidcJobs = 0;
        for (const w of workflows) {
            for (const [id, job] of Object.entries(w.jobs)) {
                const perms = job.permissions ?? {};
                const oidc = jobUsesOidc(job);
                oidcJobs += oidc ? 1 : 0;
                assert.equal(perms["id-token"] === "write", oidc, `${w.file} ${id}: id-token ${perms["id-token"]} but OIDC ${oidc}`);
                const isReport = w.file === "drift.yml" && id === "report";
                assert.equal(perms.issues === "write", isReport, `${w.file} ${id}: issues ${perms.issues}`);
                for (const [scope, level] of Object.entries(perms)) {
                    if (level === "write") assert.ok(scope === "id-token" || scope === "issues", `${w.file} ${id}: ${scope}: write`);
                }
            }
        }
        assert.ok(oidcJobs >= 4, `${oidcJobs} OIDC jobs`);
    });

    test("each role is assumed only from the GitHub subject its trust policy names", () => {
        const sub = (file: string): string => String(loadDocument(file).Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"]);
        const roles = allSteps().filter(({ step }) => step.uses === "./.github/actions/setup").map(({ where, step }) => ({ where, role: String(step.with?.["role-to-assume"]) }));
        assert.equal(roles.length, 3);
        for (const { where, role } of roles) {
            const [file, jobId] = where.split(" ");
            const w = workflow(file);
            const job = w.jobs[jobId];
            if (role.includes("role/github-mwaa-codeartifact-deploy-")) {
                // environment:STACK — the job runs in the environment named after the stack it deploys.
                assert.equal(sub("trust-deploy.json"), "repo:OWNER/REPO:environment:STACK");
                assert.equal(job.environment, "${{ inputs.stack }}", where);
                assert.ok(role.endsWith("deploy-${{ inputs.stack }}"), role);
            } else if (role.includes("role/github-mwaa-codeartifact-drift-")) {
                // ref:refs/heads/main — only scheduled runs (on the default branch) or dispatches from main get in.
                assert.equal(sub("trust-drift.json"), "repo:OWNER/REPO:ref:refs/heads/main");
                assert.deepEqual(Object.keys(w.on).sort(), ["schedule", "workflow_dispatch"], where);
                assert.equal(job.environment, undefined, where);
            } else {
                assert.ok(role.endsWith("role/github-mwaa-codeartifact-preview"), `${where}: ${role}`);
                assert.equal(sub("trust-preview.json"), "repo:OWNER/REPO:pull_request");
                assert.deepEqual(Object.keys(w.on), ["pull_request"], where);
            }
        }
    });
});

describe("what the workflows do", () => {
    test("pull requests: npm test and the offline preview of every stack, then pulumi preview of every stack (same-repo PRs) into the step summary", () => {
        const pr = workflow("pull-request.yml");
        assert.equal(pr.jobs.test.uses, "./.github/workflows/test.yml");
        const tests = runs(workflow("test.yml").jobs.test);
        assert.match(tests, /^bash \.ci\/run$/m);
        assert.match(tests, /npm run --silent preview:offline -- --stack "\$\{stack\}"/);
        assert.match(tests, /for file in Pulumi\.\*\.yaml/);
        const preview = pr.jobs.preview;
        assert.deepEqual(preview.strategy?.matrix?.stack, STACKS);
        assert.equal(preview.if, "github.event.pull_request.head.repo.full_name == github.repository");
        assert.match(runs(preview), /pulumi preview --stack \$\{\{ matrix\.stack \}\} /);
        assert.doesNotMatch(runs(preview), /pulumi (up|refresh|destroy)/);
        assert.match(runs(preview), /GITHUB_STEP_SUMMARY/);
    });

    test("main: dev first, then prod, each `pulumi up` in its own environment and followed by `npm run status`", () => {
        const deploy = workflow("deploy.yml");
        assert.deepEqual(Object.keys(deploy.on).sort(), ["push", "workflow_dispatch"]);
        assert.deepEqual((deploy.on.push as { branches: string[] }).branches, ["main"]);
        const calls = Object.entries(deploy.jobs).filter(([, j]) => j.uses === "./.github/workflows/pulumi-up.yml");
        assert.deepEqual(calls.map(([, j]) => (j.with as { stack: string }).stack).sort(), [...STACKS].sort());
        assert.equal(deploy.jobs.dev.needs, "test");
        assert.equal(deploy.jobs.prod.needs, "dev");
        const up = workflow("pulumi-up.yml").jobs.up;
        assert.equal(up.environment, "${{ inputs.stack }}");
        assert.match(runs(up), /^pulumi up --yes --stack \$\{\{ inputs\.stack \}\} /m);
        assert.match(runs(up), /^npm run status -- --stack \$\{\{ inputs\.stack \}\}$/m);
    });

    test("a concurrency group per stack: two deployments of one stack never overlap, and none is cancelled half-way", () => {
        const up = workflow("pulumi-up.yml").jobs.up;
        assert.deepEqual(up.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
        const drift = workflow("drift.yml").jobs.drift;
        assert.deepEqual(drift.concurrency, { group: "drift-${{ matrix.stack }}", "cancel-in-progress": false });
    });

    test("drift: on a schedule and on demand, every stack, the commands exactly as docs/ci.md documents them", () => {
        const w = workflow("drift.yml");
        assert.ok(Array.isArray(w.on.schedule) && "workflow_dispatch" in w.on);
        const job = w.jobs.drift;
        assert.deepEqual(job.strategy?.matrix?.stack, STACKS);
        const ciDoc = readText(path.join(REPO_ROOT, "docs", "ci.md"));
        for (const command of [DRIFT_PREVIEW, DRIFT_STATUS]) {
            assert.ok(ciDoc.includes(command), `docs/ci.md does not document \`${command}\``);
            const inWorkflow = command.replace("<stack>", "${{ matrix.stack }}");
            assert.ok(runs(job).split("\n").some((line) => line === inWorkflow || line.startsWith(`${inWorkflow} `)), `drift.yml does not run \`${inWorkflow}\``);
        }
        const status = (job.steps ?? []).find((s) => s.run?.startsWith("npm run status"));
        assert.equal(status?.if, "${{ !cancelled() }}", "status runs even when the preview found drift");
        assert.equal(w.jobs.report.needs, "drift");
        assert.equal(w.jobs.report.if, "${{ failure() }}");
        assert.deepEqual(w.jobs.report.permissions, { issues: "write" });
    });
});

describe("the drift issue", () => {
    const step = (workflow("drift.yml").jobs.report.steps ?? [])[0];

    /** Runs the report step's script with a `gh` that logs its arguments and knows of `openIssue`. */
    async function report(openIssue: string): Promise<string[][]> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-issue-"));
        try {
            const log = path.join(dir, "gh.log");
            fs.writeFileSync(path.join(dir, "gh"), `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
if (args[0] === "issue" && args[1] === "list") process.stdout.write(process.env.FAKE_OPEN_ISSUE);
`, { mode: 0o755 });
            const env = {
                PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}`, HOME: dir, FAKE_OPEN_ISSUE: openIssue,
                GH_TOKEN: "not-a-token", GH_REPO: "owner/repo", RUN_URL: "https://github.com/owner/repo/actions/runs/42",
            };
            const run = await runProcess("bash", ["-e", "-c", String(step.run)], { cwd: dir, env, timeoutMs: 10_000 });
            assert.equal(run.code, 0, run.stderr);
            return readText(log).trim().split("\n").map((l) => JSON.parse(l) as string[]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }

    test("no open drift issue: one is created, naming the run", async () => {
        const calls = await report("");
        assert.deepEqual(calls.map((c) => c.slice(0, 2).join(" ")), ["issue list", "issue create"]);
        assert.ok(calls[0].includes("open"), "looks at open issues only");
        const create = calls[1];
        assert.equal(create[create.indexOf("--title") + 1], "Drift check failed");
        assert.match(create[create.indexOf("--body") + 1], /https:\/\/github\.com\/owner\/repo\/actions\/runs\/42/);
    });

    test("an open drift issue: it gets a comment, and no second issue is opened", async () => {
        const calls = await report("17\n");
        assert.deepEqual(calls.map((c) => c.slice(0, 3).join(" ")), ["issue list --state", "issue comment 17"]);
        assert.match(calls[1][calls[1].indexOf("--body") + 1], /actions\/runs\/42/);
    });

    test("the issue search matches the exact title the issue is created with", () => {
        const script = String(step.run);
        assert.match(script, /title="Drift check failed"/);
        assert.match(script, /select\(\.title == \\"\$\{title\}\\"\)/);
        assert.deepEqual(list(step.env && Object.keys(step.env)).slice().sort(), ["GH_REPO", "GH_TOKEN", "RUN_URL"]);
    });
});
