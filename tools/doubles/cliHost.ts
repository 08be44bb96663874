/**
 * Loads the program the way the Pulumi CLI's Node language host does (see
 * `@pulumi/pulumi/cmd/run/run.js`), under the mock engine, and prints what it registered as one
 * JSON line. What run.js does depends on the project's files, read here as the CLI reads them:
 *  - Pulumi.yaml `runtime.options.typescript` (the language host's default: true) registers
 *    ts-node — the project's own if installed, else the SDK's vendored 7.0.1 — with the project's
 *    TypeScript and tsconfig.json, transpile-only when tsconfig says noCheck;
 *  - the program is Pulumi.yaml's `main` when set, else package.json's "exports" entry, else its
 *    "main", required.
 *
 * Usage: node cliHost.js <projectDir> <stack> [--typescript]
 *   --typescript  register ts-node and load index.ts whatever the project says (the bench's
 *                 "before" figure: how the CLI loaded this project until it set typescript: false)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { RecordingMocks } from "../preview/mocks";
import { loadStackConfig } from "../stackConfig";

interface TsUtils {
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    loadTypeScriptCompilerOptions(tsConfigPath: string): Record<string, unknown>;
}
interface TsNode {
    register(options: Record<string, unknown>): unknown;
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** run.js's ts-node registration (CommonJS project, TypeScript >= 4.7). Returns ts-node's path. */
function registerTsNode(): string {
    const tsutils = require("@pulumi/pulumi/tsutils") as TsUtils;
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
    (require(tsnodeRequire) as TsNode).register({
        compiler: typescriptRequire,
        // run.js: PULUMI_NODEJS_TRANSPILE_ONLY wins, else tsconfig's noCheck decides.
        transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" : compilerOptions.noCheck,
        project: "tsconfig.json",
        skipProject: false,
        // The same defaults run.js applies before the project's own options.
        compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
    });
    return tsnodeRequire;
}

type ExportsEntry = string | { default?: string; require?: string; import?: string };

/** run.js's choice of entry point: Pulumi.yaml main, else package.json exports["."], else main. */
function programEntry(pulumiMain: string | undefined): string {
    if (pulumiMain !== undefined) return pulumiMain;
    const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as { main?: string; exports?: string | Record<string, ExportsEntry> };
    if (typeof pkg.exports === "string") return pkg.exports;
    if (typeof pkg.exports === "object") {
        const dot = pkg.exports["."];
        if (typeof dot === "string") return dot;
        const chosen = dot?.default ?? dot?.require ?? dot?.import;
        if (chosen !== undefined) return chosen;
    }
    return pkg.main ?? "index.js";
}

async function main(): Promise<void> {
    const [projectDir, stack, flag] = process.argv.slice(2);
    process.chdir(projectDir);
    const pulumiYaml = parseYaml(fs.readFileSync("Pulumi.yaml", "utf8")) as { main?: string; runtime?: { options?: { typescript?: boolean } } };
    const typescript = flag === "--typescript" || pulumiYaml.runtime?.options?.typescript !== false;
    const tsnode = typescript ? registerTsNode() : null;
    const entry = path.resolve(projectDir, flag === "--typescript" ? "index.ts" : programEntry(pulumiYaml.main));
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const { project, config } = loadStackConfig(stack, projectDir);
    const mocks = new RecordingMocks({ accountId: "111122223333", region: config["aws:region"] ?? "us-west-2" });
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    const program = require(entry) as Record<string, import("@pulumi/pulumi").Output<unknown>>;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const outputs: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(program)) {
        outputs[name] = await new Promise((resolve) => output.apply(resolve));
    }
    const fn = mocks.ofType("aws:lambda/function:Function")[0];
    const assets = fn === undefined ? {} : await (fn.inputs.code as { assets: Promise<Record<string, unknown>> }).assets;
    process.stdout.write(JSON.stringify({
        tsnode,
        entry: path.relative(projectDir, entry),
        types: mocks.registrations.map((r) => r.type),
        packageFiles: Object.keys(assets),
        packageTexts: Object.fromEntries(
            await Promise.all(Object.entries(assets).map(async ([name, asset]): Promise<[string, string]> => [name, await (asset as { text: Promise<string> }).text])),
        ),
        variables: (fn?.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {},
        outputs,
    }) + "\n");
}

main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
