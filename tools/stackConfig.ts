/**
 * A stack's configuration exactly as the Pulumi CLI hands it to the program, read offline from
 * `Pulumi.yaml` and `Pulumi.<stack>.yaml`. Pure apart from reading those files: no globals, no
 * Pulumi runtime, no network; the offline preview and the `status` command share it.
 *
 * What the CLI does, and this module mirrors (pulumi/pulumi sdk/go/common/workspace: loaders.go
 * LoadProjectStackBytes, project.go RewriteShorthandConfigValues / Validate / ValidateConfigValue,
 * config.go mergeConfig; sdk/go/common/resource/config: key.go ParseKey, value.go):
 *
 * - Keys are `<namespace>:<name>`. A stack-file key without a namespace belongs to the project
 *   (`bucket` → `mwaa-codeartifact-token:bucket`); the legacy form `<ns>:config:<name>` is `<ns>:<name>`.
 * - Every key declared in Pulumi.yaml's `config:` block that the stack does not set gets the
 *   declaration's `default` (project namespace) or `value` (other namespaces, e.g. `aws:region`).
 *   A short-hand declaration (`key: scalar-or-array`) is a default for a project key and a value
 *   for any other. A project key with neither (`default: null` counts as neither) is required: the
 *   CLI refuses the stack with "Stack 'dev' is missing configuration value 'bucket'".
 * - Values reach the program as strings: scalars as text (`3600` → "3600", `true` → "true", an empty
 *   value → ""), arrays and maps as JSON text (Go's encoding/json: keys sorted, `<`, `>`, `&`
 *   escaped). A project default that is a float or a structured value is JSON text as well.
 * - `{secure: <ciphertext>}` values are decrypted by the CLI and their keys listed in
 *   PULUMI_CONFIG_SECRET_KEYS. Offline there is no key to decrypt with, so the value becomes
 *   "[secret]" (nested secure values inside an array/map too) and the key goes into `secretKeys`.
 *   The ciphertext never leaves this module.
 * - Stack values of keys declared with a `type` are checked against it (string, integer, boolean,
 *   array with items), and such a key declared `secret: true` must be set with `secure:`; failures use
 *   the CLI's own wording. Secure values are not type-checked: they cannot be decrypted here.
 *
 * Not supported offline (each fails with a StackConfigError rather than silently differing from
 * the CLI): ESC environments (`environment:` in the stack file).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { closestKey } from "../stack/settings";

export interface StackConfig {
    /** Project name from Pulumi.yaml: the default config namespace. */
    readonly project: string;
    readonly stack: string;
    /** Namespaced key → the string the program reads (JSON text for arrays/objects), keys sorted. */
    readonly config: Record<string, string>;
    /** Keys whose values were `secure:` (their value here is "[secret]"), sorted. */
    readonly secretKeys: string[];
}

/** What the program sees in place of a value the CLI would decrypt. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A project or stack file the Pulumi CLI would refuse. The message is ready for users. */
export class StackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackConfigError";
    }
}

/** `--stack NAME` names no `Pulumi.NAME.yaml`. */
export class UnknownStackError extends StackConfigError {
    /** Named `stackName`, not `stack`: Error#stack is the trace. */
    readonly stackName: string;
    readonly available: readonly string[];

