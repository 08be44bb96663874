/**
 * Names and descriptions that always fit AWS's limits, whatever stack name or S3 key preview accepted.
 */
import { createHash } from "node:crypto";

/** Prefix of the stack program's component name, and so of every AWS name it autonames. */
export const STACK_NAME_PREFIX = "mwaa-codeartifact-";
/**
 * Longest component name: a Lambda function or EventBridge rule name is at most 64 characters, and
 * Pulumi autonames them `<name>-function-<7 random>` and `<name>-schedule-<7 random>`.
 */
export const MAX_REFRESHER_NAME_LENGTH = 64 - "-function".length - 8;
/** Characters every autonamed child accepts (Lambda function names are the narrowest). */
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
/** Length of the hash that keeps shortened names of different stacks apart. */
const HASH_CHARS = 6;

/** What is wrong with a component name, as phrases; empty when it is fine. */
export function refresherNameProblems(name: string): string[] {
    const out: string[] = [];
    if (!NAME_PATTERN.test(name)) out.push("only letters, digits, - and _");
    if (name.length > MAX_REFRESHER_NAME_LENGTH) {
        out.push(`at most ${MAX_REFRESHER_NAME_LENGTH} characters (the Lambda function and EventBridge rule names derived from it are limited to 64)`);
    }
    return out;
}

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

/** `text` if it has at most `max` characters, else its start and end around a middle ellipsis. */
export function fitText(text: string, max: number): string {
    const chars = [...text];
    if (chars.length <= max) return text;
    const head = Math.ceil((max - 1) / 2);
    const tail = max - 1 - head;
    return `${chars.slice(0, head).join("")}…${tail > 0 ? chars.slice(-tail).join("") : ""}`;
}

/** AWS's description limits for the resources the component describes. */
export const DESCRIPTION_LIMITS = { lambdaFunction: 256, eventRule: 512, metricAlarm: 1024 } as const;
