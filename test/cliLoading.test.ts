import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { REFRESHER_TYPE } from "../component";

const ROOT = path.resolve(__dirname, "..", "..");
const HOST = path.join(__dirname, "support", "cliHost.js");

test("index.ts loads through the Pulumi CLI's own ts-node registration and declares the whole stack", () => {
    const out = execFileSync(process.execPath, [HOST, ROOT, "dev"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
        tsnode: string; types: string[]; packageFiles: string[]; outputs: Record<string, unknown>;
    };
    // No ts-node in the project: the CLI falls back to the SDK's vendored copy, so must we.
    assert.match(result.tsnode, /vendor[\\/]ts-node@7\.0\.1$/);
    assert.ok(result.types.includes("aws:lambda/function:Function"));
    assert.ok(result.types.includes(REFRESHER_TYPE));
    assert.deepEqual(result.packageFiles, ["__index.js"]);
    assert.equal(result.outputs.tokenKey, "dags/codeartifact.txt");
});