    constructor(stackName: string, available: readonly string[], dir: string) {
        const list = available.length === 0 ? "none (no Pulumi.<stack>.yaml files)" : available.join(", ");
        super(`Unknown stack "${stackName}": there is no Pulumi.${stackName}.yaml in ${dir}. Existing stacks: ${list}.`);
        this.name = "UnknownStackError";
        this.stackName = stackName;
        this.available = Object.freeze([...available]);
    }
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

interface ProjectFile {
    readonly name: string;
    readonly file: string;
    /** ".yaml" or ".yml": stack files use the project file's extension. */
    readonly ext: string;
    /** Absolute folder of the Pulumi.<stack>.yaml files. */
    readonly stackDir: string;
    readonly declarations: ReadonlyMap<string, Declaration>;
}

interface ItemsType {
    readonly type: string;
    readonly items?: ItemsType;
}

interface Declaration {
    /** Key as written in Pulumi.yaml (used in the CLI's messages). */
    readonly rawKey: string;
    readonly type?: string;
    readonly items?: ItemsType;
    readonly secret: boolean;
    /** `default` (project keys) or `value` (other namespaces); undefined when neither. */
    readonly fallback?: unknown;
}

const STACK_FILE = /^Pulumi\.(.+)\.(yaml|yml)$/;
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

function readYaml(file: string): unknown {
    let text = fs.readFileSync(file, "utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // the CLI strips a UTF-8 BOM
    try {
        // Ints as BigInt so that 64-bit values survive and ints stay distinguishable from floats.
        return parseYaml(text, { intAsBigInt: true, merge: true }) as unknown;
    } catch (err) {
        throw new StackConfigError(`${path.basename(file)}: invalid YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function findProjectFile(dir: string): { file: string; ext: string } | undefined {
    for (const ext of [".yaml", ".yml"]) {
        const file = path.join(dir, `Pulumi${ext}`);
        if (fs.existsSync(file)) return { file, ext };
    }
    return undefined;
}

function readProject(dir: string): ProjectFile {
    const found = findProjectFile(dir);
    if (found === undefined) {
        throw new StackConfigError(`no Pulumi.yaml in ${dir}: not a Pulumi project folder`);
    }
    const raw = readYaml(found.file);
    if (!isRecord(raw) || typeof raw.name !== "string" || raw.name === "") {
        throw new StackConfigError(`${path.basename(found.file)}: project is missing a non-empty string 'name' attribute`);
    }
    const name = raw.name;
    // Legacy: `config: <dir>` meant what `stackConfigDir` means today.
    let stackConfigDir = typeof raw.stackConfigDir === "string" ? raw.stackConfigDir : undefined;
    let configBlock: unknown = raw.config;
    if (typeof configBlock === "string") {
        if (stackConfigDir !== undefined) {
            throw new StackConfigError("Should not use both config and stackConfigDir to define the stack directory. Use only stackConfigDir instead.");
        }
        stackConfigDir = configBlock;
        configBlock = undefined;
    }
    const declarations = new Map<string, Declaration>();
    if (configBlock !== undefined && configBlock !== null) {
        if (!isRecord(configBlock)) {
            throw new StackConfigError(`${path.basename(found.file)}: 'config' must be a map of configuration keys`);
        }
        for (const [rawKey, spec] of Object.entries(configBlock)) {
            const key = parseKey(rawKey, name);
            declarations.set(key, declaration(rawKey, key, name, spec));
        }
    }
    return {
        name,
        file: found.file,
        ext: found.ext,
        stackDir: path.resolve(dir, stackConfigDir ?? "."),
        declarations,
    };
}

function itemsOf(value: unknown): ItemsType | undefined {
    if (!isRecord(value) || typeof value.type !== "string") return undefined;
    const items = itemsOf(value.items);
    return items === undefined ? { type: value.type } : { type: value.type, items };
}

/** One Pulumi.yaml `config:` entry, after the CLI's short-hand rewrite and Validate(). */
function declaration(rawKey: string, key: string, project: string, spec: unknown): Declaration {
    const ofProject = key.startsWith(`${project}:`);
    // Short-hand: a scalar or an array is the default (project key) or the value (other namespace).
    const isShortHand = !isRecord(spec);
    const full: Record<string, unknown> = isShortHand ? (ofProject ? { default: spec } : { value: spec }) : spec;
    const type = typeof full.type === "string" ? full.type : undefined;
    const items = itemsOf(full.items);
    const hasDefault = full.default !== undefined && full.default !== null;
    const hasValue = full.value !== undefined && full.value !== null;
    if (hasDefault && hasValue) {
        throw new StackConfigError(`project config '${rawKey}' cannot have both a 'default' and 'value' attribute`);
    }
    if (ofProject) {
        if (type === "array" && items === undefined) {
            throw new StackConfigError(
                `The configuration key '${rawKey}' declares an array but does not specify the underlying type via the 'items' attribute`,
            );
        }
        if (type !== undefined && hasDefault && !conforms(type, items, full.default)) {
            throw new StackConfigError(
                `The default value specified for configuration key '${rawKey}' is not of the expected type '${typeName(type, items)}'`,
            );
        }
    } else {
        if (type !== undefined) {
            throw new StackConfigError(`Configuration key '${rawKey}' is not namespaced by the project and should not define a type`);
        }
        if (hasDefault) {
            throw new StackConfigError(
                `Configuration key '${rawKey}' is not namespaced by the project and should not define a default value. ` +
                    "Did you mean to use the 'value' attribute instead of 'default'?",
            );
        }
        if (!hasValue) {
            throw new StackConfigError(`Configuration key '${rawKey}' is namespaced and must provide an attribute 'value'`);
        }
    }
    return {
        rawKey,
        ...(type !== undefined ? { type } : {}),
        ...(items !== undefined ? { items } : {}),
        secret: full.secret === true,
        ...(hasDefault ? { fallback: full.default } : hasValue ? { fallback: full.value } : {}),
    };
}

/** Stack names that have a `Pulumi.<stack>.yaml` (or `.yml`) next to the project file, sorted. */
export function listStacks(dir: string = process.cwd()): string[] {
    let stackDir = dir;
    const found = findProjectFile(dir);
    if (found !== undefined) {
        try {
            stackDir = readProject(dir).stackDir;
        } catch {
            // An unreadable project file still lets us list the files next to it.
        }
    }
    let entries: string[];
    try {
        entries = fs.readdirSync(stackDir);
    } catch {
        return [];
    }
    const names = new Set<string>();
    for (const entry of entries) {
        const match = STACK_FILE.exec(entry);
        if (match !== null) names.add(match[1]);
    }
    return [...names].sort();
}

// ---------------------------------------------------------------------------------------------
// Keys and values
// ---------------------------------------------------------------------------------------------

/** ParseKey, plus the stack file's rule that a key without a namespace is the project's. */
function parseKey(raw: string, project: string): string {
    const colons = raw.split(":").length - 1;
    if (colons === 0) return `${project}:${raw}`;
    if (colons === 1) return raw;
    const [ns, module, name] = raw.split(":");
    if (colons === 2 && module === "config" && ns !== "" && name !== "") return `${ns}:${name}`;
    throw new StackConfigError(`could not parse ${raw} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
}

function isSecure(value: unknown): value is { secure: string } {
    return isRecord(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

function hasSecure(value: unknown): boolean {
    if (isSecure(value)) return true;
    if (Array.isArray(value)) return value.some(hasSecure);
    if (isRecord(value)) return Object.values(value).some(hasSecure);
    return false;
}

/** Replaces every nested `{secure: …}` with the placeholder (the CLI would decrypt it in place). */
function blindSecure(value: unknown): unknown {
    if (isSecure(value)) return SECRET_PLACEHOLDER;
    if (Array.isArray(value)) return value.map(blindSecure);
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blindSecure(v)]));
    return value;
}

/**
 * A float as the CLI's YAML round trip prints it (Go strconv.FormatFloat(f, 'g', -1, 64), then
 * yaml.v3's names for the special values): 1.5 → "1.5", 1000000.0 → "1e+06", 1e-5 → "1e-05".
 */
function goYamlFloat(f: number): string {
    if (Number.isNaN(f)) return ".nan";
    if (f === Infinity) return ".inf";
    if (f === -Infinity) return "-.inf";
    if (Object.is(f, -0)) return "-0";
    const [mantissa, expText] = f.toExponential().split("e");
    const exp = Number(expText);
    if (exp < -4 || exp >= 6) {
        return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    }
    return String(f);
}

/** Go encoding/json: object keys sorted, HTML-sensitive characters and U+2028/9 escaped. */
function goJson(value: unknown): string {
    if (value === null || value === undefined) return "null";
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "string") {
        return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    }
    if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
    if (isRecord(value)) {
        const keys = Object.keys(value).sort();
        return `{${keys.map((k) => `${goJson(k)}:${goJson(value[k])}`).join(",")}}`;
    }
    return "null"; // YAML yields nothing else
}

interface Resolved {
    /** What the program reads. */
    readonly text: string;
    readonly secure: boolean;
    /** True for arrays/maps (JSON text). */
    readonly object: boolean;
}

/** A value from the stack file, as config.Value holds it after the CLI's YAML round trip. */
function fromStackFile(value: unknown): Resolved {
    if (isSecure(value)) return { text: SECRET_PLACEHOLDER, secure: true, object: false };
    if (Array.isArray(value) || isRecord(value)) {
        return { text: goJson(blindSecure(value)), secure: hasSecure(value), object: true };
    }
    return { text: scalarText(value), secure: false, object: false };
}

function scalarText(value: unknown): string {
    if (value === null || value === undefined) return ""; // "currently treated as an empty string"
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") return goYamlFloat(value);
    if (typeof value === "boolean") return value ? "true" : "false";
    return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}

/** A Pulumi.yaml default or value, as createConfigValue turns it into a config.Value. */
function fromProjectFile(value: unknown): Resolved {
    if (typeof value === "string" || typeof value === "bigint" || typeof value === "boolean") {
        return { text: scalarText(value), secure: false, object: false };
    }
    // Floats and structured values are JSON-marshalled into an object value.
    return { text: goJson(value), secure: false, object: true };
}

// ---------------------------------------------------------------------------------------------
// Type checks (project.go ValidateConfigValue)
// ---------------------------------------------------------------------------------------------

function typeName(type: string, items: ItemsType | undefined): string {
    return items === undefined ? type : `array<${typeName(items.type, items.items)}>`;
}

/** `value` is a YAML value (project defaults) or what the CLI validates for a stack value. */
function conforms(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "bigint") return true;
            if (typeof value === "number") return Number.isInteger(value);
            // strconv.Atoi: optional sign, decimal digits, 64-bit range.
            if (typeof value === "string" && /^[+-]?\d+$/.test(value)) {
                const n = BigInt(value);
                return n >= -(2n ** 63n) && n < 2n ** 63n;
            }
            return false;
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        default:
            return Array.isArray(value) && items !== undefined && value.every((item) => conforms(items.type, items.items, item));
    }
}

