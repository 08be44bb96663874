/**
 * Makes the plugin independent of the folder the Pulumi CLI starts it in. The CLI runs
 * `node @pulumi/pulumi/cmd/run-plugin <this folder>` with the *consumer's* project as working
 * directory (a Python project: no package.json, no tsconfig.json). There, the SDK's ts-node finds no
 * tsconfig and type-checks every .ts file it loads with its defaults (ES2020 library, not strict),
 * which the library does not compile under; and the Lambda packaging looks for package.json from the
 * working directory. So, before the library is loaded:
 *
 * - the library's .ts files (this repository's, outside node_modules) are transpiled with this
 *   folder's tsconfig.json, i.e. the repository's own compiler options, exactly as `tsc` builds them
 *   for the stack program (`npm test` type-checks them with the same options);
 * - the working directory becomes this folder, whose package.json has no dependencies, so the
 *   function's package holds the serialized handler alone, as it does for the stack program.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const REPOSITORY = path.resolve(__dirname, "..");
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

interface CompilingModule {
    _compile(code: string, filename: string): void;
}

function repositoryCompilerOptions(): ts.CompilerOptions {
    const configPath = path.join(__dirname, "tsconfig.json");
    const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
    if (read.error !== undefined) {
        throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
    }
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, __dirname);
    return { ...parsed.options, sourceMap: false, inlineSourceMap: true, inlineSources: true };
}

function loadLibraryFromThisRepository(): void {
    const options = repositoryCompilerOptions();
    const extensions = require.extensions;
    const previous = extensions[".ts"] ?? extensions[".js"];
    extensions[".ts"] = (mod, filename) => {
        if (!filename.startsWith(REPOSITORY + path.sep) || filename.includes(NODE_MODULES)) {
            previous(mod, filename);
            return;
        }
        const { outputText } = ts.transpileModule(fs.readFileSync(filename, "utf8"), { compilerOptions: options, fileName: filename });
        (mod as unknown as CompilingModule)._compile(outputText, filename);
    };
}

loadLibraryFromThisRepository();
process.chdir(__dirname);
