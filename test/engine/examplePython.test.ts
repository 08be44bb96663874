// examples/python as its README runs it: `pulumi package add <repository>/provider` (the SDK generated
// by the Python host and pip-installed into the example's virtualenv), then `pulumi up` through the
// Python language host, with pulumi-aws from PyPI; `up` creates the bucket, the package repository,
// the refresher and the MWAA environment pinned to the requirements.txt the refresher wrote;
// `pulumi destroy --yes` removes all of it, the bucket included.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import type { Proc } from "../support/process";
import { assertIndexUrl, headObject, objectText, worldS3 } from "./support/observe";
import { pipOffline, PYTHON_AWS_VERSION, PYTHON_SDK_EXTRAS, pythonAwsVenv, pythonWheelhouse } from "./support/python";
import { ACCOUNT_ID, NPM_OFFLINE, startWorld, type World } from "./support/world";
import { CloudStore } from "../../tools/doubles/aws/cloud";

const run = promisify(execFile);
const EXAMPLE = { name: "mwaa-codeartifact-python-example", folder: path.join("examples", "python") };
const STACK = "dev";

/**
 * The example's `venv` (its Pulumi.yaml's `virtualenv`), made as a user makes it, which also sees the
 * cached virtualenv's packages (pulumi and pulumi-aws, about 360 MB) through a .pth file instead of
 * installing them again: pip then finds them installed, and installs only the generated SDK.
 */
async function exampleVenv(exampleDir: string, cachedPython: string): Promise<void> {
    const venv = path.join(exampleDir, "venv");
    await run("python3", ["-m", "venv", venv]);
    const site = async (python: string) => (await run(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])).stdout.trim();
    fs.writeFileSync(path.join(await site(path.join(venv, "bin", "python")), "cached-pulumi-aws.pth"), `${await site(cachedPython)}\n`);
}

interface StateEntry {
    readonly urn: string;
    readonly type: string;
    readonly provider?: string;
    readonly inputs?: Record<string, unknown>;
}

