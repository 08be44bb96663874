// Unit tests of the offline stack configuration reader (tools/stackConfig.ts): pure apart from the
// temporary project folders it reads, so they run in one process (and under mutation testing).
// Temporary projects live in the OS temp folder, never in the repo.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfigError, UnknownStackError, listStacks, loadStackConfig, SECRET_PLACEHOLDER, misplacedKeyHints } from "../tools/stackConfig";
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

describe("loadStackConfig: the edges mutation testing found", () => {
    // The offline stack configuration reader (tools/stackConfig.ts) at the edges mutation testing found
    // untested: structured values holding `secure:` entries, keys set explicitly to an empty value
    // against a project default, the CLI's number and key formats, and each refusal's exact wording.
    // Each test pins what the CLI does (see the module's header for where in the CLI each rule lives).

    const tempDirs: string[] = [];
    after(() => {
        for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A temp project folder: `Pulumi<ext>` and the given stack files (`[folder/]name` → text). */
    function project(projectYaml: string, stacks: Record<string, string>, ext = ".yaml"): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-edges-"));
        tempDirs.push(dir);
        fs.writeFileSync(path.join(dir, `Pulumi${ext}`), projectYaml);
        for (const [name, text] of Object.entries(stacks)) {
            const file = path.join(dir, path.dirname(name), `Pulumi.${path.basename(name)}${ext}`);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
        }
        return dir;
    }

    /** The config of stack `s` of a one-off project. */
    function load(projectYaml: string, stack: string): ReturnType<typeof loadStackConfig> {
        return loadStackConfig("s", project(projectYaml, { s: stack }));
    }

    /** Asserts that loading throws a StackConfigError (not an UnknownStackError) with exactly `message`. */
    function refuses(run: () => unknown, message: string | RegExp): void {
        assert.throws(run, (err: unknown) => {
            assert.ok(err instanceof StackConfigError, `not a StackConfigError: ${String(err)}`);
            if (typeof message === "string") assert.equal(err.message, message);
            else assert.match(err.message, message);
            assert.equal(err.name, err instanceof UnknownStackError ? "UnknownStackError" : "StackConfigError");
            return true;
        });
    }

    const P = "name: p\nruntime: nodejs\n";

    describe("structured values holding secure: entries", () => {
        test("a map with a secure entry: that entry is [secret], its siblings stay, the key is secret", () => {
            const { config, secretKeys } = load(`${P}config:\n  tags: {default: {}}\n`, [
                "config:",
                "  tags:",
                "    team: data",
                "    token:",
                `      secure: ${CIPHERTEXT}`,
            ].join("\n"));
            assert.equal(config["p:tags"], '{"team":"data","token":"[secret]"}');
            assert.deepEqual(secretKeys, ["p:tags"]);
            assert.ok(!JSON.stringify(config).includes(CIPHERTEXT));
        });

        test("secure entries nested in arrays inside maps inside arrays are all replaced", () => {
            const { config, secretKeys } = load(P, [
                "config:",
                "  deep:",
                "    - open",
                "    - inner:",
                "        - 1",
                `        - secure: ${CIPHERTEXT}`,
                "      plain: {a: b}",
            ].join("\n"));
            assert.equal(config["p:deep"], '["open",{"inner":[1,"[secret]"],"plain":{"a":"b"}}]');
            assert.deepEqual(secretKeys, ["p:deep"]);
        });

        test("a map or array without any secure entry is not secret", () => {
            const { config, secretKeys } = load(P, "config:\n  m: {a: [1, {b: c}]}\n  l: [x, {y: z}]\n  s: plain\n");
            assert.equal(config["p:m"], '{"a":[1,{"b":"c"}]}');
            assert.equal(config["p:l"], '["x",{"y":"z"}]');
            assert.deepEqual(secretKeys, []);
        });

        test("`secure` beside another key, or not a string, is a plain map (the CLI decrypts only {secure: <string>})", () => {
            const { config, secretKeys } = load(P, [
                "config:",
                "  two: {secure: abc, other: 1}",
                "  num: {secure: 5}",
                "  nested: [{secure: abc, x: y}]",
            ].join("\n"));
            assert.equal(config["p:two"], '{"other":1,"secure":"abc"}');
            assert.equal(config["p:num"], '{"secure":5}');
            assert.equal(config["p:nested"], '[{"secure":"abc","x":"y"}]');
            assert.deepEqual(secretKeys, []);
        });

        test("a top-level secure value is [secret], not JSON, and secure values are not type-checked", () => {
            const projectYaml = `${P}config:\n  n: {type: integer}\n  l: {type: array, items: {type: integer}}\n`;
            const { config, secretKeys } = load(projectYaml, [
                "config:",
                "  n:",
                `    secure: ${CIPHERTEXT}`,
                "  l:",
                `    - secure: ${CIPHERTEXT}`,
            ].join("\n"));
            assert.equal(config["p:n"], SECRET_PLACEHOLDER);
            assert.equal(config["p:l"], `["${SECRET_PLACEHOLDER}"]`);
            assert.deepEqual(secretKeys, ["p:l", "p:n"]);
        });

        test("a secret: true key is satisfied by a structured value holding a secure entry, refused without one", () => {
            const projectYaml = `${P}config:\n  creds: {type: array, items: {type: string}, secret: true}\n`;
            const ok = load(projectYaml, `config:\n  creds:\n    - secure: ${CIPHERTEXT}\n`);
            assert.deepEqual(ok.secretKeys, ["p:creds"]);
            refuses(() => load(projectYaml, "config:\n  creds: [open]\n"),
                "Stack 's' with configuration key 'creds' must be encrypted as it's secret");
        });
    });

    describe("a key set explicitly to an empty value against a project default", () => {
        const projectYaml = `${P}config:\n  s: {type: string, default: hello}\n  u: {default: word}\n  f: {default: 1.5}\n  m: {default: {a: 1}}\n  short: text\n`;

        test("an empty string or an empty YAML value wins over the default, as \"\"", () => {
            const { config } = load(projectYaml, "config:\n  s: \"\"\n  u: ''\n  f:\n  m: \"\"\n  short:\n");
            assert.deepEqual(config, { "p:f": "", "p:m": "", "p:s": "", "p:short": "", "p:u": "" });
        });

        test("the same keys left unset get their defaults", () => {
            const { config } = load(projectYaml, "config: {}\n");
            assert.deepEqual(config, { "p:f": "1.5", "p:m": '{"a":1}', "p:s": "hello", "p:short": "text", "p:u": "word" });
        });

        test("an empty value for a typed integer or boolean key is refused like the CLI refuses it; for a string it is fine", () => {
            const typed = `${P}config:\n  n: {type: integer, default: 3}\n  b: {type: boolean, default: true}\n  s: {type: string, default: x}\n`;
            refuses(() => load(typed, "config:\n  n: \"\"\n"), "Stack 's' with configuration key 'n' must be of type 'integer'");
            refuses(() => load(typed, "config:\n  b: \"\"\n"), "Stack 's' with configuration key 'b' must be of type 'boolean'");
            assert.equal(load(typed, "config:\n  s: \"\"\n").config["p:s"], "");
        });

        test("an explicit value equal to nothing for a required key counts as set", () => {
            const { config } = load(`${P}config:\n  req: {type: string}\n`, "config:\n  req: \"\"\n");
            assert.equal(config["p:req"], "");
        });
    });

    describe("values as the program reads them", () => {
        test("scalars: integers (64-bit too) as written, floats as Go prints them, booleans, dates as text", () => {
            const { config } = load(P, [
                "config:",
                "  i: 9007199254740993",
                "  neg: -12",
                "  f1: 1.5",
                "  f2: 1000000.0",
                "  f3: 123456.0",
                "  f4: 0.00001",
                "  f5: 0.0001",
                "  f6: -2.5e+20",
                "  f7: 1e+100",
                "  f8: -0.0",
                "  nan: .nan",
                "  inf: .inf",
                "  ninf: -.inf",
                "  t: true",
                "  no: false",
                "  s: '0012'",
            ].join("\n"));
            assert.deepEqual(config, {
                "p:f1": "1.5", "p:f2": "1e+06", "p:f3": "123456", "p:f4": "1e-05", "p:f5": "0.0001", "p:f6": "-2.5e+20",
                "p:f7": "1e+100", "p:f8": "-0", "p:i": "9007199254740993", "p:inf": ".inf", "p:nan": ".nan", "p:neg": "-12",
                "p:ninf": "-.inf", "p:no": "false", "p:s": "0012", "p:t": "true",
            });
        });

        test("JSON text as Go marshals it: keys sorted, <>& and U+2028/9 escaped, 64-bit integers, booleans, null, non-finite numbers as null", () => {
            const { config } = load(P, [
                "config:",
                "  m:",
                "    b: \"<a href='x'>&\\u2028\\u2029\"",
                "    a: [true, false, null, 9007199254740993, 2.5, .inf, .nan]",
                "    c: {}",
            ].join("\n"));
            assert.equal(config["p:m"], '{"a":[true,false,null,9007199254740993,2.5,null,null],"b":"\\u003ca href=\'x\'\\u003e\\u0026\\u2028\\u2029","c":{}}');
        });

        test("project defaults: strings, integers and booleans as text; floats, arrays and maps as JSON", () => {
            const { config } = load(`${P}config:\n  s: {default: x}\n  i: {default: 7}\n  b: {default: true}\n  f: {default: 2.0}\n  a: {default: [b, a]}\n  m: {default: {z: 1, y: [2]}}\n  other:v: {value: false}\n`, "config: {}\n");
            assert.deepEqual(config, {
                "other:v": "false", "p:a": '["b","a"]', "p:b": "true", "p:f": "2", "p:i": "7", "p:m": '{"y":[2],"z":1}', "p:s": "x",
            });
        });

        test("a stack without a config block, or with `config:` empty, gets the defaults; a UTF-8 BOM is ignored", () => {
            const projectYaml = `${P}config:\n  k: {default: v}\n`;
            assert.deepEqual(load(projectYaml, "").config, { "p:k": "v" });
            assert.deepEqual(load(projectYaml, "config:\n").config, { "p:k": "v" });
            assert.deepEqual(load(projectYaml, "other: 1\n").config, { "p:k": "v" });
            assert.deepEqual(load(`\ufeff${projectYaml}`, "\ufeffconfig:\n  k: w\n").config, { "p:k": "w" });
        });
    });

    describe("keys", () => {
        test("namespaced, plain and legacy <ns>:config:<name> keys; `config` as a project key name is fine", () => {
            const { config } = load(P, "config:\n  a: 1\n  p:b: 2\n  x:config:c: 3\n  config: 4\n  aws:region: r\n");
            assert.deepEqual(config, { "aws:region": "r", "p:a": "1", "p:b": "2", "p:config": "4", "x:c": "3" });
        });

        test("keys that are not <namespace>:<name> are refused with the CLI's message", () => {
            for (const key of ["a:b:c", ":config:c", "a:config:", "a:b:c:d"]) {
                refuses(() => load(P, `config:\n  "${key}": 1\n`),
                    `could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
            }
        });

        test("a key set with and without its namespace is refused, naming the key", () => {
            refuses(() => load(P, "config:\n  a: 1\n  p:a: 2\n"), "Pulumi.s.yaml: configuration key 'p:a' is set twice (with and without its namespace)");
        });

        test("output keys and secret keys are sorted", () => {
            const { config, secretKeys } = load(P, `config:\n  z: {secure: ${CIPHERTEXT}}\n  b: 1\n  a: {secure: ${CIPHERTEXT}}\n`);
            assert.deepEqual(Object.keys(config), ["p:a", "p:b", "p:z"]);
            assert.deepEqual(secretKeys, ["p:a", "p:z"]);
        });
    });

    describe("declared types", () => {
        test("integers: digits with an optional sign, within 64 bits; YAML integers; floats that are whole", () => {
            const projectYaml = `${P}config:\n  n: {type: integer}\n`;
            for (const ok of ["5", "-5", "+5", "'9223372036854775807'", "'-9223372036854775808'", "'007'"]) {
                assert.ok(load(projectYaml, `config:\n  n: ${ok}\n`).config["p:n"] !== undefined, ok);
            }
            for (const bad of ["'9223372036854775808'", "'-9223372036854775809'", "1.5", "'1e3'", "'5 '", "abc", "true", "[1]"]) {
                refuses(() => load(projectYaml, `config:\n  n: ${bad}\n`), "Stack 's' with configuration key 'n' must be of type 'integer'");
            }
        });

        test("booleans: true and false only; strings: anything but a structured value", () => {
            const projectYaml = `${P}config:\n  b: {type: boolean}\n  s: {type: string, default: d}\n`;
            assert.equal(load(projectYaml, "config:\n  b: false\n").config["p:b"], "false");
            assert.equal(load(projectYaml, "config:\n  b: 'true'\n").config["p:b"], "true");
            assert.equal(load(projectYaml, "config:\n  b: true\n  s: 12\n").config["p:s"], "12");
            for (const bad of ["'yes'", "1", "'True'"]) {
                refuses(() => load(projectYaml, `config:\n  b: ${bad}\n`), "Stack 's' with configuration key 'b' must be of type 'boolean'");
            }
            refuses(() => load(projectYaml, "config:\n  b: true\n  s: [x]\n"), "Stack 's' with configuration key 's' must be of type 'string'");
            refuses(() => load(projectYaml, "config:\n  b: true\n  s: {a: 1}\n"), "Stack 's' with configuration key 's' must be of type 'string'");
        });

        test("arrays: every item of the declared type, nested arrays too; a map or scalar is not an array", () => {
            const projectYaml = `${P}config:\n  a: {type: array, items: {type: array, items: {type: integer}}}\n`;
            assert.equal(load(projectYaml, "config:\n  a: [[1, 2], []]\n").config["p:a"], "[[1,2],[]]");
            const message = "Stack 's' with configuration key 'a' must be of type 'array<array<integer>>'";
            for (const bad of ["[[1, x]]", "[1]", "{a: [1]}", "'[[1]]'"]) refuses(() => load(projectYaml, `config:\n  a: ${bad}\n`), message);
        });

        test("an untyped key takes any value; a typed key left unset is not checked", () => {
            const { config } = load(`${P}config:\n  any: {}\n  n: {type: integer, default: 1}\n`, "config:\n  any: [1, a]\n");
            assert.deepEqual(config, { "p:any": '[1,"a"]', "p:n": "1" });
        });
    });

    describe("Pulumi.yaml declarations the CLI refuses", () => {
        const cases: Array<[string, string]> = [
            ["  k: {default: 1, value: 2}\n", "project config 'k' cannot have both a 'default' and 'value' attribute"],
            ["  k: {type: array}\n", "The configuration key 'k' declares an array but does not specify the underlying type via the 'items' attribute"],
            ["  k: {type: array, items: {}}\n", "The configuration key 'k' declares an array but does not specify the underlying type via the 'items' attribute"],
            ["  k: {type: integer, default: x}\n", "The default value specified for configuration key 'k' is not of the expected type 'integer'"],
            ["  k: {type: array, items: {type: string}, default: [1]}\n", "The default value specified for configuration key 'k' is not of the expected type 'array<string>'"],
            ["  k: {type: boolean, default: 'no'}\n", "The default value specified for configuration key 'k' is not of the expected type 'boolean'"],
            ["  aws:k: {type: string, value: x}\n", "Configuration key 'aws:k' is not namespaced by the project and should not define a type"],
            ["  aws:k: {default: x}\n", "Configuration key 'aws:k' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?"],
            ["  aws:k: {description: x}\n", "Configuration key 'aws:k' is namespaced and must provide an attribute 'value'"],
            ["  aws:k: {value: null}\n", "Configuration key 'aws:k' is namespaced and must provide an attribute 'value'"],
        ];
        for (const [decl, message] of cases) {
            test(message, () => refuses(() => load(`${P}config:\n${decl}`, "config: {}\n"), message));
        }

        test("default: null or value: null is no fallback: the project key is required, named in the CLI's words", () => {
            refuses(() => load(`${P}config:\n  k: {type: string, default: null}\n`, "config: {}\n"), "Stack 's' is missing configuration value 'k'");
            refuses(() => load(`${P}config:\n  b: {}\n  a: {}\n`, "config: {}\n"), "Stack 's' is missing configuration values 'a' and 'b'");
            refuses(() => load(`${P}config:\n  c: {}\n  b: {}\n  a: {}\n`, "config: {}\n"), "Stack 's' is missing configuration values 'a', 'b' and 'c'");
        });

        test("a short-hand declaration is the default of a project key and the value of another namespace's key; an array short-hand too", () => {
            const { config } = load(`${P}config:\n  k: 3\n  l: [1]\n  aws:region: eu-west-1\n  x:y: [a]\n  p:z: q\n`, "config: {}\n");
            assert.deepEqual(config, { "aws:region": "eu-west-1", "p:k": "3", "p:l": "[1]", "p:z": "q", "x:y": '["a"]' });
        });

        test("typed defaults that conform: integer (YAML and whole float), boolean, string, nested array", () => {
            const { config } = load(`${P}config:\n  i: {type: integer, default: 3}\n  f: {type: integer, default: 4.0}\n  b: {type: boolean, default: false}\n  s: {type: string, default: x}\n  a: {type: array, items: {type: array, items: {type: boolean}}, default: [[true]]}\n`, "config: {}\n");
            assert.deepEqual(config, { "p:a": "[[true]]", "p:b": "false", "p:f": "4", "p:i": "3", "p:s": "x" });
        });

        test("the project file itself: missing, unnamed, not a map, config not a map, config and stackConfigDir both, invalid YAML", () => {
            const empty = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-edges-"));
            tempDirs.push(empty);
            refuses(() => loadStackConfig("s", empty), `no Pulumi.yaml in ${empty}: not a Pulumi project folder`);
            refuses(() => load("runtime: nodejs\n", ""), "Pulumi.yaml: project is missing a non-empty string 'name' attribute");
            refuses(() => load("name: ''\n", ""), "Pulumi.yaml: project is missing a non-empty string 'name' attribute");
            refuses(() => load("name: 5\n", ""), "Pulumi.yaml: project is missing a non-empty string 'name' attribute");
            refuses(() => load("- a\n", ""), "Pulumi.yaml: project is missing a non-empty string 'name' attribute");
            refuses(() => load(`${P}config: [a]\n`, ""), "Pulumi.yaml: 'config' must be a map of configuration keys");
            refuses(() => load(`${P}config: dir\nstackConfigDir: dir\n`, ""),
                "Should not use both config and stackConfigDir to define the stack directory. Use only stackConfigDir instead.");
            refuses(() => load(`${P}config: {a: [}\n`, ""), /^Pulumi\.yaml: invalid YAML: /);
            assert.deepEqual(load(`${P}config:\n`, "config:\n  a: 1\n").config, { "p:a": "1" });
        });
    });

    describe("stack files", () => {
        test("a stack file the CLI refuses: not a map, config not a map, ESC environments, invalid YAML", () => {
            refuses(() => load(P, "- a\n"), "Pulumi.s.yaml: expected a map with a 'config' key");
            refuses(() => load(P, "config: [a]\n"), "Pulumi.s.yaml: 'config' must be a map of configuration keys");
            refuses(() => load(P, "config: x\n"), "Pulumi.s.yaml: 'config' must be a map of configuration keys");
            refuses(() => load(P, "environment: [env]\nconfig: {}\n"),
                "Pulumi.s.yaml imports Pulumi ESC environments ('environment:'), which cannot be opened offline; move the values the preview needs into 'config:'");
            assert.deepEqual(load(P, "environment:\nconfig: {a: 1}\n").config, { "p:a": "1" });
            refuses(() => load(P, "config: {a: [}\n"), /^Pulumi\.s\.yaml: invalid YAML: /);
        });

        test("Pulumi.yml projects use .yml stack files; stackConfigDir (and the legacy config: <dir>) moves them", () => {
            const yml = project(`${P}config:\n  k: {default: v}\n`, { a: "config:\n  k: w\n" }, ".yml");
            assert.deepEqual(listStacks(yml), ["a"]);
            assert.equal(loadStackConfig("a", yml).config["p:k"], "w");
            const moved = project(`${P}stackConfigDir: stacks\n`, { "stacks/b": "config:\n  k: 1\n" });
            assert.deepEqual(listStacks(moved), ["b"]);
            assert.deepEqual(loadStackConfig("b", moved).config, { "p:k": "1" });
            const legacy = project(`${P}config: stacks\n`, { "stacks/c": "config:\n  k: 2\n" });
            assert.deepEqual(listStacks(legacy), ["c"]);
            assert.deepEqual(loadStackConfig("c", legacy).config, { "p:k": "2" });
        });

        test("fully qualified stack names use the last part; invalid names and paths are unknown stacks", () => {
            const dir = project(P, { dev: "config:\n  k: 1\n" });
            assert.equal(loadStackConfig("org/dev", dir).stack, "dev");
            assert.equal(loadStackConfig("org/p/dev", dir).stack, "dev");
            for (const name of ["a/b/c/dev", "../dev", "./dev", "org/../dev", "de v", "", "org//dev"]) {
                assert.throws(() => loadStackConfig(name, dir), (err: unknown) => {
                    assert.ok(err instanceof UnknownStackError, name);
                    assert.equal(err.name, "UnknownStackError");
                    assert.equal(err.stackName, name);
                    assert.deepEqual(err.available, ["dev"]);
                    assert.equal(err.message, `Unknown stack "${name}": there is no Pulumi.${name}.yaml in ${dir}. Existing stacks: dev.`);
                    return true;
                });
            }
            const none = project(P, {});
            assert.throws(() => loadStackConfig("x", none),
                { message: `Unknown stack "x": there is no Pulumi.x.yaml in ${none}. Existing stacks: none (no Pulumi.<stack>.yaml files).` });
        });

        test("listStacks: stack files only, sorted and unique; an unreadable project or a missing folder still answers", () => {
            const dir = project(P, { b: "", a: "", "a.b": "" });
            fs.writeFileSync(path.join(dir, "Pulumi.a.yml"), "");
            fs.writeFileSync(path.join(dir, "Pulumi.yaml.bak"), "");
            fs.writeFileSync(path.join(dir, "Pulumi..yaml"), "");
            fs.writeFileSync(path.join(dir, "notPulumi.c.yaml"), "");
            assert.deepEqual(listStacks(dir), ["a", "a.b", "b"]);
            const broken = project("name: [\n", { x: "" });
            assert.deepEqual(listStacks(broken), ["x"]);
            assert.deepEqual(listStacks(path.join(broken, "missing")), []);
            const noProject = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-edges-"));
            tempDirs.push(noProject);
            fs.writeFileSync(path.join(noProject, "Pulumi.y.yaml"), "");
            assert.deepEqual(listStacks(noProject), ["y"]);
            const gone = project(`${P}stackConfigDir: nowhere\n`, { z: "" });
            assert.deepEqual(listStacks(gone), []);
        });
    });

    describe("misplacedKeyHints", () => {
        const proj = { name: "p", declarations: new Map<string, unknown>([["p:bucket", {}], ["p:domain", {}], ["aws:region", {}]]) };

        test("an undeclared project key is named, with the closest declared key when there is one", () => {
            assert.deepEqual(misplacedKeyHints(["p:buckt", "p:zzzzzzzzzzzz"], proj), [
                "'buckt' is set but not declared in Pulumi.yaml (did you mean 'bucket'?)",
                "'zzzzzzzzzzzz' is set but not declared in Pulumi.yaml",
            ]);
        });

        test("a declared key under another project's namespace is named with how to write it; aws:, declared and other keys are not", () => {
            assert.deepEqual(misplacedKeyHints(["other:bucket", "a:b:domain", "aws:bucket", "p:bucket", "other:thing", "aws:region"], proj), [
                "'other:bucket' has the namespace 'other', but this project is 'p': write it as 'bucket' (or 'p:bucket')",
                "'a:b:domain' has the namespace 'a:b', but this project is 'p': write it as 'domain' (or 'p:domain')",
            ]);
        });

        test("keys without a namespace belong to the project", () => {
            assert.deepEqual(misplacedKeyHints(["bucket", "domian"], proj), ["'domian' is set but not declared in Pulumi.yaml (did you mean 'domain'?)"]);
        });

        test("the missing-key message lists them after the keys", () => {
            refuses(() => load(`${P}config:\n  bucket: {type: string}\n`, "config:\n  buckt: x\n  other:bucket: y\n"), [
                "Stack 's' is missing configuration value 'bucket'",
                "  - 'buckt' is set but not declared in Pulumi.yaml (did you mean 'bucket'?)",
                "  - 'other:bucket' has the namespace 'other', but this project is 'p': write it as 'bucket' (or 'p:bucket')",
            ].join("\n"));
        });
    });
});

describe("loadStackConfig: stack names, key order, the legacy form", () => {
    // More of the offline stack configuration reader's rules that mutation testing found untested: which
    // file names are stacks, which stack names are valid, the order keys are checked in, the legacy
    // key form's exact shape and a non-string stackConfigDir.
    const tempDirs: string[] = [];
    after(() => {
        for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A temp project folder: Pulumi.yaml and the given files (name → text). */
    function folder(files: Record<string, string>): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-rules-"));
        tempDirs.push(dir);
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
        return dir;
    }

    const P = "name: p\nruntime: nodejs\n";

    test("a stack file name must end in .yaml or .yml: Pulumi.<stack>.yaml.bak is no stack", () => {
        const dir = folder({ "Pulumi.yaml": P, "Pulumi.a.yaml": "", "Pulumi.c.yaml.bak": "", "Pulumi.d.yml~": "" });
        assert.deepEqual(listStacks(dir), ["a"]);
    });

    test("a stack name with a character outside [A-Za-z0-9_.-] is refused even when its file exists", () => {
        const dir = folder({ "Pulumi.yaml": P, "Pulumi.a b.yaml": "config: {}\n", "Pulumi.ok.yaml": "config: {}\n" });
        assert.deepEqual(listStacks(dir), ["a b", "ok"]);
        for (const name of ["a b", "org/a b"]) {
            assert.throws(() => loadStackConfig(name, dir), (err: unknown) => err instanceof UnknownStackError && err.stackName === name);
        }
        assert.equal(loadStackConfig("ok", dir).stack, "ok");
    });

    test("declared keys are checked in key order, not declaration order: the first bad key in that order is named", () => {
        const dir = folder({
            "Pulumi.yaml": `${P}config:\n  m: {type: integer}\n  b: {type: integer}\n  z: {type: integer}\n  a: {type: integer}\n`,
            "Pulumi.s.yaml": "config:\n  m: x\n  z: x\n  b: x\n  a: 1\n",
        });
        assert.throws(() => loadStackConfig("s", dir), { message: "Stack 's' with configuration key 'b' must be of type 'integer'" });
    });

    test("the legacy form is exactly <ns>:config:<name>: a fourth part is refused", () => {
        const dir = folder({ "Pulumi.yaml": P, "Pulumi.s.yaml": 'config:\n  "a:config:c:d": 1\n' });
        assert.throws(() => loadStackConfig("s", dir), (err: unknown) =>
            err instanceof StackConfigError && err.message.startsWith("could not parse a:config:c:d as a configuration key"));
    });

    test("a stackConfigDir that is not a string is ignored: the stack files stay beside Pulumi.yaml", () => {
        const dir = folder({ "Pulumi.yaml": `${P}stackConfigDir: 5\n`, "Pulumi.s.yaml": "config:\n  k: v\n" });
        assert.deepEqual(listStacks(dir), ["s"]);
        assert.deepEqual(loadStackConfig("s", dir).config, { "p:k": "v" });
    });

    test("misplacedKeyHints compares stack keys with the project's own declared keys only", () => {
        const project = { name: "p", declarations: new Map<string, unknown>([["x:abc", {}], ["p:bucket", {}]]) };
        assert.deepEqual(misplacedKeyHints(["p:abc", "y:bucket"], project), [
            "'abc' is set but not declared in Pulumi.yaml",
            "'y:bucket' has the namespace 'y', but this project is 'p': write it as 'bucket' (or 'p:bucket')",
        ]);
    });
});
