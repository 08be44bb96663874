// The stack program's Lambda package, from the offline preview exactly as `npm run preview:offline`
// runs it: the reference every other way of using the component must match.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runProcess } from "./process";

const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The text of `__index.js` in the dev stack's Lambda package. */
export async function stackProgramHandler(): Promise<string> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "stack-program-"));
    try {
        const run = await runProcess(process.execPath, ["scripts/ts.js", "tools/preview/preview.ts", "--stack", "dev", "--out", out],
            { cwd: REPO_ROOT, env: process.env, timeoutMs: 120_000 });
        assert.equal(run.code, 0, run.stderr);
        return fs.readFileSync(path.join(out, "lambda", "__index.js"), "utf8");
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}
