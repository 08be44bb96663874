"use strict";
/**
 * Builds the npm package's dist/ (run by `npm pack` and `npm publish` through "prepack"):
 *   dist/lib/*.js, dist/functions/*.js   one CommonJS module per source, esbuild, as scripts/ts.js runs them
 *   dist/functions/handler.js            the handler bundled, exactly as scripts/ts.js serves it (see there)
 *   dist/**\/*.d.ts                       declarations with TSDoc, from tsc (tsconfig.package.json)
 * The stack program, the tools and the tests are not part of the package.
 */
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { loadEsbuild, bundleHandler, describeFailure, OPTIONS } = require("./ts");

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
/** The folders the package ships, as sources. */
const PACKAGE_SOURCES = ["lib", "functions"];

function tsSources(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return tsSources(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

function build() {
    fs.rmSync(DIST, { recursive: true, force: true });
    const esbuild = loadEsbuild();
    const entryPoints = PACKAGE_SOURCES.flatMap((dir) => tsSources(path.join(ROOT, dir)));
    try {
        esbuild.buildSync({ ...OPTIONS, sourcemap: false, entryPoints, outdir: DIST, outbase: ROOT, bundle: false, write: true });
    } catch (err) {
        throw describeFailure(err);
    }
    bundleHandler(esbuild, ROOT, { write: true, outfile: path.join(DIST, "functions", "handler.js"), sourcemap: false });
    const tsc = require.resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.package.json")], { stdio: "inherit" });
}

if (require.main === module) {
    try {
        build();
    } catch (err) {
        process.stderr.write(`${err instanceof SyntaxError ? err.message : (err && err.stack) || err}\n`);
        process.exit(1);
    }
}

module.exports = { build, DIST };
