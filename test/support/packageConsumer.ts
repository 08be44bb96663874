// A scratch consumer of the packed npm package: `npm pack` (which builds dist/ through prepack),
// then `npm install` of the tarball in a new program folder, beside exactly the @pulumi/pulumi and
// @pulumi/aws versions this repository is tested with (its peer dependencies). The consumer gets no
// AWS SDK: the component must not need it at deploy time. npm prefers its cache, filled by `npm ci`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runProcess } from "./process";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const PACKAGE_NAME = "mwaa-codeartifact-token";

function installedVersion(pkg: string): string {
    return (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
}

export interface PackedFile {
    readonly path: string;
    readonly size: number;
}

export interface Consumer {
    readonly dir: string;
    readonly tarball: string;
    readonly files: readonly PackedFile[];
    remove(): void;
}

function cleanEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.PULUMI_CONFIG;
    delete env.PULUMI_CONFIG_SECRET_KEYS;
    return env;
}

/** `npm pack` of this repository, installed by npm into a new scratch program. */
export async function packIntoConsumer(): Promise<Consumer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "package-consumer-"));
    const npm = await runProcess("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, env: cleanEnv(), timeoutMs: 120_000 });
    if (npm.code !== 0) throw new Error(`npm pack failed (${npm.code}):\n${npm.stderr}`);
    const [packed] = JSON.parse(npm.stdout.slice(npm.stdout.indexOf("["))) as { filename: string; files: PackedFile[] }[];
    const tarball = path.join(dir, packed.filename);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({
        name: "consumer",
        private: true,
        version: "0.0.0",
        dependencies: {
            [PACKAGE_NAME]: `file:./${packed.filename}`,
            "@pulumi/pulumi": installedVersion("@pulumi/pulumi"),
            "@pulumi/aws": installedVersion("@pulumi/aws"),
            "@types/node": installedVersion("@types/node"),
        },
        // The same decision as this repository's (README, "Install scripts").
        allowScripts: { protobufjs: false },
    }, null, 2));
    const install = await runProcess("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, env: cleanEnv(), timeoutMs: 300_000 });
    if (install.code !== 0) throw new Error(`npm install of the tarball failed (${install.code}):\n${install.stderr}`);
    for (const file of fs.readdirSync(path.join(REPO_ROOT, "test", "fixtures", "consumer"))) {
        fs.copyFileSync(path.join(REPO_ROOT, "test", "fixtures", "consumer", file), path.join(dir, file));
    }
    return { dir, tarball, files: packed.files, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs node (or a node script such as tsc) in the consumer folder. */
export function runInConsumer(consumer: Consumer, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    return runProcess(process.execPath, args, { cwd: consumer.dir, env: { ...cleanEnv(), ...env }, timeoutMs: 180_000 });
}
