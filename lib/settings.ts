/**
 * The component's arguments → a typed, validated, frozen `Settings` object: the one model.
 *
 * `readArguments` takes a `get(key)` that returns an argument's value as given: a string, a number,
 * a list or a map (or, with `text: true`, the text the Pulumi CLI hands a stack program: integers as
 * decimal text, lists and maps as JSON). It checks every argument, collects every problem, and the
 * caller throws ONE `SettingsError` listing all of them, in its own words (the component names
 * arguments; the stack program, in stack/, names configuration keys).
 *
 * Conventions (mirrored by Pulumi.yaml):
 * - `bucket`, `domain` and `repository` are required.
 * - For every optional string argument, `""` means "not set": its default applies (Pulumi.yaml
 *   declares the ones without a natural default with the default `""`, because the Pulumi CLI treats
 *   a declared key without a default as required). `refreshIntervalMinutes: 0` means the derived interval.
 * - `dagsPrefix` may be given with one trailing "/" ("dags/", as the MWAA console shows it); it is
 *   normalised to "dags". File keys (`requirementsKey`, `tokenFileName`) must not end in "/".
 * - `tokenFileName` must end in ".txt": the file lives in the DAGs folder, and a ".py" or ".zip"
 *   name would be picked up by the Airflow DAG processor.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    DEFAULTS as SHARED_DEFAULTS, INDEX_CHECK_SCOPES, INDEX_OPTIONS, NAME_RULES, TOKEN_DURATION, type IndexCheckScope, type IndexOption,
} from "../functions/contract";
import {
    MIN_INTERVAL_MINUTES,
    REQUIRED_FAILURES_SURVIVED,
    defaultRefreshIntervalMinutes,
    failedRefreshesSurvived,
    maxIntervalMinutesSurviving,
} from "./schedule";


export interface Settings {
    readonly bucket: string;
    /** S3 prefix of the MWAA DAGs folder, without leading or trailing "/". */
    readonly dagsPrefix: string;
    readonly requirementsKey: string;
    /** File name (or sub-path) of the token file inside the DAGs folder. */
    readonly tokenFileName: string;
    /** Extra requirements.txt lines written after `-r /usr/local/airflow/dags/<tokenFileName>`. */
    readonly requirements: readonly string[];
    readonly domain: string;
    /** undefined → the deploying account. */
    readonly domainOwner?: string;
    readonly repository: string;
    /** undefined → the AWS provider's region. */
    readonly codeartifactRegion?: string;
    readonly indexOption: IndexOption;
    /** What `pulumi up` checks against the repository's index: every requirement, the token alone, or nothing. */
    readonly indexCheck: IndexCheckScope;
    readonly tokenDurationSeconds: number;
    readonly refreshIntervalMinutes: number;
    readonly kmsKeyArn?: string;
    readonly logRetentionDays: number;
    readonly alarmTopicArn?: string;
    readonly alarmEmail?: string;
    readonly tags: Readonly<Record<string, string>>;
}

/** Defaults of the keys that have one. Pulumi.yaml declares exactly these (a test checks it). */
export const DEFAULTS = Object.freeze({
    dagsPrefix: SHARED_DEFAULTS.dagsPrefix,
    requirementsKey: SHARED_DEFAULTS.requirementsKey,
    tokenFileName: SHARED_DEFAULTS.tokenFileName,
    requirements: Object.freeze([] as string[]),
    indexOption: SHARED_DEFAULTS.indexOption,
    indexCheck: SHARED_DEFAULTS.indexCheck,
    tokenDurationSeconds: SHARED_DEFAULTS.tokenDurationSeconds,
    logRetentionDays: SHARED_DEFAULTS.logRetentionDays,
    tags: Object.freeze({}) as Readonly<Record<string, string>>,
} as const);

/** `refreshIntervalMinutes: 0` (its Pulumi.yaml default) → defaultRefreshIntervalMinutes(duration). */
export const AUTO_REFRESH_INTERVAL = 0;

/**
 * The Pulumi.yaml default of each optional key that has no real default; the value means "not set".
 * (A declared project key without any default would be required by the Pulumi CLI.)
 */
export const UNSET_DEFAULTS = Object.freeze({
    domainOwner: "",
    codeartifactRegion: "",
    refreshIntervalMinutes: AUTO_REFRESH_INTERVAL,
    kmsKeyArn: "",
    alarmTopicArn: "",
    alarmEmail: "",
} as const);