// ---------------------------------------------------------------------------------------------
// loadStackConfig
// ---------------------------------------------------------------------------------------------

/**
 * The configuration the Pulumi CLI would hand the program for `stack`, read from `dir`'s
 * Pulumi.yaml and Pulumi.<stack>.yaml. Throws UnknownStackError when there is no such stack file,
 * StackConfigError for anything else the CLI would refuse before running the program.
 */
export function loadStackConfig(stack: string, dir: string = process.cwd()): StackConfig {
    const project = readProject(dir);
    const { stackFile, shortName } = locateStackFile(stack, dir, project);
    const fileName = path.basename(stackFile);
    const values = stackFileValues(readConfigBlock(stackFile, fileName), project.name, fileName);
    addProjectFallbacks(values, project, shortName);
    checkDeclaredTypes(values, project, shortName);
    return toStackConfig(project.name, shortName, values);
}

/** The stack's file and its short name; UnknownStackError when the name is invalid or the file absent. */
function locateStackFile(stack: string, dir: string, project: ProjectFile): { stackFile: string; shortName: string } {
    // Fully qualified names (org/stack, org/project/stack) use the stack's own name for the file.
    const parts = stack.split("/");
    const shortName = parts[parts.length - 1];
    const stackFile = path.join(project.stackDir, `Pulumi.${shortName}${project.ext}`);
    const valid = parts.length <= 3 && parts.every((p) => STACK_NAME.test(p) && p !== "." && p !== "..");
    if (!valid || !fs.existsSync(stackFile)) {
        throw new UnknownStackError(stack, listStacks(dir), project.stackDir);
    }
    return { stackFile, shortName };
}

