/**
 * Names and descriptions that always fit AWS's limits, whatever stack name or S3 key preview accepted.
 */

/**
 * Longest component name: a Lambda function or EventBridge rule name is at most 64 characters, and
 * Pulumi autonames them `<name>-function-<7 random>` and `<name>-schedule-<7 random>`.
 */
export const MAX_REFRESHER_NAME_LENGTH = 64 - "-function".length - 8;
/** Characters every autonamed child accepts (Lambda function names are the narrowest). */
const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** What is wrong with a component name, as phrases; empty when it is fine. */
export function refresherNameProblems(name: string): string[] {
    const out: string[] = [];
    if (!NAME_PATTERN.test(name)) out.push("only letters, digits, - and _");
    if (name.length > MAX_REFRESHER_NAME_LENGTH) {
        out.push(`at most ${MAX_REFRESHER_NAME_LENGTH} characters (the Lambda function and EventBridge rule names derived from it are limited to 64)`);
    }
    return out;
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
