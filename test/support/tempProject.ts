// Temporary Pulumi projects for the stack-config and preview tests, in the OS temp folder, removed
// after the test file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const tempDirs: string[] = [];
after(() => {
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "project-test-"));
    tempDirs.push(dir);
    return dir;
}

/** A temp project: the repo's Pulumi.yaml (or `projectYaml`) plus the given stack files. */
export function tempProject(stacks: Record<string, string>, projectYaml?: string): string {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectYaml ?? fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    for (const [name, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
    return dir;
}
