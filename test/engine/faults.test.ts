// Faults on the real engine: a first `pulumi up` while CodeArtifact denies the role, and an `up`
// killed part-way, each recovered exactly as docs/deploying.md, "If `pulumi up` fails or is interrupted",
// says.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import type { Stack } from "@pulumi/pulumi/automation";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { runProcess } from "../support/process";
import { CloudStore } from "../../tools/doubles/aws/cloud";
import { BOOTSTRAP_PATTERN } from "../../lib/component";
import { assertIndexUrl, childOps, objectText, pendingOperations, putObjectText, stateResources, up, worldS3 } from "./support/observe";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";

const BUCKET = STACK_BUCKETS.dev;
const TOKEN_KEY = "dags/codeartifact.txt";
const COMPONENT = "mwaa-codeartifact-dev";
const EXISTING_REQUIREMENTS = "apache-airflow-providers-amazon\nold-package==1.0\n";
const DENIAL = {
    operation: "GetAuthorizationToken", status: 403, errorType: "AccessDeniedException", times: Infinity,
    message: "User: arn:aws:sts::111122223333:assumed-role/mwaa-codeartifact-dev-role/fn is not authorized to perform: codeartifact:GetAuthorizationToken",
} as const;

/** The documented commands, run as a user runs them: the CLI in the project folder with the stack's environment. */
async function pulumiCommand(world: World, args: string[]): Promise<string> {
    const cli = path.join(world.dir, "cli", "bin", "pulumi");
    const run = await runProcess(cli, [...args, "--stack", "dev", "--non-interactive"], {
        cwd: world.projectDir, env: { ...process.env, ...world.env }, timeoutMs: 120_000,
    });
    assert.equal(run.code, 0, `pulumi ${args.join(" ")}: ${run.stdout}${run.stderr}`);
    return run.stdout;
}

describe("engine: the first up while CodeArtifact denies the role", { timeout: 300_000 }, () => {
    let world: World;
    let s3: S3Client;
    beforeEach(async () => {
        world = await startWorld();
        s3 = worldS3(world);
    });
    afterEach(async () => {
        s3.destroy();
        await world.close();
    });

    it("fails with the function's message, leaves the existing requirements.txt alone, and the next up converges", async () => {
        await putObjectText(s3, BUCKET, "requirements.txt", EXISTING_REQUIREMENTS);
        world.codeartifact.setBehavior({ faults: [DENIAL] });
        const stack: Stack = await world.stack("dev");

        const failure = await up(stack).then(() => undefined, (err: Error) => err.message);
        assert.ok(failure, "the up failed");
        assert.match(failure, /lambda function \(mwaa-codeartifact-dev-function-[0-9a-f]{7}\) returned error/);
        assert.match(failure, /missing permission codeartifact:GetAuthorizationToken/);
        assert.match(failure, /still denied after \d+ attempts over 1[12]\d s of waiting for IAM propagation/);
        assert.equal(await objectText(s3, BUCKET, "requirements.txt"), EXISTING_REQUIREMENTS);
        assert.equal(world.s3.versions(BUCKET, "requirements.txt").length, 1);
        assert.match(await objectText(s3, BUCKET, TOKEN_KEY), BOOTSTRAP_PATTERN, "the token file holds only the placeholder");
        const created = stateResources(world, "dev").map((r) => r.urn.split("::").pop());
        assert.ok(!created.includes(`${COMPONENT}-requirements`) && !created.includes(`${COMPONENT}-first-refresh`));

        world.codeartifact.setBehavior({ faults: [] });
        const fixed = await up(stack);
        assert.deepEqual(Object.fromEntries(Object.entries(childOps(fixed.plan, COMPONENT)).filter(([, op]) => op !== "same")),
            { "first-refresh": "create", requirements: "create", "token-stale": "create" });
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        assert.match(await objectText(s3, BUCKET, "requirements.txt"), /^-r \/usr\/local\/airflow\/dags\/codeartifact.txt\n/);
        assert.equal(world.s3.versions(BUCKET, "requirements.txt").at(-1)?.body?.toString(), EXISTING_REQUIREMENTS, "the old file is kept as a version");
    });
});

/** Processes running this world's CLI (with `pulumi up` when `command` is "up"). */
function runningUps(world: World, command = "up"): number[] {
    const cli = path.join(world.dir, "cli", "bin", "pulumi");
    return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
        try {
            return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(`${cli}\0${command}`);
        } catch {
            return false;
        }
    });
}