describe("engine: examples/python (pulumi package add, pulumi up through the Python host, pulumi-aws from PyPI)", { timeout: 900_000 }, () => {
    let world: World;
    let s3: S3Client;
    let exampleDir: string;
    let bucket: string;
    let env: Record<string, string>;
    let upPrinted = "";

    function stateEntries(): StateEntry[] {
        const file = path.join(world.backendDir, ".pulumi", "stacks", EXAMPLE.name, `${STACK}.json`);
        return (JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint: { latest: { resources: StateEntry[] } } }).checkpoint.latest.resources;
    }

    async function pulumi(args: string[]): Promise<Proc> {
        const started = Date.now();
        const ran = await world.pulumi(args, { cwd: exampleDir, env, timeoutMs: 600_000 });
        process.stderr.write(`python example: pulumi ${args.join(" ")}: ${Date.now() - started} ms\n`);
        assert.equal(ran.code, 0, `pulumi ${args.join(" ")} exited ${String(ran.code)}:\n${ran.stdout}\n${ran.stderr}`);
        return ran;
    }

    before(async () => {
        const [started, aws, wheels] = await Promise.allSettled([startWorld({ componentOnPath: false }), pythonAwsVenv(), pythonWheelhouse(PYTHON_SDK_EXTRAS)]);
        if (started.status === "fulfilled") world = started.value;
        for (const step of [started, aws, wheels]) if (step.status === "rejected") throw step.reason;
        if (aws.status !== "fulfilled" || wheels.status !== "fulfilled") return;
        process.stderr.write(`pulumi-aws ${PYTHON_AWS_VERSION}: ${aws.value.ms} ms, virtualenv ${aws.value.cached ? "cached" : "created"}\n`);
        env = { ...NPM_OFFLINE, ...pipOffline(wheels.value) };
        exampleDir = path.join(world.projectDir, EXAMPLE.folder);
        await exampleVenv(exampleDir, aws.value.python);
        s3 = worldS3(world);
        // The example README's commands.
        await pulumi(["stack", "init", STACK]);
        await pulumi(["package", "add", path.join(world.projectDir, "provider")]);
        await pulumi(["config", "set", "aws:region", "us-west-2"]);
        await pulumi(["config", "set", "--path", "subnetIds[0]", "subnet-0aaa"]);
        await pulumi(["config", "set", "--path", "subnetIds[1]", "subnet-0bbb"]);
        await pulumi(["config", "set", "--path", "securityGroupIds[0]", "sg-0ccc"]);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
    });

    it("up: the environment takes the requirements.txt version the refresher wrote, after a real token", async () => {
        const up = await pulumi(["up", "--yes"]);
        // The update's own part (`pulumi up` prints its preview first, with the same diagnostics).
        upPrinted = up.stdout.slice(up.stdout.indexOf("Updating ("));
        // The stack, 3 for the bucket, 3 for CodeArtifact, the refresher and its 13 children, the role, its policy, the environment.
        assert.match(up.stdout, /Resources:\s*\n\s*\+ 24 created/, up.stdout);
        const outputs = JSON.parse((await pulumi(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
        bucket = String(outputs.bucket_name);
        assert.match(bucket, /^mwaa-[0-9a-f]{7}$/);
        assertIndexUrl(await objectText(s3, bucket, "dags/codeartifact.txt"), DEFAULT_DOUBLE_TOKEN, "airflow");
        const environments = Object.values(new CloudStore(world.cloudDir).list("aws:mwaa/environment:Environment"));
        assert.equal(environments.length, 1);
        const version = (await headObject(s3, bucket, "requirements.txt")).versionId;
        assert.equal(environments[0].requirementsS3ObjectVersion, version);
        assert.equal(outputs.requirements_version_id, version);
        assert.equal(environments[0].requirementsS3Path, "requirements.txt");
        assert.equal(environments[0].sourceBucketArn, `arn:aws:s3:::${bucket}`);
        assert.deepEqual(environments[0].networkConfiguration, { subnetIds: ["subnet-0aaa", "subnet-0bbb"], securityGroupIds: ["sg-0ccc"] });
        const policies = Object.values(new CloudStore(world.cloudDir).list("aws:iam/rolePolicy:RolePolicy")).map((p) => String(p.policy));
        const execution = policies.find((p) => p.includes("airflow:PublishMetrics"));
        assert.ok(execution?.includes(`arn:aws:s3:::${bucket}/*`), "the execution role reads the bucket, token file included");
        assert.ok(!execution?.includes("codeartifact"), "and needs nothing of CodeArtifact");
        assert.ok(execution?.includes(`arn:aws:airflow:us-west-2:${ACCOUNT_ID}:environment/*`), "the two data sources answered");
    });
    it("the program's resources ask for pulumi-aws's own plugin version, the component's children for @pulumi/aws's; the double on PATH serves both", () => {
        const state = stateEntries();
        const providers = state.filter((r) => r.type === "pulumi:providers:aws").map((r) => r.urn.split("::").pop()).sort();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const nodeAws = (require("@pulumi/aws/package.json") as { version: string }).version;
        const expected = [...new Set([`default_${PYTHON_AWS_VERSION}`, `default_${nodeAws}`].map((v) => v.replace(/\./g, "_")))].sort();
        assert.deepEqual(providers, expected);
        const environment = state.find((r) => r.type === "aws:mwaa/environment:Environment");
        assert.match(environment?.provider ?? "", new RegExp(`::default_${PYTHON_AWS_VERSION.replace(/\./g, "_")}::`));
        // Each default provider's plugin found on PATH: the double. Through the Python host the CLI
        // starts the aws plugin once more than the two default providers need (3 warnings, the inline
        // Automation API program showed 2), so at least one per provider, and no other aws plugin.
        const found = upPrinted.match(/^\s*warning: using pulumi-resource-aws from \$PATH at (\S+)$/gm) ?? [];
        assert.ok(found.length >= expected.length, upPrinted);
        assert.ok(found.every((w) => w.trim().endsWith(path.join(world.dir, "bin", "pulumi-resource-aws"))), upPrinted);
        if (nodeAws !== PYTHON_AWS_VERSION) {
            assert.ok(upPrinted.includes(`warning: resource plugin aws is expected to have version >=${PYTHON_AWS_VERSION}, but has ${nodeAws}`), upPrinted);
        }
    });

    it("destroy removes every resource and the bucket with the objects the refresher keeps", async () => {
        const destroyed = await pulumi(["destroy", "--yes"]);
        assert.match(destroyed.stdout, /Resources:\s*\n\s*- 24 deleted/, destroyed.stdout);
        await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: bucket })));
        const left = Object.keys(new CloudStore(world.cloudDir).liveIds());
        assert.deepEqual(left, []);
    });
});
