// The component from Python on the real engine: the SDK generated in this run from the plugin's own
// schema, a Python program run by the Python Automation API (inline, so no Python language host), and
// the real CLI starting provider/ as it would through the Node.js host (world.ts puts
// pulumi-resource-mwaa-codeartifact on PATH) when the program registers the component.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import { resolveRefresherArgs, REFRESHER_TYPE, type CodeArtifactTokenRefresherArgs } from "../../lib/component";
import { DEFAULT_DOUBLE_TOKEN } from "../support/codeartifactDouble";
import { CHILD_TYPES } from "../support/deploy";
import { assertIndexUrl, headObject, objectText, stateFileText, worldS3 } from "./support/observe";
import { pythonSdk, runPython, type PythonSdk } from "./support/python";
import { STACK_BUCKETS, startWorld, type World } from "./support/world";

const STACK = "pydev";
const BUCKET = STACK_BUCKETS.dev;
const COMPONENT = "py-airflow";
const TOKEN_KEY = "dags/codeartifact.txt";
const PIN_KEY = "py/requirements-version.txt";
const MARKER_KEY = "py/marker.txt";
/** The arguments of the bad program, as TypeScript would pass them. */
const BAD_ARGS: CodeArtifactTokenRefresherArgs = { bucket: BUCKET, domain: "your-domain", repository: "your_repo", tokenDurationSeconds: 100 };

/**
 * The Python program. `pulumi_aws` is not installed (the SDK of the real provider is large and the
 * double serves only some of its types), so the two S3 objects around the component are registered by
 * type token with pulumi.CustomResource: the same registration aws.s3.BucketObjectv2 makes. The
 * component's `bucket` (an Input in the schema) is an Output derived from `marker`'s version id, so it
 * is unknown during preview (the component then checks a stand-in) and depends on `marker`; `pin`'s
 * content is the component's `requirements_version_id` through Output.apply.
 */
const PROGRAM = String.raw`
import json, os, sys
import pulumi
from pulumi import automation as auto
import pulumi_mwaa_codeartifact as mwaa

BUCKET = os.environ["PY_TEST_BUCKET"]
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
OUTPUTS = ("bucket", "function_name", "requirements_key", "requirements_version_id", "schedule_expression",
           "token_key", "failed_refreshes_survived", "worst_case_token_seconds_left", "alarm_names")

def good():
    marker = pulumi.CustomResource(OBJECT, "py-marker", {"bucket": BUCKET, "key": "${MARKER_KEY}", "content": "marker\n", "versionId": None})
    refresher = mwaa.CodeArtifactTokenRefresher("${COMPONENT}",
        bucket=marker.versionId.apply(lambda _: BUCKET),
        domain="your-domain",
        repository="your_repo",
        domain_owner="111122223333",
        requirements=["your-package==1.4.2"],
        token_duration_seconds=3600,
        log_retention_days=7,
        tags={"team": "data-platform"})
    pulumi.CustomResource(OBJECT, "py-pin", {"bucket": refresher.bucket, "key": "${PIN_KEY}",
        "content": refresher.requirements_version_id.apply(lambda v: "requirements.txt version %s\n" % v)})
    for name in OUTPUTS:
        pulumi.export(name, getattr(refresher, name))

def bad():
    mwaa.CodeArtifactTokenRefresher("${COMPONENT}", bucket=BUCKET, domain="your-domain", repository="your_repo",
        token_duration_seconds=100)

op = sys.argv[1]
stack = auto.create_or_select_stack("${STACK}", "mwaa-codeartifact-token", bad if op == "bad" else good,
    opts=auto.LocalWorkspaceOptions(work_dir=os.getcwd(), secrets_provider="passphrase"))
printed = []
if op == "preview":
    r = stack.preview(on_output=printed.append)
    result = {"changes": r.change_summary}
elif op == "up":
    r = stack.up(on_output=printed.append)
    result = {"outputs": {k: v.value for k, v in r.outputs.items()}, "changes": r.summary.resource_changes}
elif op == "bad":
    try:
        stack.preview(on_output=printed.append)
        result = {"error": None}
    except auto.CommandError as e:
        result = {"error": str(e)}
else:
    r = stack.destroy(on_output=printed.append)
    result = {"changes": r.summary.resource_changes}
result["printed"] = "\n".join(printed)
print(json.dumps(result))
`;

interface ProgramResult {
    readonly outputs?: Record<string, unknown>;
    readonly changes?: Record<string, number>;
    readonly error?: string | null;
    readonly printed: string;
}