/** The stack file's 'config' map, refusing what the CLI would refuse (or could not open offline). */
function readConfigBlock(stackFile: string, fileName: string): Record<string, unknown> {
    const raw = readYaml(stackFile) ?? {};
    if (!isRecord(raw)) {
        throw new StackConfigError(`${fileName}: expected a map with a 'config' key`);
    }
    if (raw.environment !== undefined && raw.environment !== null) {
        throw new StackConfigError(
            `${fileName} imports Pulumi ESC environments ('environment:'), which cannot be opened offline; ` +
                "move the values the preview needs into 'config:'",
        );
    }
    const configBlock = raw.config ?? {};
    if (!isRecord(configBlock)) {
        throw new StackConfigError(`${fileName}: 'config' must be a map of configuration keys`);
    }
    return configBlock;
}

/** The stack file's values by namespaced key; a key set both with and without its namespace is refused. */
function stackFileValues(configBlock: Record<string, unknown>, projectName: string, fileName: string): Map<string, Resolved> {
    const values = new Map<string, Resolved>();
    for (const [rawKey, value] of Object.entries(configBlock)) {
        const key = parseKey(rawKey, projectName);
        if (values.has(key)) {
            throw new StackConfigError(`${fileName}: configuration key '${key}' is set twice (with and without its namespace)`);
        }
        values.set(key, fromStackFile(value));
    }
    return values;
}

