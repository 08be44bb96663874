// The documentation stays true: every relative link resolves (files and headings), the README's
// offline commands run as written, and its quick-start output is what the command prints.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { runProcess } from "./support/process";

const ROOT = path.resolve(__dirname, "..", "..");
const T = { timeout: 180_000 };

function documents(): string[] {
    const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f));
    const examples = fs.readdirSync(path.join(ROOT, "examples")).map((d) => path.join("examples", d, "README.md"))
        .filter((f) => fs.existsSync(path.join(ROOT, f)));
    return ["README.md", "CONTRIBUTING.md", "SECURITY.md", ...docs, ...examples];
}

/** Markdown without its fenced code blocks, where `](...)` is not a link. */
function prose(text: string): string {
    return text.replace(/^```[\s\S]*?^```/gm, "");
}

/** GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
export function anchors(markdown: string): Set<string> {
    const slugs = new Set<string>();
    for (const [, heading] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
        slugs.add(heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-"));
    }
    return slugs;
}

function links(markdown: string): string[] {
    return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^(https?|mailto):/.test(l));
}

describe("docs: links", () => {
    test("GitHub's anchors, as this test computes them", () => {
        assert.deepEqual([...anchors("# A `b` c\n## If `pulumi up` fails or is interrupted\n```\n# not a heading\n```\n")],
            ["a-b-c", "if-pulumi-up-fails-or-is-interrupted"]);
    });

    for (const doc of documents()) {
        test(`${doc}: every relative link names a file that exists, and a heading it has`, () => {
            const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
            for (const link of links(text)) {
                const [target, anchor] = link.split("#");
                const file = target === "" ? path.join(ROOT, doc) : path.resolve(path.dirname(path.join(ROOT, doc)), target);
                assert.ok(fs.existsSync(file), `${doc}: ${link} does not exist`);
                if (anchor !== undefined && file.endsWith(".md")) {
                    assert.ok(anchors(fs.readFileSync(file, "utf8")).has(anchor), `${doc}: ${link}: no such heading`);
                }
            }
        });
    }
});

/** The offline commands the README shows, in code blocks and inline, exactly as written. */
function offlineCommands(readme: string): string[] {
    const inline = [...readme.matchAll(/`(npm run[^`]*preview:offline[^`]*)`/g)].map((m) => m[1].replace(/\s+/g, " "));
    const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) => m[1].split("\n"))
        .filter((l) => l.includes("preview:offline")).map((l) => l.replace(/^npm ci && /, ""));
    return [...new Set([...blocks, ...inline])];
}

describe("docs: the README's offline commands", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const commands = offlineCommands(readme);

    test("are found: the quick start, the prod stack and the JSON form", () => {
        assert.deepEqual(commands, ["npm run preview:offline", "npm run preview:offline -- --stack prod", "npm run --silent preview:offline -- --json | jq .summary"]);
    });

    for (const command of commands) {
        test(`runs as written: ${command}`, T, async () => {
            const run = await runProcess("bash", ["-o", "pipefail", "-c", command], { cwd: ROOT, env: process.env, timeoutMs: 150_000 });
            assert.equal(run.code, 0, run.stderr);
            if (command.includes("--json")) assert.equal((JSON.parse(run.stdout) as { resourceCount: number }).resourceCount, 15);
        });
    }

    test("the quick start shows the test command, which is the one CI runs", () => {
        const quickStart = readme.slice(readme.indexOf("## Quick start"), readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1));
        assert.match(quickStart, /^```sh\nnpm test\n```$/m);
        assert.match(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /^npm test$/m);
    });

    test("the quick start's output is what the command prints, line for line, in order", T, async () => {
        const shown = /It prints what `pulumi up` would create \(abridged here\):\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
        assert.ok(shown, "the quick start's output block");
        const run = await runProcess(process.execPath, ["scripts/ts.js", "tools/preview/preview.ts"], { cwd: ROOT, env: process.env, timeoutMs: 150_000 });
        assert.equal(run.code, 0, run.stderr);
        const printed = run.stdout.split("\n");
        let at = 0;
        for (const line of shown.split("\n").filter((l) => l.trim() !== "")) {
            const found = printed.indexOf(line, at);
            assert.ok(found >= 0, `not printed (in this order): ${line}`);
            at = found + 1;
        }
    });
});
