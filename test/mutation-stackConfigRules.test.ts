// More of the offline stack configuration reader's rules that mutation testing found untested: which
// file names are stacks, which stack names are valid, the order keys are checked in, the legacy
// key form's exact shape and a non-string stackConfigDir. (mutation-stackConfig.test.ts has the rest.)
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StackConfigError, UnknownStackError, listStacks, loadStackConfig, misplacedKeyHints } from "../tools/stackConfig";

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
