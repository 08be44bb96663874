// examples/python on the real engine: its __main__.py run as an inline program by the Python
// Automation API, with pulumi-aws from PyPI and the component's SDK generated from the plugin's schema.
// `up` creates the bucket, the package repository, the refresher and the MWAA environment pinned to
// the requirements.txt the refresher wrote; `destroy` removes all of it, the bucket included.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { assertIndexUrl, headObject, objectText, worldS3 } from "./support/observe";
import { PYTHON_AWS_VERSION, pythonAwsVenv, pythonSdk, runPython, sdkPythonPath, type PythonSdk } from "./support/python";
import { ACCOUNT_ID, startWorld, type World } from "./support/world";
import { CloudStore } from "./aws/cloud";

const EXAMPLE = { name: "mwaa-codeartifact-python-example", folder: path.join("examples", "python") };
const STACK = "dev";

/**
 * Runs the example's __main__.py as the Python language host would (runpy, as `__main__`), inline in
 * the Automation API's process, in the example's folder: the CLI reads its Pulumi.yaml and stack file.
 */
const RUNNER = String.raw`
import json, os, runpy, sys
from pulumi import automation as auto

EXAMPLE = os.environ["EXAMPLE_DIR"]

def program() -> None:
    runpy.run_path(os.path.join(EXAMPLE, "__main__.py"), run_name="__main__")

stack = auto.create_or_select_stack("${STACK}", "${EXAMPLE.name}", program,
    opts=auto.LocalWorkspaceOptions(work_dir=EXAMPLE, secrets_provider="passphrase"))
printed = []
if sys.argv[1] == "up":
    r = stack.up(on_output=printed.append)
    result = {"outputs": {k: v.value for k, v in r.outputs.items()}, "changes": r.summary.resource_changes}
else:
    r = stack.destroy(on_output=printed.append)
    result = {"changes": r.summary.resource_changes}
result["printed"] = "\n".join(printed)
print(json.dumps(result))
`;

interface ProgramResult {
    readonly outputs?: Record<string, unknown>;
    readonly changes?: Record<string, number>;
    readonly printed: string;
}

interface StateEntry {
    readonly urn: string;
    readonly type: string;
    readonly provider?: string;
    readonly inputs?: Record<string, unknown>;
}

describe("engine: examples/python (pulumi-aws from PyPI, generated SDK, Automation API)", { timeout: 600_000 }, () => {
    let world: World;
    let sdk: PythonSdk;
    let sdkParent: string;
    let python: string;
    let pythonPath: string;
    let s3: S3Client;
    let exampleDir: string;
    let bucket: string;
    let upPrinted = "";

    function stateEntries(): StateEntry[] {
        const file = path.join(world.backendDir, ".pulumi", "stacks", EXAMPLE.name, `${STACK}.json`);
        return (JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint: { latest: { resources: StateEntry[] } } }).checkpoint.latest.resources;
    }

    async function example(op: "up" | "destroy"): Promise<ProgramResult> {
        const started = Date.now();
        const ran = await runPython(world, { ...sdk, python }, RUNNER, [op], { EXAMPLE_DIR: exampleDir, PYTHONPATH: pythonPath });
        process.stderr.write(`python example ${op}: ${Date.now() - started} ms\n`);
        assert.equal(ran.code, 0, `python ${op} exited ${ran.code}:\n${ran.stderr}\n${ran.stdout}`);
        return JSON.parse(ran.stdout.trim().split("\n").pop() ?? "{}") as ProgramResult;
    }

    before(async () => {
        sdkParent = fs.mkdtempSync(path.join(os.tmpdir(), "python-example-"));
        // Side by side: the world, the SDK (its schema from a plugin start of its own) and pulumi-aws.
        const [started, generated, aws] = await Promise.allSettled([startWorld(), pythonSdk(sdkParent), pythonAwsVenv()]);
        if (started.status === "fulfilled") world = started.value;
        for (const step of [started, generated, aws]) if (step.status === "rejected") throw step.reason;
        if (generated.status !== "fulfilled" || aws.status !== "fulfilled") return;
        sdk = generated.value;
        python = aws.value.python;
        process.stderr.write(`python SDK: ${JSON.stringify(sdk.timings)} ms, virtualenv ${sdk.cached ? "cached" : "created"}; `
            + `pulumi-aws ${PYTHON_AWS_VERSION}: ${aws.value.ms} ms, virtualenv ${aws.value.cached ? "cached" : "created"}\n`);
        pythonPath = sdkPythonPath(sdk, sdkParent);
        exampleDir = path.join(world.projectDir, EXAMPLE.folder);
        // The README's `pulumi config set` commands, as the stack file they write.
        fs.writeFileSync(path.join(exampleDir, `Pulumi.${STACK}.yaml`), [
            "config:", "  aws:region: us-west-2",
            `  ${EXAMPLE.name}:subnetIds: [subnet-0aaa, subnet-0bbb]`, `  ${EXAMPLE.name}:securityGroupIds: [sg-0ccc]`, "",
        ].join("\n"));
        s3 = worldS3(world);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
        if (sdkParent) fs.rmSync(sdkParent, { recursive: true, force: true });
    });

    it("up: the environment takes the requirements.txt version the refresher wrote, after a real token", async () => {
        const result = await example("up");
        upPrinted = result.printed;
        // The stack, 3 for the bucket, 3 for CodeArtifact, the refresher and its 13 children, the role, its policy, the environment.
        assert.deepEqual(result.changes, { create: 24 }, result.printed);
        bucket = String(result.outputs?.bucket_name);
        assert.match(bucket, /^mwaa-[0-9a-f]{7}$/);
        assertIndexUrl(await objectText(s3, bucket, "dags/codeartifact.txt"), DEFAULT_DOUBLE_TOKEN, "airflow");
        const environments = Object.values(new CloudStore(world.cloudDir).list("aws:mwaa/environment:Environment"));
        assert.equal(environments.length, 1);
        const version = (await headObject(s3, bucket, "requirements.txt")).versionId;
        assert.equal(environments[0].requirementsS3ObjectVersion, version);
        assert.equal(result.outputs?.requirements_version_id, version);
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
        // One double per default provider, each found on PATH; the engine notes the version the double reports.
        assert.equal(upPrinted.match(/^\s*warning: using pulumi-resource-aws from \$PATH at \S+\/bin\/pulumi-resource-aws$/gm)?.length, expected.length, upPrinted);
        if (nodeAws !== PYTHON_AWS_VERSION) {
            assert.ok(upPrinted.includes(`warning: resource plugin aws is expected to have version >=${PYTHON_AWS_VERSION}, but has ${nodeAws}`), upPrinted);
        }
    });

    it("destroy removes every resource and the bucket with the objects the refresher keeps", async () => {
        const result = await example("destroy");
        assert.equal(result.changes?.delete, 24, result.printed);
        await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: bucket })));
        const left = Object.keys(new CloudStore(world.cloudDir).liveIds());
        assert.deepEqual(left, []);
    });
});