/** The project's declarations, sorted by key (the order the CLI reports them in). */
function sortedDeclarations(project: ProjectFile): [string, Declaration][] {
    return [...project.declarations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Project defaults/values for what the stack leaves unset; throws for required keys still missing. */
function addProjectFallbacks(values: Map<string, Resolved>, project: ProjectFile, shortName: string): void {
    const missing: string[] = [];
    const fromStack = new Set(values.keys());
    for (const [key, decl] of sortedDeclarations(project)) {
        if (fromStack.has(key)) continue;
        if (decl.fallback !== undefined) {
            values.set(key, fromProjectFile(decl.fallback));
        } else if (key.startsWith(`${project.name}:`)) {
            missing.push(decl.rawKey);
        }
    }
    if (missing.length > 0) {
        const hints = misplacedKeyHints([...fromStack], project);
        throw new StackConfigError(
            `Stack '${shortName}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${formatMissing(missing)}` +
            hints.map((h) => `\n  - ${h}`).join(""));
    }
}

/**
 * Why a required key may look missing although the stack file sets something like it, so that one
 * run names every mistake: a key the project does not declare (a typo, with its closest declared
 * key), or a declared key written with another project's namespace.
 */
export function misplacedKeyHints(stackKeys: readonly string[], project: { name: string; declarations: ReadonlyMap<string, unknown> }): string[] {
    const declared = [...project.declarations.keys()].filter((k) => k.startsWith(`${project.name}:`)).map((k) => k.slice(project.name.length + 1));
    const hints: string[] = [];
    for (const key of stackKeys) {
        const [namespace, name] = key.includes(":") ? [key.slice(0, key.lastIndexOf(":")), key.slice(key.lastIndexOf(":") + 1)] : [project.name, key];
        if (namespace === project.name && !declared.includes(name)) {
            const meant = closestKey(name, declared);
            hints.push(`'${name}' is set but not declared in Pulumi.yaml${meant ? ` (did you mean '${meant}'?)` : ""}`);
        } else if (namespace !== project.name && namespace !== "aws" && declared.includes(name)) {
            hints.push(`'${key}' has the namespace '${namespace}', but this project is '${project.name}': write it as '${name}' (or '${project.name}:${name}')`);
        }
    }
    return hints;
}

/** Stack values against the declared types (the CLI validates on preview and update). */
function checkDeclaredTypes(values: ReadonlyMap<string, Resolved>, project: ProjectFile, shortName: string): void {
    for (const [key, decl] of sortedDeclarations(project)) {
        const value = values.get(key);
        if (value === undefined || decl.type === undefined) continue; // only typed keys are validated
        if (decl.secret && !value.secure) {
            throw new StackConfigError(`Stack '${shortName}' with configuration key '${decl.rawKey}' must be encrypted as it's secret`);
        }
        if (value.secure) continue;
        const content: unknown = value.object ? JSON.parse(value.text) : value.text;
        if (!conforms(decl.type, decl.items, content)) {
            throw new StackConfigError(
                `Stack '${shortName}' with configuration key '${decl.rawKey}' must be of type '${typeName(decl.type, decl.items)}'`,
            );
        }
    }
}

function toStackConfig(projectName: string, shortName: string, values: ReadonlyMap<string, Resolved>): StackConfig {
    const keys = [...values.keys()].sort();
    return {
        project: projectName,
        stack: shortName,
        config: Object.fromEntries(keys.map((k) => [k, (values.get(k) as Resolved).text])),
        secretKeys: keys.filter((k) => (values.get(k) as Resolved).secure),
    };
}

/** The CLI's formatMissingKeys: 'a' | 'a' and 'b' | 'a', 'b' and 'c'. */
function formatMissing(keys: string[]): string {
    if (keys.length === 1) return `'${keys[0]}'`;
    const sorted = [...keys].sort();
    return `${sorted.slice(0, -1).map((k) => `'${k}'`).join(", ")} and '${sorted[sorted.length - 1]}'`;
}
