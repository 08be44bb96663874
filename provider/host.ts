/**
 * Makes the plugin independent of the folder the Pulumi CLI starts it in. The CLI runs
 * `node @pulumi/pulumi/cmd/run-plugin <this folder>` with the *consumer's* project as working
 * directory (a Python project: no package.json, no tsconfig.json). There, the SDK's ts-node finds no
 * tsconfig and type-checks every .ts file it loads with its defaults (ES2020 library, not strict),
 * which the library does not compile under; and the Lambda packaging looks for package.json from the
 * working directory. So, before the library is loaded:
 *
 * - this repository's .ts files are served by scripts/ts.js, as for the stack program and the
 *   commands: transpiled by esbuild (types are checked by `npm test`), and the Lambda handler as
 *   the same bundle, so the function's package is the same text in every language;
 * - the working directory becomes this folder, whose package.json has no dependencies.
 */
import * as path from "path";

interface Runner {
    register(root: string): number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS launcher outside the TypeScript project
(require(path.join(__dirname, "..", "scripts", "ts.js")) as Runner).register(path.resolve(__dirname, ".."));
process.chdir(__dirname);
