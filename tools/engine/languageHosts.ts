/**
 * Pulumi language hosts the engine tests need beside the CLI, built from their own wrapper Go
 * modules and cached outside the repository by version (like the CLI, tools/engine/pulumiCli.ts).
 * Only the YAML host: the Go module proxy refuses the Node.js, Python, Go and .NET hosts' modules.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot, PulumiCliUnavailable, which, WRAPPER_MODULE_DIR } from "./pulumiCli";

/** tools/engine/yaml: requires github.com/pulumi/pulumi-yaml at the release it builds. */
export const YAML_MODULE_DIR = path.join(path.dirname(WRAPPER_MODULE_DIR), "yaml");
const YAML_HOST_PACKAGE = "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml";

/** The pulumi-yaml release the wrapper module requires. */
export function yamlHostVersion(moduleDir = YAML_MODULE_DIR): string {
    const match = /^\s*github\.com\/pulumi\/pulumi-yaml v(\d+\.\d+\.\d+)\b/m.exec(fs.readFileSync(path.join(moduleDir, "go.mod"), "utf8"));
    if (!match) throw new Error(`${moduleDir}/go.mod does not require github.com/pulumi/pulumi-yaml at a release version`);
    return match[1];
}

/**
 * The folder holding `pulumi-language-yaml` (put it on PATH: the CLI looks for language hosts
 * there), built when missing; written beside, then renamed.
 */
export function findYamlHost(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): string {
    const version = yamlHostVersion();
    const dir = path.join(cacheRoot(env), `pulumi-language-yaml-v${version}`);
    const target = path.join(dir, "pulumi-language-yaml");
    if (fs.existsSync(target)) return dir;
    if (which("go", env) === undefined) {
        throw new PulumiCliUnavailable(`YAML programs need pulumi-language-yaml v${version}: install Go 1.26+ to build it from ${YAML_MODULE_DIR}.`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    log(`Building pulumi-language-yaml v${version} (first run only; about 3 minutes)...`);
    execFileSync("go", [
        "build", "-trimpath", "-ldflags", `-X github.com/pulumi/pulumi-yaml/pkg/version.Version=v${version}`,
        "-o", partial, YAML_HOST_PACKAGE,
    ], { cwd: YAML_MODULE_DIR, env: { ...env, CGO_ENABLED: "0" }, stdio: ["ignore", "inherit", "inherit"] });
    fs.renameSync(partial, target);
    return dir;
}
