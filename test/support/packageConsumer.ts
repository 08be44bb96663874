// A scratch consumer of the packed npm package: `npm pack` (which builds dist/ through prepack),
// the tarball unpacked into the consumer's node_modules as npm installs it, and the peer
// dependencies linked from this repository's node_modules. The AWS SDK is left out on purpose:
// the component must not need it at deploy time.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runProcess } from "./process";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const PACKAGE_NAME = "mwaa-codeartifact-token";
/** Packages of this repository's node_modules the consumer does not get. */
const NOT_INSTALLED = new Set([PACKAGE_NAME, "@aws-sdk", ".bin", ".package-lock.json"]);

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

/** `npm pack` of this repository into a new scratch folder, unpacked as the consumer's dependency. */
export async function packIntoConsumer(): Promise<Consumer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "package-consumer-"));
    const npm = await runProcess("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, env: cleanEnv(), timeoutMs: 120_000 });
    if (npm.code !== 0) throw new Error(`npm pack failed (${npm.code}):\n${npm.stderr}`);
    const [packed] = JSON.parse(npm.stdout.slice(npm.stdout.indexOf("["))) as { filename: string; files: PackedFile[] }[];
    const tarball = path.join(dir, packed.filename);
    const modules = path.join(dir, "node_modules");
    const installed = path.join(modules, PACKAGE_NAME);
    fs.mkdirSync(installed, { recursive: true });
    const tar = await runProcess("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], { cwd: dir, env: cleanEnv(), timeoutMs: 60_000 });
    if (tar.code !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, "node_modules"))) {
        if (!NOT_INSTALLED.has(entry)) fs.symlinkSync(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry), "dir");
    }
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "0.0.0" }));
    for (const file of fs.readdirSync(path.join(REPO_ROOT, "test", "fixtures", "consumer"))) {
        fs.copyFileSync(path.join(REPO_ROOT, "test", "fixtures", "consumer", file), path.join(dir, file));
    }
    return { dir, tarball, files: packed.files, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs node (or a node script such as tsc) in the consumer folder. */
export function runInConsumer(consumer: Consumer, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    return runProcess(process.execPath, args, { cwd: consumer.dir, env: { ...cleanEnv(), ...env }, timeoutMs: 180_000 });
}
