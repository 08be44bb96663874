/**
 * Loads `index.ts` the way the Pulumi CLI's Node language host does (see
 * `@pulumi/pulumi/cmd/run/run.js`): ts-node — the project's own if installed, else the SDK's
 * vendored 7.0.1 — registered with the project's TypeScript and tsconfig.json, then runs the
 * program under the mock engine and prints what it registered as one JSON line.
 *
 * Usage: node cliHost.js <projectDir> <stack>
 */
import * as path from "node:path";
import { RecordingMocks } from "../../offline/mocks";
import { loadStackConfig } from "../../offline/stackConfig";

interface TsUtils {
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    loadTypeScriptCompilerOptions(tsConfigPath: string): Record<string, unknown>;
}
interface TsNode {
    register(options: Record<string, unknown>): unknown;
}

async function main(): Promise<void> {
    const [projectDir, stack] = process.argv.slice(2);
    process.chdir(projectDir);
    /* eslint-disable @typescript-eslint/no-require-imports */
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
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const { project, config } = loadStackConfig(stack, projectDir);
    const mocks = new RecordingMocks({ accountId: "111122223333", region: config["aws:region"] ?? "us-west-2" });
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(mocks, project, stack, false);
    const program = require(path.join(projectDir, "index.ts")) as Record<string, import("@pulumi/pulumi").Output<unknown>>;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const outputs: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(program)) {
        outputs[name] = await new Promise((resolve) => output.apply(resolve));
    }
    const fn = mocks.ofType("aws:lambda/function:Function")[0];
    const assets = fn === undefined ? {} : await (fn.inputs.code as { assets: Promise<Record<string, unknown>> }).assets;
    process.stdout.write(JSON.stringify({
        tsnode: tsnodeRequire,
        typescript: typescriptRequire,
        types: mocks.registrations.map((r) => r.type),
        packageFiles: Object.keys(assets),
        outputs,
    }) + "\n");
}

main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
