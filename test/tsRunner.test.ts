// scripts/ts.js, what `npm run preview:offline|status|refresh|bench` run: the sources are
// transpiled on every start, so an edit is always what runs. Exercised on a temp copy of the
// project (node_modules linked), never on the repo's own files.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const T = { timeout: 60_000 };

let copy: string;

before(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), "ts-runner-"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { sources } = require(path.join(ROOT, "scripts", "ts.js")) as { sources: (root: string) => string[] };
    const files = [...sources(ROOT), ...["scripts/ts.js", "package.json", "Pulumi.yaml", "Pulumi.dev.yaml"].map((f) => path.join(ROOT, f))];
    for (const file of files) {
        const target = path.join(copy, path.relative(ROOT, file));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(file, target);
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
});

after(() => {
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

function previewJson(): { outputs: Record<string, unknown> } {
    const run = spawnSync(process.execPath, ["scripts/ts.js", "tools/preview/preview.ts", "--stack", "dev", "--json"], { cwd: copy, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as { outputs: Record<string, unknown> };
}

test("the npm scripts run the sources through scripts/ts.js: no compile step, no build folder", () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    for (const name of ["preview:offline", "status", "refresh", "bench"]) {
        assert.match(scripts[name], /^node scripts\/ts\.js [\w/]+\.ts$/, `${name}: ${scripts[name]}`);
    }
});

test("an edit of index.ts, and of a module it imports, is what the next preview runs", T, () => {
    const index = path.join(copy, "index.ts");
    const original = fs.readFileSync(index, "utf8");
    assert.equal(previewJson().outputs.editMarker, undefined);

    fs.writeFileSync(index, `${original}export const editMarker = "first";\n`);
    assert.equal(previewJson().outputs.editMarker, "first");

    // A module the program imports, edited within the same second: no timestamp decides anything.
    fs.writeFileSync(path.join(copy, "marker.ts"), `export const MARKER = "second";\n`);
    fs.writeFileSync(index, `${original}export { MARKER as editMarker } from "./marker";\n`);
    assert.equal(previewJson().outputs.editMarker, "second");
    fs.writeFileSync(path.join(copy, "marker.ts"), `export const MARKER = "third";\n`);
    assert.equal(previewJson().outputs.editMarker, "third");
});

test("a syntax error names the file, line and column; a type error does not stop the run (npm test reports it)", T, () => {
    const schedule = path.join(copy, "lib", "schedule.ts");
    const original = fs.readFileSync(schedule, "utf8");
    try {
        fs.writeFileSync(schedule, `${original}\nexport const broken = (;\n`);
        const run = spawnSync(process.execPath, ["scripts/ts.js", "tools/operate/status.ts", "--help"], { cwd: copy, encoding: "utf8", timeout: 60_000 });
        assert.notEqual(run.status, 0);
        const line = original.split("\n").length + 1;
        assert.match(run.stderr, new RegExp(`schedule\\.ts:${line}:\\d+: `), run.stderr);

        fs.writeFileSync(schedule, `${original}\nexport const typeError: number = "not a number";\n`);
        const typed = spawnSync(process.execPath, ["scripts/ts.js", "tools/operate/status.ts", "--help"], { cwd: copy, encoding: "utf8", timeout: 60_000 });
        assert.equal(typed.status, 0, typed.stderr);
        assert.match(typed.stdout, /--stack/);
    } finally {
        fs.writeFileSync(schedule, original);
    }
});
