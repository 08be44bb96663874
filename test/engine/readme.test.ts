// The README's commands as a user types them: the `pulumi` binary as a child process in a scratch
// copy of the project, the CLI starting the Node.js language host, which loads Pulumi.yaml's `main`.
// The commands are read out of README.md ("Make your own stack" and "Deploy"), so the two cannot
// drift apart; then `pulumi destroy --yes`, and a bad value's message, printed once.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stackProgramHandler } from "../support/stackProgram";
import { CloudStore } from "../../tools/doubles/aws/cloud";
import { objectText, worldS3 } from "./support/observe";
import { readmeCommands } from "./support/readme";
import { pulumiCli, REPO_ROOT, startWorld, type World } from "./support/world";
import type { Proc } from "../support/process";

/** The bucket the README's own stack names. */
const BUCKET = "airflow-dev-444455556666-us-west-2";
/** The objects the stack writes (requirementsKey and the token file, their defaults). */
const REQUIREMENTS_KEY = "requirements.txt";
const TOKEN_KEY = "dags/codeartifact.txt";

function output(run: Proc): string {
    return `${run.stdout}\n${run.stderr}`;
}

function assertRan(run: Proc, command: string): void {
    assert.equal(run.code, 0, `\`${command}\` exited ${String(run.code)}${run.timedOut ? " (timed out)" : ""}:\n${output(run)}`);
}

describe("engine: the README's commands, as typed, through the Node.js language host", { timeout: 900_000 }, () => {
    let world: World;
    const commands = readmeCommands(fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8"));
    const runs = new Map<string, Proc>();

    before(async () => {
        // The README's own stack names account 444455556666's bucket, and no sample value.
        world = await startWorld({ accountId: "444455556666", buckets: [BUCKET] });
    });
    after(async () => {
        await world?.close();
    });

    it("reads the commands out of the README, in order", () => {
        const pulumi = commands.map((c) => c.words.join(" "));
        assert.equal(pulumi[0], "pulumi stack init dev-mine");
        for (const expected of ["pulumi config set aws:region us-west-2", "pulumi preview", "pulumi up", "pulumi preview --refresh --expect-no-changes"]) {
            assert.ok(pulumi.includes(expected), `${expected} is not among ${JSON.stringify(pulumi)}`);
        }
        assert.ok(pulumi.indexOf("pulumi preview") < pulumi.indexOf("pulumi up"));
        assert.ok(pulumi.indexOf("pulumi up") < pulumi.indexOf("pulumi preview --refresh --expect-no-changes"));
        assert.ok(commands.some((c) => c.words.join(" ") === "pulumi config set --path requirements[0] apache-airflow-providers-snowflake==6.1.0"));
    });

    it("runs every one of them, as written, in a scratch copy of the project", async () => {
        for (const command of commands) {
            const run = await world.pulumi(command.words.slice(1));
            runs.set(command.text, run);
            assertRan(run, command.text);
        }
        // The CLI ran the program through its own release's Node.js host, found beside it.
        const about = await world.pulumi(["about"]);
        assert.match(about.stdout, new RegExp(`^language\\s+nodejs\\s+${pulumiCli().version.replace(/\./g, "\\.")}\\s*$`, "m"), about.stdout);
        assert.doesNotMatch(output(runs.get("pulumi up") ?? about), /using pulumi-language-nodejs from \$PATH/);
        const up = runs.get("pulumi up");
        assert.ok(up !== undefined);
        assert.match(up.stdout, /Resources:\s*\n\s*\+ 15 created/);
        assert.match(runs.get("pulumi preview")?.stdout ?? "", /\+ 15 to create/);
        // The function ran during `up` (an Invocation) and wrote the token file; the token is in no output.
        const token = await objectText(worldS3(world), BUCKET, TOKEN_KEY);
        assert.match(token, /^--index-url https:\/\/aws:.+@/);
        for (const run of runs.values()) assert.doesNotMatch(output(run), /fake-token/, "no token in the CLI's output");
        // The Lambda code the host path deployed is the text the stack program builds (the offline preview's).
        const [functionName] = Object.keys(new CloudStore(world.cloudDir).list("aws:lambda/function:Function"));
        assert.equal(fs.readFileSync(path.join(world.cloudDir, "functions", functionName, "__index.js"), "utf8"), await stackProgramHandler());
        const requirements = await objectText(worldS3(world), BUCKET, REQUIREMENTS_KEY);
        assert.match(requirements, /^-r \/usr\/local\/airflow\/dags\/codeartifact\.txt\napache-airflow-providers-snowflake==6\.1\.0\n--constraint /);
    });

    it("pulumi destroy --yes leaves nothing but the two retained objects", async () => {
        const run = await world.pulumi(["destroy", "--yes"]);
        assertRan(run, "pulumi destroy --yes");
        assert.deepEqual(new CloudStore(world.cloudDir).liveIds(), {}, "every resource of the double's account was deleted");
        assert.equal(world.s3.versions(BUCKET, REQUIREMENTS_KEY).length, 1);
        assert.equal(world.s3.versions(BUCKET, TOKEN_KEY).filter((v) => !v.isDeleteMarker).length >= 1, true);
    });

    it("a bad value: the program's one message, printed once, with no stack trace", async () => {
        assertRan(await world.pulumi(["config", "set", "tokenDurationSeconds", "100"]), "pulumi config set tokenDurationSeconds 100");
        const run = await world.pulumi(["preview"]);
        assert.notEqual(run.code, 0, output(run));
        const message = "mwaa-codeartifact-token:tokenDurationSeconds: got \"100\"; allowed: an integer number of seconds from 900 to 43200";
        assert.equal(output(run).split(message).length - 1, 1, `the message once, in:\n${output(run)}`);
        assert.doesNotMatch(output(run), /^\s+at .+:\d+:\d+\)?$/m, "no stack trace");
    });
});