interface StateEntry {
    readonly urn: string;
    readonly type: string;
    readonly parent?: string;
    readonly inputs?: Record<string, unknown>;
}

describe("engine: the component from Python (generated SDK, Automation API, real CLI)", { timeout: 600_000 }, () => {
    let world: World;
    let sdk: PythonSdk;
    let sdkParent: string;
    let s3: S3Client;
    let outputs: Record<string, unknown> = {};

    function stateEntries(): StateEntry[] {
        return (JSON.parse(stateFileText(world, STACK)) as { checkpoint: { latest: { resources: StateEntry[] } } }).checkpoint.latest.resources;
    }

    async function python(op: "preview" | "up" | "bad" | "destroy"): Promise<ProgramResult> {
        const started = Date.now();
        const ran = await runPython(world, sdk, PROGRAM, [op], { PY_TEST_BUCKET: BUCKET });
        process.stderr.write(`python ${op}: ${Date.now() - started} ms\n`);
        assert.equal(ran.code, 0, `python ${op} exited ${ran.code}:\n${ran.stderr}\n${ran.stdout}`);
        return JSON.parse(ran.stdout.trim().split("\n").pop() ?? "{}") as ProgramResult;
    }

    before(async () => {
        sdkParent = fs.mkdtempSync(path.join(os.tmpdir(), "python-sdk-"));
        // Side by side: the schema comes from a plugin start of its own (about 10 s).
        const [started, generated] = await Promise.allSettled([startWorld(), pythonSdk(sdkParent)]);
        if (started.status === "fulfilled") world = started.value;
        if (started.status === "rejected") throw started.reason;
        if (generated.status === "rejected") throw generated.reason;
        sdk = generated.value;
        process.stderr.write(`python SDK: ${JSON.stringify(sdk.timings)} ms, virtualenv ${sdk.cached ? "cached" : "created"}\n`);
        world.writeStackFile(STACK, [
            "config:",
            "  aws:region: us-west-2",
            `  mwaa-codeartifact-token:bucket: ${BUCKET}`,
            "  mwaa-codeartifact-token:domain: your-domain",
            "  mwaa-codeartifact-token:repository: your_repo",
            "",
        ].join("\n"));
        s3 = worldS3(world);
    });
    after(async () => {
        s3?.destroy();
        await world?.close();
        if (sdkParent) fs.rmSync(sdkParent, { recursive: true, force: true });
    });

    it("the SDK is generated from the plugin's schema: one class under the component's token", () => {
        const schema = JSON.parse(fs.readFileSync(sdk.schemaFile, "utf8")) as { name: string; resources: Record<string, unknown> };
        assert.deepEqual(Object.keys(schema.resources), [REFRESHER_TYPE]);
        const module = fs.readFileSync(path.join(sdk.sdkDir, "pulumi_mwaa_codeartifact", "code_artifact_token_refresher.py"), "utf8");
        assert.match(module, /generated by pulumi-language-python/);
        assert.match(module, new RegExp(`'${REFRESHER_TYPE}',[\\s\\S]*remote=True\\)`));
    });

    it("preview: the engine starts the plugin, whose Construct accepts a bucket not known yet", async () => {
        const result = await python("preview");
        assert.equal(result.changes?.create, 17, result.printed);
        assert.match(result.printed, /^\s*bucket\s*: \[unknown\]$/m);
        assert.match(result.printed, /^\s*schedule_expression\s*: "rate\(20 minutes\)"$/m);
        assert.equal(world.s3.versions(BUCKET, TOKEN_KEY).length, 0, "a preview writes nothing");
    });

    it("up: Construct registers every child with the aws double, and the function runs during up", async () => {
        const result = await python("up");
        outputs = result.outputs ?? {};
        assert.match(result.printed, /warning: using pulumi-resource-mwaa-codeartifact from \$PATH at \S+\/bin\/pulumi-resource-mwaa-codeartifact/);
        const state = stateEntries();
        const component = state.find((r) => r.type === REFRESHER_TYPE);
        assert.ok(component, `no component in state:\n${result.printed}`);
        assert.match(component.urn, new RegExp(`::${COMPONENT}$`));
        const children = state.filter((r) => r.parent === component.urn);
        assert.deepEqual(children.map((r) => r.type).sort(), [...CHILD_TYPES]);
        // Created: the stack, the two objects, the component and its children (providers are not counted).
        assert.equal(result.changes?.create, state.filter((r) => !r.type.startsWith("pulumi:providers:")).length);

        const functionName = String(outputs.function_name);
        assert.ok(fs.existsSync(path.join(world.cloudDir, "functions", functionName, "__index.js")), `${functionName} was not deployed`);
        assertIndexUrl(await objectText(s3, BUCKET, TOKEN_KEY), DEFAULT_DOUBLE_TOKEN);
        assert.equal(world.s3.versions(BUCKET, TOKEN_KEY).length, 2, "bootstrap, then the function's write during up");
        assert.ok(world.codeartifact.requests.some((r) => r.operation === "GetAuthorizationToken" && r.outcome === 200));
    });

    it("typed arguments reach the component and typed outputs come back, usable as another resource's input", async () => {
        assert.equal(await objectText(s3, BUCKET, "requirements.txt"), "-r /usr/local/airflow/dags/codeartifact.txt\nyour-package==1.4.2\n");
        assert.equal(outputs.bucket, BUCKET, "the bucket came in as an Output of another resource");
        const children = stateEntries().filter((r) => r.parent?.endsWith(`::${COMPONENT}`));
        const logs = children.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
        assert.equal(logs?.inputs?.retentionInDays, 7);
        assert.deepEqual(children.find((r) => r.type === "aws:iam/role:Role")?.inputs?.tags, { team: "data-platform" });
        assert.equal(outputs.schedule_expression, "rate(20 minutes)", "token_duration_seconds=3600 gives floor(3600 / 180) minutes");
        assert.equal(outputs.token_key, TOKEN_KEY);
        assert.equal(outputs.requirements_key, "requirements.txt");
        assert.equal(typeof outputs.failed_refreshes_survived, "number");
        assert.equal(typeof outputs.worst_case_token_seconds_left, "number");
        assert.equal((outputs.alarm_names as unknown[]).length, 2);
        const version = (await headObject(s3, BUCKET, "requirements.txt")).versionId;
        assert.equal(outputs.requirements_version_id, version);
        assert.equal(await objectText(s3, BUCKET, PIN_KEY), `requirements.txt version ${version}\n`);
    });

    // The engine prints a failed Construct's message as the resource's diagnostic and answers the
    // program's RegisterResource with UNKNOWN "resource monitor shut down" (pkg/v3
    // resource/deploy/source_eval.go). The Python SDK treats only UNAVAILABLE as a shutdown
    // (runtime/settings.py), so the Automation API's inline runner adds "python inline source runtime
    // error: resource monitor shut down" and a traceback of Pulumi's own Python frames.
    it("a bad argument gets the component's one message in the program's output, with no stack trace from our code", async () => {
        let expected = "";
        try {
            resolveRefresherArgs(COMPONENT, BAD_ARGS);
        } catch (err) {
            expected = (err as Error).message;
        }
        assert.match(expected, /tokenDurationSeconds: got 100;/);
        const result = await python("bad");
        assert.ok(result.error, "the preview succeeded");
        const printed = result.printed;
        // The CLI indents the message's later lines under the diagnostic.
        const [first, ...problems] = expected.split("\n");
        assert.ok(printed.includes(`resource '${COMPONENT}' has a problem: ${first}`), `the message is missing from:\n${printed}`);
        for (const problem of problems) assert.equal(printed.split(problem.trim()).length - 1, 1, `listed once: ${problem}`);
        assert.doesNotMatch(printed, /^\s+at .+:\d+:\d+\)?$/m, "no JavaScript stack trace");
        assert.doesNotMatch(printed, /lib\/component|lib\/settings|provider\/index/);
        const frames = [...printed.matchAll(/^\s*File "([^"]+)"/gm)].map((m) => m[1]);
        assert.ok(frames.every((f) => /\/python3\.\d+\/(site-packages\/(pulumi|grpc)\/|asyncio\/|concurrent\/)/.test(f)), `frames outside Pulumi's SDK:\n${frames.join("\n")}`);
        assert.equal(world.s3.versions(BUCKET, TOKEN_KEY).length, 2, "nothing written");
    });

    it("destroy deletes what it owns and keeps the two retained objects with their content", async () => {
        const requirements = await objectText(s3, BUCKET, "requirements.txt");
        const token = await objectText(s3, BUCKET, TOKEN_KEY);
        const result = await python("destroy");
        assert.ok((result.changes?.delete ?? 0) > CHILD_TYPES.length, JSON.stringify(result.changes));
        assert.equal(await objectText(s3, BUCKET, "requirements.txt"), requirements);
        assert.equal(await objectText(s3, BUCKET, TOKEN_KEY), token);
        for (const key of [PIN_KEY, MARKER_KEY]) assert.equal(world.s3.versions(BUCKET, key).length, 0, `${key} was not deleted`);
    });
});
