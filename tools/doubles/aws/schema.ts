/**
 * The output properties of each resource type, read from the installed @pulumi/aws declarations
 * (`readonly name: pulumi.Output<...>` in the resource class). The real provider reports every one
 * of them, `null` when unset; a property missing from a resource's state would be "unknown" to the
 * program during a preview, which the real provider never causes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Props } from "./wire";

const cache = new Map<string, readonly string[]>();

/** `aws:lambda/function:Function` → `<@pulumi/aws>/lambda/function.d.ts`. */
function declarationFile(type: string): string {
    const match = /^aws:([^/]+)\/([^:]+):/.exec(type);
    if (!match) throw new Error(`not an aws resource type: ${type}`);
    const root = path.dirname(require.resolve("@pulumi/aws/package.json"));
    return path.join(root, match[1], `${match[2]}.d.ts`);
}

export function outputProperties(type: string): readonly string[] {
    let names = cache.get(type);
    if (names === undefined) {
        const text = fs.readFileSync(declarationFile(type), "utf8");
        const classBody = text.slice(text.indexOf("export declare class "));
        names = Object.freeze([...classBody.matchAll(/^ {4}readonly (\w+): pulumi\.Output</gm)].map((m) => m[1]));
        cache.set(type, names);
    }
    return names;
}

/** Every output property of the type present, `null` where the resource has no value. */
export function withEveryOutput(type: string, outs: Props): Props {
    const complete: Props = { ...outs };
    for (const name of outputProperties(type)) {
        if (complete[name] === undefined) complete[name] = null;
    }
    return complete;
}
