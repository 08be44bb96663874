"use strict";
/**
 * Runs the project's TypeScript straight from source, transpiled by esbuild on every start: no
 * build folder, no cache, so an edit to any .ts file is always what runs. Types are not checked
 * here (`npm test` and `npm run typecheck` do that).
 *
 *   node scripts/ts.js <file.ts> [args...]     run a command (npm run preview:offline, status, ...)
 *   require("./scripts/ts").register(root)     make require() of .ts files work in this process
 *
 * How: one esbuild call (a native binary, about 30 ms for the whole project) transpiles every
 * .ts file under the project root except test/, node_modules/, build/ and dot-folders, each file
 * to its own CommonJS module (no bundling: Pulumi's closure serializer must see the same module
 * objects a compiled build has). The results stay in memory; a require.extensions[".ts"] hook
 * hands them to Node, so __dirname, __filename and require.main are those of the .ts sources. A
 * .ts file outside that set (test/support, used by the bench) is transpiled when first required.
 */
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");

/** Folders never transpiled up front: dependencies, outputs, tests and examples (loaded on demand). */
const SKIPPED_DIRS = new Set(["node_modules", "build", "test", "examples"]);

const OPTIONS = {
    format: "cjs",
    platform: "node",
    target: "node20",
    // import() of a .ts module must go through require(), which the hook serves; tsc emits the same.
    supported: { "dynamic-import": false },
    // Stack traces map back to the .ts lines under NODE_OPTIONS=--enable-source-maps.
    sourcemap: "inline",
    sourcesContent: false,
    logLevel: "silent",
};

/** Every .ts source (not .d.ts) under `dir`, skipping SKIPPED_DIRS and dot-folders. */
function sources(dir, out = []) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith(".")) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (!SKIPPED_DIRS.has(entry.name)) sources(full, out);
        } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
            out.push(full);
        }
    }
    return out;
}

function loadEsbuild() {
    // The sync API otherwise starts a worker thread (about 30 ms more for one call); "0" makes it
    // run the esbuild binary once, synchronously. Read when esbuild loads, then restored.
    const previous = process.env.ESBUILD_WORKER_THREADS;
    process.env.ESBUILD_WORKER_THREADS = "0";
    try {
        return require("esbuild");
    } finally {
        if (previous === undefined) delete process.env.ESBUILD_WORKER_THREADS;
        else process.env.ESBUILD_WORKER_THREADS = previous;
    }
}

/** A transpile error as one readable message: file:line:column and esbuild's text, for each. */
function describeFailure(err) {
    const errors = Array.isArray(err && err.errors) ? err.errors : [];
    if (errors.length === 0) return err;
    const lines = errors.map((e) => {
        const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : "";
        return `${where}${e.text}`;
    });
    const error = new SyntaxError(`TypeScript could not be transpiled:\n${lines.join("\n")}`);
    error.stack = error.message;
    return error;
}

/**
 * The Lambda handler's module, served (and shipped in the npm package) as one bundle of its local
 * imports, so that everything the closure serializer walks from `createHandler` is a plain binding
 * of that one module: the serialized handler is then the same text whether the library runs from
 * this repository or from a consumer's node_modules, where a captured module object would be
 * written as require("<package>/<path>").
 */
const HANDLER_ENTRY = path.join("functions", "handler.ts");

/** Bundles HANDLER_ENTRY (AWS SDK left external: the Lambda runtime provides it); returns its text, or writes `outfile`. */
function bundleHandler(esbuild, root, { write, outfile, sourcemap = OPTIONS.sourcemap }) {
    try {
        const result = esbuild.buildSync({
            ...OPTIONS, sourcemap, entryPoints: [path.join(root, HANDLER_ENTRY)], bundle: true, external: ["@aws-sdk/*"],
            outfile: outfile ?? path.join(root, "functions", "handler.js"), write,
        });
        return write ? undefined : result.outputFiles.find((f) => f.path.endsWith(".js")).text;
    } catch (err) {
        throw describeFailure(err);
    }
}

let registered;

/**
 * Transpiles the project under `root` and serves it to require(). Idempotent for the same root.
 * Returns the number of files transpiled up front.
 */
function register(root) {
    root = path.resolve(root);
    if (registered !== undefined) {
        if (registered.root !== root) throw new Error(`scripts/ts.js: already registered for ${registered.root}, not ${root}`);
        return registered.count;
    }
    const start = process.hrtime.bigint();
    const esbuild = loadEsbuild();
    const files = sources(root);
    let result;
    try {
        result = esbuild.buildSync({ ...OPTIONS, entryPoints: files, outdir: root, outbase: root, bundle: false, write: false });
    } catch (err) {
        throw describeFailure(err);
    }
    const compiled = new Map();
    for (const file of result.outputFiles) {
        if (file.path.endsWith(".js")) compiled.set(`${file.path.slice(0, -3)}.ts`, file.text);
    }
    compiled.set(path.join(root, HANDLER_ENTRY), bundleHandler(esbuild, root, { write: false }));
    require.extensions[".ts"] = (module, filename) => {
        let code = compiled.get(filename);
        if (code === undefined) {
            try {
                code = esbuild.transformSync(fs.readFileSync(filename, "utf8"), { ...OPTIONS, loader: "ts", sourcefile: filename }).code;
            } catch (err) {
                throw describeFailure(err);
            }
        }
        module._compile(code, filename);
    };
    registered = { root, count: files.length, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    return files.length;
}

/** How long register() took (load esbuild, list and transpile the sources), for the bench. */
function registerMs() {
    return registered === undefined ? undefined : registered.ms;
}

module.exports = { register, registerMs, sources, loadEsbuild, bundleHandler, describeFailure, OPTIONS, HANDLER_ENTRY };

if (require.main === module) {
    const [entry, ...args] = process.argv.slice(2);
    if (entry === undefined) {
        process.stderr.write("Usage: node scripts/ts.js <file.ts> [args...]\n");
        process.exit(2);
    }
    const main = path.resolve(entry);
    try {
        register(path.resolve(__dirname, ".."));
    } catch (err) {
        process.stderr.write(`${err instanceof SyntaxError ? err.message : (err && err.stack) || err}\n`);
        process.exit(1);
    }
    // The entry becomes the main module, exactly as `node file.js args` would run it.
    process.argv = [process.argv[0], main, ...args];
    Module.runMain(main);
}
