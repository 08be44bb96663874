// What may import what: product code (the package, the function, the stack program, the commands)
// never imports test code, and the npm package never imports the stack program.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(rel);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [rel] : [];
    });
}

/** Every module specifier of a source (static imports, re-exports, dynamic imports, require), resolved against the repository. */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
    return specifiers.filter((s) => s.startsWith(".")).map((s) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s)));
}

test("product code never imports test code", () => {
    const product = ["index.ts", ...["lib", "functions", "stack", "tools", "provider"].flatMap(sources)];
    const offending = product.flatMap((file) => importsOf(file).filter((p) => p.split(path.sep)[0] === "test").map((p) => `${file} -> ${p}`));
    assert.deepEqual(offending, []);
});

test("the npm package (lib/, functions/) never imports the stack program, the commands or the tests", () => {
    const offending = ["lib", "functions"].flatMap(sources).flatMap((file) => importsOf(file)
        .filter((p) => !["lib", "functions"].includes(p.split(path.sep)[0])).map((p) => `${file} -> ${p}`));
    assert.deepEqual(offending, []);
});

test("the check finds an import of test code", () => {
    assert.deepEqual(importsOf("test/support/s3Server.ts"), [path.join("tools", "doubles", "s3Server")]);
});
