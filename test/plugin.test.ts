// The multi-language component (provider/): started exactly as the Pulumi CLI starts it, in the folder
// of a Python program that has neither package.json nor tsconfig.json, against a mock engine.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as grpc from "@grpc/grpc-js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { PREVIOUS_REFRESHER_TYPE, REFRESHER_TYPE, resolveRefresherArgs } from "../lib/component";
import { CONFIG_KEYS, REQUIRED_KEYS } from "../lib/settings";
import { CHILD_TYPES } from "./support/deploy";
import { type MockEngine, PLUGIN_DIR, REPOSITORY, type RunningPlugin, getSchema, startEngine, startPlugin, toStruct, unary } from "./support/plugin";
import { schemaProblems, type PackageSchema } from "./support/packageSchema";
import { stackProgramHandler } from "./support/stackProgram";

const PROJECT = "consumer";
const STACK = "dev";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
const ARGS = { bucket: "airflow-dev-111122223333-us-west-2", domain: "your-domain", repository: "your_repo", requirements: ["your-package==1.4.2"] };
const OUTPUTS = [
    "alarmNames", "bucket", "failedRefreshesSurvived", "functionArn", "functionName", "logGroupName", "requirementsKey",
    "requirementsVersionId", "scheduleExpression", "tokenKey", "worstCaseTokenSecondsLeft",
];

let consumer: string;
let engine: MockEngine;
let plugin: RunningPlugin;
let schema: PackageSchema;