export const REQUIRED_KEYS = Object.freeze(["bucket", "domain", "repository"] as const);

/** Every key parseSettings reads, in Settings order. */
export const CONFIG_KEYS = Object.freeze([
    "bucket",
    "dagsPrefix",
    "requirementsKey",
    "tokenFileName",
    "requirements",
    "domain",
    "domainOwner",
    "repository",
    "codeartifactRegion",
    "indexOption",
    "indexCheck",
    "tokenDurationSeconds",
    "refreshIntervalMinutes",
    "kmsKeyArn",
    "logRetentionDays",
    "alarmTopicArn",
    "alarmEmail",
    "tags",
] as const);
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Keys whose values are never echoed in error messages. None today; add a key here if one is. */
export const SECRET_KEYS: ReadonlySet<string> = new Set<string>();

export const TOKEN_DURATION_MIN_SECONDS = TOKEN_DURATION.min;
export const TOKEN_DURATION_MAX_SECONDS = TOKEN_DURATION.max;

/** CloudWatch Logs PutRetentionPolicy retentionInDays values. */
export const LOG_RETENTION_DAYS: readonly number[] = Object.freeze([
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

/** S3 object tags are limited to 10, provider default tags included; requirements.txt carries them. */
export const MAX_TAGS = 10;
const MAX_S3_KEY_BYTES = 1024;
/**
 * The token key names the metric dimension `s3://<bucket>/<key>`, whose value CloudWatch limits to
 * 1024 characters; with the longest bucket name (63) that leaves 955 for the key.
 */
export const MAX_TOKEN_KEY_BYTES = 1024 - "s3://".length - 63 - "/".length;
const GIVEN_MAX_CHARS = 60;

export interface SettingsProblem {
    /** Config key without namespace; items use Pulumi path syntax: `requirements[2]`, `tags["team"]`. */
    readonly key: string;
    /** What was given, already rendered for display: a quoted, truncated value, "nothing" or "[secret]". */
    readonly given: string;
    /** What would be accepted. */
    readonly allowed: string;
}

/** How a message names what was checked: its first line and what stands before each key. */
export interface Wording {
    /** The first line, before the problem count: `Invalid arguments of CodeArtifactTokenRefresher "x"`. */
    readonly title: string;
    /** Shown before each key: the configuration namespace (`mwaa-codeartifact-token:`), or nothing for arguments. */
    readonly keyPrefix: string;
}

export interface ReadOptions {
    /**
     * Values are configuration text, as the Pulumi CLI hands them to a program: integers as decimal
     * text, lists and maps as JSON text. Without it a string where a number, list or map belongs is refused.
     */
    readonly text?: boolean;
    /** Keys of the AWS provider's `aws:defaultTags`, which requirements.txt receives besides `tags`. */
    readonly providerDefaultTagKeys?: readonly string[];
}

/** One line per problem, after a header line; see formatSettingsProblems. */
export class SettingsError extends pulumi.RunError {
    readonly problems: readonly SettingsProblem[];

    constructor(problems: readonly SettingsProblem[], wording: Wording) {
        super(formatSettingsProblems(problems, wording));
        this.name = "SettingsError";
        this.problems = Object.freeze([...problems]);
    }
}

export function formatSettingsProblems(problems: readonly SettingsProblem[], wording: Wording): string {
    const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    return [
        `${wording.title} (${count}):`,
        ...problems.map((p) => `  - ${wording.keyPrefix}${p.key}: got ${p.given}; allowed: ${p.allowed}`),
    ].join("\n");
}

/**
 * Renders a given value: never a secret, never URL credentials, at most 60 characters; a string
 * quoted, anything else (a number, a list, a map given where it does not belong) as its JSON.
 */
export function renderGiven(topKey: string, value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    if (SECRET_KEYS.has(topKey)) {
        return "[secret]";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const redacted = text.replace(/:\/\/[^/@\s]*@/g, "://***@");
    const chars = [...redacted];
    const shown = chars.length > GIVEN_MAX_CHARS ? `${chars.slice(0, GIVEN_MAX_CHARS - 1).join("")}…` : redacted;
    return typeof value === "string" ? JSON.stringify(shown) : shown;
}

// ---------------------------------------------------------------------------------------------
// Rules. Each returns the phrases of the rules a value breaks (empty = valid).
// ---------------------------------------------------------------------------------------------

const BUCKET_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const BUCKET_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** S3 general purpose bucket naming rules. */
export function bucketNameProblems(name: string): string[] {
    const out: string[] = [];
    if (name.length < 3 || name.length > 63) out.push("3 to 63 characters");
    if (!/^[a-z0-9.-]*$/.test(name)) out.push("only lowercase letters, digits, dots (.) and hyphens (-)");
    if (!/^[a-z0-9](.*[a-z0-9])?$/.test(name)) out.push("starting and ending with a lowercase letter or digit");
    if (name.includes("..")) out.push("no two adjacent periods (..)");
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) out.push("not formatted as an IP address");
    for (const prefix of BUCKET_RESERVED_PREFIXES) {
        if (name.startsWith(prefix)) out.push(`not starting with the reserved prefix ${prefix}`);
    }
    for (const suffix of BUCKET_RESERVED_SUFFIXES) {
        if (name.endsWith(suffix)) out.push(`not ending with the reserved suffix ${suffix}`);
    }
    return out;
}

/** The contract's name rules, compiled. */
const NAMES = Object.fromEntries(Object.entries(NAME_RULES).map(([k, source]) => [k, new RegExp(source)])) as Record<keyof typeof NAME_RULES, RegExp>;
const REGION_SOURCE = NAME_RULES.region.slice(1, -1);
const PARTITION_SOURCE = "aws(?:-[a-z]+)*";
export const SNS_TOPIC_ARN_PATTERN = new RegExp(
    `^arn:${PARTITION_SOURCE}:sns:${REGION_SOURCE}:\\d{12}:(?:[A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\\.fifo)$`,
);
export const EMAIL_PATTERN =
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const SAFE_SEGMENT = /^[A-Za-z0-9!_.*'()-]+$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** S3 key (or key prefix) rules shared by dagsPrefix, requirementsKey and tokenFileName. */
export function s3PathProblems(path: string): string[] {
    const out: string[] = [];
    if (path.startsWith("/")) out.push("no leading /");
    if (path.endsWith("/")) out.push("no trailing /");
    const segments = path.replace(/^\/|\/$/g, "").split("/");
    if (segments.some((s) => s === "")) out.push("no empty segment (//)");
    if (segments.some((s) => s === "." || s === "..")) out.push("no . or .. segment");
    if (segments.some((s) => s !== "" && !SAFE_SEGMENT.test(s))) {
        out.push("only S3-safe characters (letters, digits, ! - _ . * ' ( ) and / between segments)");
    }
    if (Buffer.byteLength(path, "utf8") > MAX_S3_KEY_BYTES) out.push(`at most ${MAX_S3_KEY_BYTES} bytes`);
    return out;
}

interface ForbiddenOption {
    readonly names: readonly string[];
    readonly why: string;
}

/** pip options that would bypass or replace the CodeArtifact index configured by the token file. */
const FORBIDDEN_REQUIREMENT_OPTIONS: readonly ForbiddenOption[] = [
    { names: ["-i", "--index-url"], why: "the token file sets the package index" },
    { names: ["--extra-index-url"], why: "the token file sets the package index" },
    { names: ["--no-index"], why: "it would switch off the CodeArtifact index" },
    { names: ["-f", "--find-links"], why: "packages must come from CodeArtifact" },
    { names: ["-r", "--requirement"], why: "the token file is the only included requirements file" },
    { names: ["--trusted-host"], why: "CodeArtifact is HTTPS; it would switch off TLS verification" },
];
const FORBIDDEN_SUMMARY =
    "a requirement or pip option line (-c/--constraint is fine) without -i/--index-url, --extra-index-url, " +
    "--no-index, -f/--find-links, -r/--requirement or --trusted-host";

function forbiddenOptionIn(line: string): { name: string; why: string } | undefined {
    // pip drops comments: "#" at the start of a line or after whitespace, to the end of the line.
    const code = line.replace(/(^|\s)#.*/g, "");
    for (const token of code.split(/\s/)) {
        for (const option of FORBIDDEN_REQUIREMENT_OPTIONS) {
            for (const name of option.names) {
                const matches = name.startsWith("--")
                    ? token === name || token.startsWith(`${name}=`)
                    : token.startsWith(name);
                if (matches) return { name, why: option.why };
            }
        }
    }
    return undefined;
}

/** Rules for one extra requirements.txt line. */
export function requirementLineProblems(line: string): string[] {
    const out: string[] = [];
    if (line.trim() === "") {
        out.push("a non-empty requirement line");
        return out;
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line)) {
        out.push("a single line without newlines or control characters");
    }
    if (/\\\s*$/.test(line)) out.push("a line not ending in \\ (pip would join it with the next line)");
    const forbidden = forbiddenOptionIn(line);
    if (forbidden) out.push(`${FORBIDDEN_SUMMARY}; ${forbidden.name} is refused because ${forbidden.why}`);
    return out;
}

/** AWS tag rules (the strictest common set across the services this stack tags). */
export function tagProblems(key: string, value: unknown): string[] {
    const out: string[] = [];
    const keyChars = [...key].length;
    if (keyChars < 1 || keyChars > 128) out.push("a tag key of 1 to 128 characters");
    if (key.toLowerCase().startsWith("aws:")) out.push("a tag key not starting with aws: (reserved for AWS)");
    if (!TAG_CHARS.test(key)) out.push("a tag key of letters, digits, spaces and _ . : / = + - @");
    if (typeof value !== "string") {
        out.push('a string tag value (quote numbers and booleans in YAML, e.g. "1234")');
        return out;
    }
    if ([...value].length > 256) out.push("a tag value of at most 256 characters");
    if (!TAG_CHARS.test(value)) out.push("a tag value of letters, digits, spaces and _ . : / = + - @");
    return out;
}

/** `text` parsed as JSON, or undefined when it is not JSON (no JSON text parses to undefined). */
function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

function parseInteger(text: string): number | undefined {
    if (!/^-?\d+$/.test(text)) return undefined;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// parseSettings
// ---------------------------------------------------------------------------------------------

/** Collects every problem while the sections below read their keys. */
class ConfigReader {
    readonly problems: SettingsProblem[] = [];

    constructor(private readonly get: (key: string) => unknown, readonly text: boolean) {}

    read(key: ConfigKey): unknown {
        return this.get(key);
    }

    problem(key: string, given: unknown, allowed: string, topKey: string = key): void {
        this.problems.push({ key, given: renderGiven(topKey, given), allowed });
    }

    /** Required strings: missing → "got nothing"; empty → invalid. */
    required(key: ConfigKey, check: (v: string) => string | undefined): string | undefined {
        const value = this.read(key);
        if (value === undefined) {
            this.problem(key, value, check("") ?? "a non-empty value");
            return undefined;
        }
        return this.checked(key, value, check);
    }

    /** Optional strings: missing or "" → not set. */
    optional(key: ConfigKey, check: (v: string) => string | undefined): string | undefined {
        const value = this.read(key);
        return value === undefined || value === "" ? undefined : this.checked(key, value, check);
    }

    /** Strings with a default: missing or "" → the default. */
    withDefault(key: ConfigKey, fallback: string, check: (v: string) => string | undefined): string {
        const value = this.read(key);
        return value === undefined || value === "" ? fallback : this.checked(key, value, check) ?? fallback;
    }

    /** Integers with a default: missing → default; not an integer, or `ok` false → the problem `allowed`. */
    integer(key: ConfigKey, fallback: number, ok: (n: number) => boolean, allowed: string): { value: number; valid: boolean } {
        const raw = this.read(key);
        if (raw === undefined) return { value: fallback, valid: true };
        const n = typeof raw === "number" ? raw : this.text && typeof raw === "string" ? parseInteger(raw) : undefined;
        if (n === undefined || !Number.isSafeInteger(n) || !ok(n)) {
            this.problem(key, raw, allowed);
            return { value: fallback, valid: false };
        }
        return { value: n, valid: true };
    }

    /** A list or map value, or undefined when unset or not of the expected shape (reported). */
    structure(key: ConfigKey, shapeOk: (parsed: unknown) => boolean, allowed: string): unknown {
        const raw = this.read(key);
        if (raw === undefined) return undefined;
        const parsed = this.text && typeof raw === "string" ? parseJson(raw) : raw;
        if (!shapeOk(parsed)) {
            this.problem(key, raw, allowed);
            return undefined;
        }
        return parsed;
    }

    private checked(key: ConfigKey, value: unknown, check: (v: string) => string | undefined): string | undefined {
        const allowed = typeof value === "string" ? check(value) : "a string";
        if (allowed !== undefined) this.problem(key, value, allowed);
        return allowed === undefined ? value as string : undefined;
    }
}

/**
 * The rules of the arguments that may be Outputs: checked here when given as values, and by the
 * component once an Output resolves. Each returns what is allowed when `v` breaks it.
 */
export const INPUT_RULES = Object.freeze({
    // The verdict is the contract's; bucketNameProblems only says why.
    bucket: (v: string): string | undefined => NAMES.bucket.test(v) ? undefined : v === ""
        ? "an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)"
        : phrase("an S3 bucket name with", bucketNameProblems(v)) ?? "an S3 bucket name",
    domainOwner: (v: string): string | undefined => NAMES.domainOwner.test(v)
        ? undefined
        : 'a 12-digit AWS account ID such as 111122223333 (or "" for the deploying account)',
    codeartifactRegion: (v: string): string | undefined => NAMES.region.test(v)
        ? undefined
        : 'an AWS region code such as us-west-2, eu-central-1, us-gov-west-1 or cn-north-1 (or "" for the AWS provider\'s region)',
    kmsKeyArn: (v: string): string | undefined => {
        if (NAMES.kmsKeyArn.test(v)) return undefined;
        const base = "a KMS key ARN arn:<partition>:kms:<region>:<12-digit account>:key/<key id>";
        return /(^|:)alias\//.test(v)
            ? `${base}; alias ARNs are not allowed because IAM policies scope KMS permissions by key ARN, not by alias`
            : base;
    },
    alarmTopicArn: (v: string): string | undefined => SNS_TOPIC_ARN_PATTERN.test(v)
        ? undefined
        : "an SNS topic ARN arn:<partition>:sns:<region>:<12-digit account>:<topic name of letters, digits, - and _>",
});
export type InputKey = keyof typeof INPUT_RULES;

function phrase(what: string, broken: string[]): string | undefined {
    return broken.length === 0 ? undefined : `${what}: ${broken.join(", ")}`;
}

function readPaths(r: ConfigReader): Pick<Settings, "dagsPrefix" | "tokenFileName" | "requirementsKey"> {
    let dagsPrefix = r.withDefault("dagsPrefix", DEFAULTS.dagsPrefix, (v) => {
        const normalised = v.endsWith("/") ? v.slice(0, -1) : v;
        return phrase("an S3 key prefix (one trailing / is dropped) with", s3PathProblems(normalised));
    });
    if (dagsPrefix.endsWith("/")) dagsPrefix = dagsPrefix.slice(0, -1);

    const tokenFileName = r.withDefault("tokenFileName", DEFAULTS.tokenFileName, (v) => {
        const broken = s3PathProblems(v);
        if (!v.endsWith(".txt") || v.endsWith("/.txt") || v === ".txt") {
            broken.push('a name ending in ".txt" (the DAG processor must never treat it as a DAG or DAG zip)');
        }
        if (broken.length === 0 && Buffer.byteLength(`${dagsPrefix}/${v}`, "utf8") > MAX_TOKEN_KEY_BYTES) {
            broken.push(`a full key ${dagsPrefix}/<name> of at most ${MAX_TOKEN_KEY_BYTES} bytes (it names a CloudWatch metric dimension)`);
        }
        return phrase("a file name or sub-path under the DAGs folder with", broken);
    });
    const tokenKey = `${dagsPrefix}/${tokenFileName}`;

    const requirementsKey = r.withDefault("requirementsKey", DEFAULTS.requirementsKey, (v) => {
        const broken = s3PathProblems(v);
        if (v === tokenKey) broken.push(`a key other than the token file key ${tokenKey}`);
        return phrase("an S3 object key with", broken);
    });
    return { dagsPrefix, tokenFileName, requirementsKey };
}

function readRequirements(r: ConfigReader): string[] {
    const parsed = r.structure("requirements", (p) => Array.isArray(p) && p.every((l) => typeof l === "string"),
        r.text
            ? 'a JSON array of strings, e.g. ["apache-airflow-providers-snowflake==6.1.0"] ' +
              "(pulumi config set --path 'requirements[0]' <line>)"
            : 'a list of strings, e.g. ["apache-airflow-providers-snowflake==6.1.0"]') as string[] | undefined;
    const requirements: string[] = [];
    const seen = new Map<string, number>();
    (parsed ?? []).forEach((line, i) => {
        const broken = requirementLineProblems(line);
        // `pulumi config set --path 'requirements[0]'` over a list that has the line already repeats it.
        const earlier = seen.get(line.trim());
        if (earlier !== undefined) broken.push(`a line not listed already (it repeats requirements[${earlier}])`);
        if (broken.length > 0) r.problem(`requirements[${i}]`, line, broken.join(", "), "requirements");
        else requirements.push(line);
        if (earlier === undefined) seen.set(line.trim(), i);
    });
    return requirements;
}

type CodeArtifactSettings = Pick<Settings, "domainOwner" | "codeartifactRegion" | "indexOption" | "indexCheck"> & {
    readonly domain?: string;
    readonly repository?: string;
};

function readCodeArtifact(r: ConfigReader): CodeArtifactSettings {
    const domainAllowed = "a CodeArtifact domain name: 2 to 50 characters matching [a-z][a-z0-9-]{0,48}[a-z0-9]";
    const domain = r.required("domain", (v) => (NAMES.domain.test(v) ? undefined : domainAllowed));
    const domainOwner = r.optional("domainOwner", INPUT_RULES.domainOwner);
    const repositoryAllowed =
        "a CodeArtifact repository name: 2 to 100 characters matching [A-Za-z0-9][A-Za-z0-9._-]{1,99}";
    const repository = r.required("repository", (v) => (NAMES.repository.test(v) ? undefined : repositoryAllowed));
    const codeartifactRegion = r.optional("codeartifactRegion", INPUT_RULES.codeartifactRegion);
    const indexOption = r.withDefault("indexOption", DEFAULTS.indexOption, (v) =>
        (INDEX_OPTIONS as readonly string[]).includes(v) ? undefined : 'one of "index-url", "extra-index-url"',
    ) as IndexOption;
    const indexCheck = r.withDefault("indexCheck", DEFAULTS.indexCheck, (v) =>
        (INDEX_CHECK_SCOPES as readonly string[]).includes(v)
            ? undefined
            : 'one of "requirements" (the token and every requirement, at pulumi up), "token" (the token alone), "none"',
    ) as IndexCheckScope;
    return {
        domain, repository, indexOption, indexCheck,
        ...(domainOwner !== undefined ? { domainOwner } : {}),
        ...(codeartifactRegion !== undefined ? { codeartifactRegion } : {}),
    };
}

function readSchedule(r: ConfigReader): Pick<Settings, "tokenDurationSeconds" | "refreshIntervalMinutes"> {
    const duration = r.integer("tokenDurationSeconds", DEFAULTS.tokenDurationSeconds,
        (n) => n >= TOKEN_DURATION_MIN_SECONDS && n <= TOKEN_DURATION_MAX_SECONDS,
        `an integer number of seconds from ${TOKEN_DURATION_MIN_SECONDS} to ${TOKEN_DURATION_MAX_SECONDS} ` +
        "(CodeArtifact authorization token lifetime)");
    const tokenDurationSeconds = duration.value;
    const defaultInterval = defaultRefreshIntervalMinutes(tokenDurationSeconds);
    const largest = maxIntervalMinutesSurviving(tokenDurationSeconds, REQUIRED_FAILURES_SURVIVED);
    const allowed = duration.valid
        ? `an integer from ${MIN_INTERVAL_MINUTES} to ${largest} minutes ` +
          `(${largest} is the largest interval at which a ${tokenDurationSeconds} s token survives ` +
          `${REQUIRED_FAILURES_SURVIVED} failed refresh), or ${AUTO_REFRESH_INTERVAL} for the default ` +
          `${defaultInterval} (survives 2)`
        : `an integer of at least ${MIN_INTERVAL_MINUTES} minutes that lets a valid tokenDurationSeconds ` +
          `survive ${REQUIRED_FAILURES_SURVIVED} failed refresh, or ${AUTO_REFRESH_INTERVAL} for the default`;
    const interval = r.integer("refreshIntervalMinutes", defaultInterval, (n) => n === AUTO_REFRESH_INTERVAL || (n >= MIN_INTERVAL_MINUTES &&
        (!duration.valid || failedRefreshesSurvived(tokenDurationSeconds, n) >= REQUIRED_FAILURES_SURVIVED)), allowed);
    const refreshIntervalMinutes = interval.value === AUTO_REFRESH_INTERVAL ? defaultInterval : interval.value;
    return { tokenDurationSeconds, refreshIntervalMinutes };
}

function readOperations(r: ConfigReader): Pick<Settings, "kmsKeyArn" | "logRetentionDays" | "alarmTopicArn" | "alarmEmail"> {
    const kmsKeyArn = r.optional("kmsKeyArn", INPUT_RULES.kmsKeyArn);
    const logRetentionDays = r.integer("logRetentionDays", DEFAULTS.logRetentionDays, (n) => LOG_RETENTION_DAYS.includes(n),
        `one of CloudWatch Logs' retention values ${LOG_RETENTION_DAYS.join(", ")}`).value;
    const alarmTopicArn = r.optional("alarmTopicArn", INPUT_RULES.alarmTopicArn);
    const alarmEmail = r.optional("alarmEmail", (v) =>
        EMAIL_PATTERN.test(v) && v.length <= 254 ? undefined : "an email address such as data-platform@example.com",
    );
    return {
        logRetentionDays,
        ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
        ...(alarmTopicArn !== undefined ? { alarmTopicArn } : {}),
        ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    };
}

function readTags(r: ConfigReader, providerDefaultTagKeys: readonly string[]): Record<string, string> {
    const parsed = r.structure("tags", (p) => typeof p === "object" && p !== null && !Array.isArray(p),
        `a ${r.text ? "JSON object" : "map"} of tag keys to string values, e.g. {"team":"data-platform"}`) as Record<string, unknown> | undefined;
    const tags: Record<string, string> = {};
    if (parsed === undefined) return tags;
    const entries = Object.entries(parsed);
    const defaultKeys = providerDefaultTagKeys.filter((k) => !(k in parsed));
    if (entries.length + defaultKeys.length > MAX_TAGS) {
        const counted = defaultKeys.length === 0 ? "" : `, counting the ${defaultKeys.length} other keys of aws:defaultTags`;
        r.problem("tags", r.read("tags"), `at most ${MAX_TAGS} tags${counted} (requirements.txt is tagged, and S3 objects take at most ${MAX_TAGS})`);
    }
    for (const [key, value] of entries) {
        const broken = tagProblems(key, value);
        if (broken.length > 0) {
            const shownKey = [...key].length > 40 ? `${[...key].slice(0, 39).join("")}…` : key;
            const given = typeof value === "string" ? value : JSON.stringify(value);
            r.problem(`tags[${JSON.stringify(shownKey)}]`, given, broken.join(", "), "tags");
        } else {
            tags[key] = value as string;
        }
    }
    return tags;
}

/** What `readArguments` found: the settings when nothing is wrong, and every problem. */
export interface ReadResult {
    readonly settings?: Settings;
    readonly problems: readonly SettingsProblem[];
}

/**
 * Pure: `get` returns an argument's value as given (see ReadOptions.text), or undefined when unset.
 * Returns the frozen settings, or every problem found; the caller throws them as one SettingsError
 * in its own wording.
 */
export function readArguments(get: (key: string) => unknown, options: ReadOptions = {}): ReadResult {
    const r = new ConfigReader(get, options.text ?? false);
    const bucket = r.required("bucket", INPUT_RULES.bucket);
    const paths = readPaths(r);
    const requirements = readRequirements(r);
    const { domain, repository, ...codeartifact } = readCodeArtifact(r);
    const schedule = readSchedule(r);
    const operations = readOperations(r);
    const tags = readTags(r, options.providerDefaultTagKeys ?? []);
    if (r.problems.length > 0 || bucket === undefined || domain === undefined || repository === undefined) {
        return { problems: r.problems };
    }
    return {
        problems: [],
        settings: Object.freeze({
            bucket, ...paths, requirements: Object.freeze(requirements), domain, repository, ...codeartifact,
            ...schedule, ...operations, tags: Object.freeze(tags),
        }),
    };
}
