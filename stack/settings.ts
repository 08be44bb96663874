/**
 * The stack program's configuration → the component's arguments. The Pulumi CLI hands a program
 * its configuration as text (strings as-is, integers as decimal text, lists and maps as JSON text;
 * Pulumi.yaml's defaults already merged), so the arguments are read in text mode, with the
 * component's rules (lib/settings.ts), and reported in configuration words: `project:key`, the stack
 * named. Two rules are the stack program's own: keys nobody reads (typos the Pulumi CLI accepts
 * silently) and the committed stacks' sample values (samples.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { CodeArtifactTokenRefresherArgs } from "../lib/component";
import { CONFIG_KEYS, readArguments, SettingsError, type Settings, type SettingsProblem, type Wording } from "../lib/settings";
import { pinnedToSampleAccount, sampleValues } from "./samples";

/** The stack program's project name (Pulumi.yaml), and so its configuration namespace. */
export const PROJECT_NAME = "mwaa-codeartifact-token";

export interface ParseContext {
    /** Stack name for the first line of the error message. */
    readonly stack?: string;
    /** Config namespace shown before each key; default PROJECT_NAME. */
    readonly project?: string;
    /**
     * Keys set in the stack's config under the project namespace (without the namespace). When
     * given, keys parseSettings does not know are reported (catches typos in optional keys, which the
     * Pulumi CLI accepts silently).
     */
    readonly setKeys?: readonly string[];
    /** Keys of the AWS provider's `aws:defaultTags`, which requirements.txt receives besides `tags`. */
    readonly providerDefaultTagKeys?: readonly string[];
}

/** How the stack program's messages read: `Invalid configuration for stack dev`, keys as `project:key`. */
export function configWording(context: Pick<ParseContext, "stack" | "project"> = {}): Wording {
    return {
        title: `Invalid configuration${context.stack ? ` for stack ${context.stack}` : ""}`,
        keyPrefix: `${context.project ?? PROJECT_NAME}:`,
    };
}

/**
 * Pure: `get` returns the raw config string for a key (JSON text for arrays/objects) or undefined.
 * Throws one SettingsError listing every problem found.
 */
export function parseSettings(get: (key: string) => string | undefined, context: ParseContext = {}): Settings {
    const read = readArguments(get, { text: true, providerDefaultTagKeys: context.providerDefaultTagKeys ?? [] });
    const problems = [...read.problems, ...unknownKeyProblems(context.setKeys ?? [])];
    if (problems.length > 0 || read.settings === undefined) throw new SettingsError(problems, configWording(context));
    return read.settings;
}

/** Keys set in the stack that nobody reads (typos in optional keys, which the Pulumi CLI accepts silently). */
function unknownKeyProblems(setKeys: readonly string[]): SettingsProblem[] {
    return setKeys.filter((key) => !(CONFIG_KEYS as readonly string[]).includes(key)).map((key) => {
        const suggestion = closestKey(key);
        return {
            key,
            given: "an unknown key",
            allowed: `one of the keys declared in Pulumi.yaml${suggestion ? ` (did you mean ${suggestion}?)` : ""}`,
        };
    });
}

/** The candidate a mistyped key most likely meant (at most 3 edits away), if any. */
export function closestKey(key: string, candidates: readonly string[] = CONFIG_KEYS): string | undefined {
    const lower = key.toLowerCase();
    let best: { key: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const d = levenshtein(lower, candidate.toLowerCase());
        if (d <= 3 && (!best || d < best.distance)) best = { key: candidate, distance: d };
    }
    return best?.key;
}

function levenshtein(a: string, b: string): number {
    let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = cur;
    }
    return prev[b.length];
}

/**
 * Reads the stack's configuration (project namespace by default) and validates it. Throws one
 * SettingsError, which the Pulumi CLI prints without a stack trace.
 */
export function readSettings(config: pulumi.Config = new pulumi.Config()): Settings {
    const prefix = `${config.name}:`;
    const allConfig = pulumi.runtime.allConfig();
    const setKeys = Object.keys(allConfig)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));
    const context = { stack: pulumi.getStack(), project: config.name };
    const settings = parseSettings((key) => config.get(key), { ...context, setKeys, providerDefaultTagKeys: providerDefaultTagKeys() });
    refuseSampleValues(settings, allConfig["aws:allowedAccountIds"], context);
    return settings;
}

/**
 * Sample values deploy only where the AWS provider refuses to deploy: a stack pinned to the
 * documentation account (see samples.ts). Anywhere else each one left is named, with what to do.
 */
export function refuseSampleValues(settings: Settings, allowedAccountIds: string | undefined, context: ParseContext = {}): void {
    if (pinnedToSampleAccount(allowedAccountIds)) return;
    const left = sampleValues(settings);
    if (left.length === 0) return;
    throw new SettingsError(left.map(({ key, value }) => ({
        key,
        given: JSON.stringify(value),
        allowed: `your own value, not the documentation's sample (replace every sample value: README, "Make your own stack")`,
    })), configWording(context));
}

/** Keys of `aws:defaultTags.tags` in the stack's config; none when unset or not an object (the provider reports that). */
export function providerDefaultTagKeys(): string[] {
    const raw = pulumi.runtime.allConfig()["aws:defaultTags"];
    if (raw === undefined) return [];
    try {
        const tags = (JSON.parse(raw) as { tags?: unknown } | null)?.tags;
        return typeof tags === "object" && tags !== null && !Array.isArray(tags) ? Object.keys(tags) : [];
    } catch {
        return [];
    }
}

/** The component's arguments from validated stack settings: the same names, copies of the lists. */
export function stackArgs(settings: Settings): CodeArtifactTokenRefresherArgs {
    return { ...settings, requirements: [...settings.requirements], tags: { ...settings.tags } };
}