before(async () => {
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), "mwaa-consumer-"));
    fs.writeFileSync(path.join(consumer, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: python\n`);
    engine = await startEngine({ project: PROJECT, stack: STACK, accountId: "111122223333", region: "us-west-2", stackUrn: STACK_URN });
    plugin = await startPlugin(consumer, engine.address);
    schema = (await getSchema(plugin)) as PackageSchema;
});

after(async () => {
    await plugin?.stop();
    await engine?.close();
    fs.rmSync(consumer, { recursive: true, force: true });
});

function construct(name: string, args: Record<string, unknown>): Promise<provproto.ConstructResponse> {
    return toStruct(args).then((inputs) => {
        const req = new provproto.ConstructRequest()
            .setProject(PROJECT).setStack(STACK).setOrganization("organization").setDryrun(false).setParallel(4)
            .setMonitorendpoint(engine.address).setType(REFRESHER_TYPE).setName(name).setParent(STACK_URN).setInputs(inputs);
        req.getConfigMap().set("aws:region", "us-west-2");
        return unary<provproto.ConstructRequest, provproto.ConstructResponse>(plugin.client.construct.bind(plugin.client), req);
    });
}

describe("schema (GetSchema)", () => {
    test("the package is provider/package.json's name and version, and its one resource is the component's type token", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "package.json"), "utf8")) as { name: string; version: string };
        const root = JSON.parse(fs.readFileSync(path.join(REPOSITORY, "package.json"), "utf8")) as { version: string };
        assert.equal(schema.name, "mwaa-codeartifact");
        assert.equal(schema.name, manifest.name);
        assert.equal(manifest.version, root.version, "the plugin's version follows the repository's");
        assert.equal(schema.version, manifest.version);
        assert.equal(REFRESHER_TYPE.split(":")[0], schema.name);
        assert.deepEqual(Object.keys(schema.resources ?? {}), [REFRESHER_TYPE]);
        assert.notEqual(PREVIOUS_REFRESHER_TYPE, REFRESHER_TYPE);
    });

    test("every argument (the stack settings' keys) and every output is there, each with a description", () => {
        const resource = schema.resources?.[REFRESHER_TYPE];
        assert.ok(resource);
        assert.equal(resource.isComponent, true);
        assert.match(resource.description ?? "", /CodeArtifact/);
        assert.deepEqual(Object.keys(resource.inputProperties ?? {}).sort(), [...CONFIG_KEYS].sort());
        assert.deepEqual(resource.requiredInputs, [...REQUIRED_KEYS].sort());
        assert.deepEqual(Object.keys(resource.properties ?? {}).sort(), OUTPUTS);
        assert.deepEqual(resource.required, OUTPUTS);
        for (const [kind, props] of [["argument", resource.inputProperties], ["output", resource.properties]] as const) {
            for (const [key, prop] of Object.entries(props ?? {})) {
                assert.ok((prop.description ?? "").trim().length > 10, `${kind} ${key} has no description`);
            }
        }
    });

    test("the inputs users wire from other resources accept Outputs; the rest are plain values, checked at construction", () => {
        const inputs = schema.resources?.[REFRESHER_TYPE]?.inputProperties ?? {};
        const wired = Object.keys(inputs).filter((k) => inputs[k].plain !== true).sort();
        assert.deepEqual(wired, ["alarmTopicArn", "bucket", "codeartifactRegion", "domainOwner", "kmsKeyArn"]);
        assert.deepEqual(inputs.requirements.type, "array");
        assert.deepEqual(inputs.requirements.items, { type: "string", plain: true });
        assert.equal(inputs.tags.type, "object");
        assert.deepEqual(inputs.tags.additionalProperties, { type: "string", plain: true });
        assert.equal(inputs.indexOption.type, "string");
        assert.match(inputs.indexOption.description ?? "", /`index-url`.*`extra-index-url`/);
        assert.equal(inputs.tokenDurationSeconds.type, "number");
        const outputs = schema.resources?.[REFRESHER_TYPE]?.properties ?? {};
        assert.deepEqual(outputs.alarmNames, { ...outputs.alarmNames, type: "array", items: { type: "string" } });
    });

    test("the schema has the shape of a Pulumi package schema (structural checks; the official metaschema is not available offline)", () => {
        assert.deepEqual(schemaProblems(schema), []);
    });
});

describe("Construct, from the consumer's folder", () => {
    test("registers the component under its type token, aliased from the previous one, and every child under it", async () => {
        const res = await construct("airflow", ARGS);
        const component = engine.registrations.find((r) => r.name === "airflow");
        assert.ok(component, plugin.stderr());
        assert.equal(component.type, REFRESHER_TYPE);
        assert.equal(component.parent, STACK_URN);
        assert.deepEqual(component.aliasTypes, [PREVIOUS_REFRESHER_TYPE]);
        assert.equal(res.getUrn(), component.urn);
        const children = engine.registrations.filter((r) => r.name.startsWith("airflow-"));
        assert.deepEqual(children.map((r) => r.type).sort(), [...CHILD_TYPES]);
        for (const child of children) {
            assert.equal(child.parent, component.urn, `${child.name} is not a child of the component`);
        }
        const state = res.getState()?.toJavaScript() ?? {};
        assert.deepEqual(Object.keys(state).sort(), OUTPUTS);
        assert.equal(state.bucket, ARGS.bucket);
        assert.equal(state.scheduleExpression, "rate(4 hours)");
        assert.deepEqual(engine.outputs.get(component.urn)?.requirementsKey, "requirements.txt");
        const req = children.find((r) => r.name === "airflow-requirements");
        assert.equal(req?.inputs.content, "-r /usr/local/airflow/dags/codeartifact.txt\nyour-package==1.4.2\n");
    });

    test("the function's package is the serialized handler alone, as from the stack program", async () => {
        const fn = engine.mocks.ofType("aws:lambda/function:Function").find((r) => r.name === "airflow-function");
        assert.ok(fn);
        const assets = await (fn.inputs.code as { assets: Promise<Record<string, { text: Promise<string> }>> }).assets;
        assert.deepEqual(Object.keys(assets), ["__index.js"]);
        assert.equal(await assets["__index.js"].text, await stackProgramHandler(), "the plugin's handler differs from the stack program's");
    });

    test("bad arguments come back as the component's one clear message, without a stack trace", async () => {
        const bad = { ...ARGS, domain: "Bad_Domain" };
        let expected = "";
        try {
            resolveRefresherArgs("rejected", bad);
        } catch (err) {
            expected = (err as Error).message;
        }
        assert.match(expected, /domain/);
        await assert.rejects(construct("rejected", bad), (err: grpc.ServiceError) => {
            assert.equal(err.details, expected);
            assert.doesNotMatch(err.details, /\n\s+at /);
            return true;
        });
        assert.equal(engine.registrations.filter((r) => r.name === "rejected").length, 0);
    });
});
