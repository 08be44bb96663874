/** The stack program's component name, derived from the stack's. */
import { createHash } from "node:crypto";
import { MAX_REFRESHER_NAME_LENGTH, refresherNameProblems } from "../lib/naming";

/** Prefix of the stack program's component name, and so of every AWS name it autonames. */
export const STACK_NAME_PREFIX = "mwaa-codeartifact-";
/** Length of the hash that keeps shortened names of different stacks apart. */
const HASH_CHARS = 6;

/**
 * The stack program's component name: `mwaa-codeartifact-<stack>` when that is a valid name (so
 * existing stacks keep theirs), else the stack name with other characters replaced by `-`,
 * shortened, and followed by a hash of the full stack name so that two stacks never share one.
 */
export function refresherNameForStack(stack: string): string {
    const plain = `${STACK_NAME_PREFIX}${stack}`;
    if (refresherNameProblems(plain).length === 0) return plain;
    const hash = createHash("sha256").update(stack, "utf8").digest("hex").slice(0, HASH_CHARS);
    const room = MAX_REFRESHER_NAME_LENGTH - STACK_NAME_PREFIX.length - 1 - HASH_CHARS;
    const safe = stack.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, room);
    return `${STACK_NAME_PREFIX}${safe}-${hash}`;
}