/** Waits until no process of this world's CLI runs any more (a killed one may take a moment to go). */
async function noCliRunning(world: World): Promise<void> {
    for (let i = 0; i < 100 && runningUps(world, "").length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** The state files as the backend holds them, with sizes: what to look at when one fails to load. */
function stateListing(world: World): string {
    const dir = path.join(world.backendDir, ".pulumi", "stacks", "mwaa-codeartifact-token");
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => `${f} ${fs.statSync(path.join(dir, f)).size} B`).join(", ") : "(no stacks folder)";
}

/**
 * `pulumi cancel --yes` as docs/deploying.md says: when the kill cut the state short, the state
 * goes back from its .bak and the command runs again.
 */
async function cancelRestoringCutState(world: World): Promise<void> {
    const cli = path.join(world.dir, "cli", "bin", "pulumi");
    for (let attempt = 1; ; attempt++) {
        const run = await runProcess(cli, ["cancel", "--yes", "--stack", "dev", "--non-interactive"], {
            cwd: world.projectDir, env: { ...process.env, ...world.env }, timeoutMs: 120_000,
        });
        if (run.code === 0) return;
        const output = run.stdout + run.stderr;
        if (!/failed to load checkpoint/.test(output) || attempt >= 3) assert.fail(`pulumi cancel --yes: ${output} (state files: ${stateListing(world)})`);
        restoreStateIfCut(world);
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/** What `aws ... delete` does by hand: removes a resource from the double's cloud (under its lock). */
function deleteInAws(world: World, type: string, id: string): void {
    const cloud = new CloudStore(world.cloudDir);
    cloud.remove(type, id);
    if (type === "aws:lambda/function:Function") fs.rmSync(cloud.codeDir(id), { recursive: true, force: true });
}

/** The state file, put back from the copy the CLI keeps beside it when the kill cut it short. */
function restoreStateIfCut(world: World): boolean {
    const file = path.join(world.backendDir, ".pulumi", "stacks", "mwaa-codeartifact-token", "dev.json");
    try {
        JSON.parse(fs.readFileSync(file, "utf8"));
        return false;
    } catch {
        fs.copyFileSync(`${file}.bak`, file);
        return true;
    }
}

describe("engine: an up killed part-way, recovered as docs/deploying.md says", { timeout: 300_000 }, () => {
    let world: World;
    let s3: S3Client;
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("cancel, drop the pending creates, up, delete what was left behind: converges with a valid token file", async (t) => {
        world = await startWorld();
        s3 = worldS3(world);
        const stack = await world.stack("dev");
        let killed = 0;
        await assert.rejects(stack.up({
            onEvent: (event) => {
                if (killed === 0 && event.resOutputsEvent?.metadata.type === "aws:lambda/function:Function") {
                    for (const pid of runningUps(world)) process.kill(pid, "SIGKILL");
                    killed += 1;
                }
            },
        }), /SIGKILL/);
        await noCliRunning(world);
        // The lock is still there; or the kill cut the file backend's state short first, which the
        // CLI reports before it looks at the lock (docs/deploying.md: copy <stack>.json.bak back).
        await assert.rejects(stack.up(), /locked|failed to load checkpoint: EOF/, "the killed run's lock (or its cut state) is still there");

        // docs/deploying.md's steps, word for word; a state file the kill cut short is put back from
        // its .bak first, as the same section says for any of them that fails to load it.
        const cut = restoreStateIfCut(world);
        await cancelRestoringCutState(world);
        const pending = pendingOperations(world, "dev") as { resource: { urn: string } }[];
        assert.ok(stateResources(world, "dev").length < 15, "the killed up did not finish");
        await pulumiCommand(world, ["refresh", "--yes", "--clear-pending-creates"]);
        assert.deepEqual(pendingOperations(world, "dev"), []);
        const recovered = await up(stack);
        const ids = await pulumiCommand(world, ["stack", "--show-ids"]);
        const leftovers: string[] = [];
        for (const [type, liveOfType] of Object.entries(new CloudStore(world.cloudDir).liveIds())) {
            for (const id of liveOfType.filter((i) => i.includes("mwaa-codeartifact-dev-") && !ids.includes(i))) {
                leftovers.push(id);
                deleteInAws(world, type, id);
            }
        }
        t.diagnostic(`killed with pending: ${pending.map((op) => op.resource.urn.split("::").pop()).join(", ") || "none"}; ` +
            `state file cut short: ${cut}; left behind and deleted: ${leftovers.join(", ") || "none"}`);

        assert.equal(Object.values(recovered.result.summary.resourceChanges ?? {}).reduce((a, b) => a + b, 0), 15);
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        assert.match(await objectText(s3, BUCKET, "requirements.txt"), /^-r \/usr\/local\/airflow\/dags\/codeartifact.txt\n/);
        const live = Object.values(new CloudStore(world.cloudDir).liveIds()).flat().filter((id) => id.includes("mwaa-codeartifact-dev-"));
        assert.deepEqual(live.filter((id) => !ids.includes(id)), [], "every resource AWS has is in the state");
    });
});
