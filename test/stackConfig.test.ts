// Unit tests of the offline stack configuration reader (tools/stackConfig.ts): pure apart from the
// temporary project folders it reads, so they run in one process (and under mutation testing).
// Temporary projects live in the OS temp folder, never in the repo.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { StackConfigError, UnknownStackError, listStacks, loadStackConfig } from "../tools/stackConfig";
import { tempProject } from "./support/tempProject";

// build/test/stackConfig.test.js → repo root
const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = "mwaa-codeartifact-token";
const CIPHERTEXT = "v1:c2VjcmV0LWNpcGhlcnRleHQtdGhhdC1tdXN0LW5ldmVyLWxlYWs=";


// ---------------------------------------------------------------------------------------------
// loadStackConfig
// ---------------------------------------------------------------------------------------------

describe("loadStackConfig", () => {
    const PROJECT_YAML = [
        "name: proj",
        "runtime: nodejs",
        "config:",
        "  name: {type: string}",
        "  size: {type: integer, default: 3}",
        "  flag: {type: boolean, default: false}",
        "  ratio: {default: 1.5}",
        "  list: {type: array, items: {type: string}, default: []}",
        "  map: {default: {b: 2, a: 1}}",
        "  short: hello",
        "  unset: {type: string, default: \"\"}",
        "  aws:region: us-east-1",
        "  other:setting: {value: [1, 2]}",
    ].join("\n");

    test("applies Pulumi.yaml defaults and values to keys the stack leaves unset", () => {
        const dir = tempProject({ a: "config:\n  name: n\n" }, PROJECT_YAML);
        const { project, stack, config, secretKeys } = loadStackConfig("a", dir);
        assert.equal(project, "proj");
        assert.equal(stack, "a");
        assert.deepEqual(config, {
            "aws:region": "us-east-1",
            "other:setting": "[1,2]",
            "proj:flag": "false",
            "proj:list": "[]",
            "proj:map": '{"a":1,"b":2}',
            "proj:name": "n",
            "proj:ratio": "1.5",
            "proj:short": "hello",
            "proj:size": "3",
            "proj:unset": "",
        });
        assert.deepEqual(secretKeys, []);
    });

    test("namespaced, un-namespaced and legacy <ns>:config:<key> stack keys; stack values win over defaults", () => {
        const dir = tempProject({
            b: [
                "config:",
                "  name: plain",
                "  proj:size: 7",
                "  proj:config:flag: true",
                "  aws:region: eu-west-1",
                "  other:thing: x",
                "  unset:",
            ].join("\n"),
        }, PROJECT_YAML);
        const { config } = loadStackConfig("b", dir);
        assert.equal(config["proj:name"], "plain");
        assert.equal(config["proj:size"], "7");
        assert.equal(config["proj:flag"], "true");
        assert.equal(config["aws:region"], "eu-west-1");
        assert.equal(config["other:thing"], "x");
        assert.equal(config["proj:unset"], "", "an empty YAML value is an empty string");
        assert.ok(!("name" in config) && !("proj:config:flag" in config));
    });

    test("arrays and maps reach the program as JSON text (keys sorted, as Go marshals them)", () => {
        const dir = tempProject({
            c: [
                "config:",
                "  name: n",
                "  list: [a, 'b c']",
                "  tags: {z: '<&>', a: 1, m: [true, null, 2.5]}",
                "  ratio: 2.0",
                "  big: 1000000.5",
            ].join("\n"),
        }, PROJECT_YAML);
        const { config } = loadStackConfig("c", dir);
        assert.equal(config["proj:list"], '["a","b c"]');
        assert.deepEqual(JSON.parse(config["proj:list"]), ["a", "b c"]);
        assert.equal(config["proj:tags"], '{"a":1,"m":[true,null,2.5],"z":"\\u003c\\u0026\\u003e"}');
        assert.deepEqual(JSON.parse(config["proj:tags"]), { a: 1, m: [true, null, 2.5], z: "<&>" });
        assert.equal(config["proj:ratio"], "2");
        assert.equal(config["proj:big"], "1.0000005e+06");
    });

    test("the repo's dev stack: defaults from Pulumi.yaml, integers as text, requirements and tags as JSON", () => {
        const { project, config, secretKeys } = loadStackConfig("dev", ROOT);
        assert.equal(project, PROJECT);
        assert.equal(config[`${PROJECT}:tokenDurationSeconds`], "3600");
        assert.equal(config[`${PROJECT}:dagsPrefix`], "dags");
        assert.equal(config[`${PROJECT}:refreshIntervalMinutes`], "0");
        assert.equal(config[`${PROJECT}:kmsKeyArn`], "");
        assert.deepEqual(JSON.parse(config[`${PROJECT}:requirements`]), ["apache-airflow-providers-snowflake", "your-package"]);
        assert.deepEqual(JSON.parse(config[`${PROJECT}:tags`]), { environment: "dev", team: "data-platform" });
        assert.ok(config["aws:region"]);
        assert.deepEqual(secretKeys, []);
    });

    test("secure values become [secret] and are listed, nested ones too; the ciphertext is gone", () => {
        const dir = tempProject({
            d: [
                "config:",
                "  name:",
                `    secure: ${CIPHERTEXT}`,
                "  list:",
                "    - open",
                `    - secure: ${CIPHERTEXT}`,
            ].join("\n"),
        }, PROJECT_YAML);
        const result = loadStackConfig("d", dir);
        assert.equal(result.config["proj:name"], "[secret]");
        assert.equal(result.config["proj:list"], '["open","[secret]"]');
        assert.deepEqual(result.secretKeys, ["proj:list", "proj:name"]);
        assert.ok(!JSON.stringify(result).includes(CIPHERTEXT.slice(3)));
    });

    test("refuses what the CLI refuses: missing required keys, wrong types, secrets in clear text", () => {
        const secretProject = PROJECT_YAML.replace("name: {type: string}", "name: {type: string, secret: true}");
        const dir = tempProject({ none: "config: {}\n", typed: "config:\n  name: n\n  size: big\n", flagged: "config:\n  name: n\n  list: [1]\n" }, PROJECT_YAML);
        assert.throws(() => loadStackConfig("none", dir), (err: unknown) =>
            err instanceof StackConfigError && err.message === "Stack 'none' is missing configuration value 'name'");
        assert.throws(() => loadStackConfig("typed", dir), /Stack 'typed' with configuration key 'size' must be of type 'integer'/);
        assert.throws(() => loadStackConfig("flagged", dir), /key 'list' must be of type 'array<string>'/);
        const secretDir = tempProject({ clear: "config:\n  name: n\n" }, secretProject);
        assert.throws(() => loadStackConfig("clear", secretDir), /'name' must be encrypted as it's secret/);
    });

    test("an unknown stack names itself and lists the stacks that exist", () => {
        const dir = tempProject({ one: "config: {}\n", two: "" }, PROJECT_YAML);
        assert.deepEqual(listStacks(dir), ["one", "two"]);
        assert.throws(() => loadStackConfig("three", dir), (err: unknown) => {
            assert.ok(err instanceof UnknownStackError);
            assert.equal(err.stackName, "three");
            assert.deepEqual(err.available, ["one", "two"]);
            assert.match(err.message, /"three".*one, two/);
            return true;
        });
        assert.throws(() => loadStackConfig("../one", dir), UnknownStackError);
    });
});
