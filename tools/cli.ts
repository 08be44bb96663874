/**
 * Shared plumbing of the operating commands `status` and `refresh` (not of the offline preview,
 * which has its own parser): argument parsing, settings resolution exactly as the offline preview
 * does it, AWS error classification, secret redaction and duration formatting.
 */
import * as path from "node:path";
import { loadStackConfig, SECRET_PLACEHOLDER, StackConfigError } from "./stackConfig";
import { Settings, SettingsError } from "../lib/settings";
import { parseSettings } from "../stack/settings";
import { UsageError } from "./shared";
import type { AwsLikeError } from "../functions/refresh";

export { humanDuration, partitionOf, UsageError } from "./shared";

/** What a command's `main` writes to and reads from; tests pass their own. */
export interface CliIo {
    /** Receives whole lines including the trailing "\n". */
    readonly stdout: (s: string) => void;
    readonly stderr: (s: string) => void;
    /**
     * The command's environment: PATH (to find the `pulumi` CLI) comes from here. The AWS SDK reads
     * its own settings (credentials chain, AWS_PROFILE, AWS_ENDPOINT_URL_S3, ...) from process.env.
     */
    readonly env: NodeJS.ProcessEnv;
    /** Clock for "time left"; default Date.now. */
    readonly now?: () => number;
}

/** Exit codes shared by the operating commands. */
export const EXIT = Object.freeze({
    /** status: token fresh and requirements.txt references it; refresh: refreshed. */
    OK: 0,
    /** status: token stale, expired or missing, or requirements.txt does not use it; refresh: the function failed. */
    PROBLEM: 1,
    /** Bad usage, invalid configuration, unknown stack, function name not found. */
    USAGE: 2,
    /** AWS could not be asked: no credentials, access denied, no such bucket/function, network, ... */
    AWS: 3,
});

export interface CliOptions {
    readonly stack?: string;
    readonly json: boolean;
    /** Project directory (holds Pulumi.yaml), absolute. */
    readonly cwd: string;
    readonly functionName?: string;
    readonly help: boolean;
}

const VALUE_FLAGS = { "--stack": "stack", "--cwd": "cwd", "--function": "functionName" } as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

/**
 * Parses `--stack NAME`, `--json`, `--cwd DIR`, `--function NAME` (only when `allowFunction`) and
 * `--help`/`-h`; `--flag=value` works too. Throws UsageError for anything else, a missing value or a
 * repeated flag. `--stack` is required unless `--help` is given.
 */
export function parseArgs(argv: readonly string[], opts: { allowFunction: boolean; defaultCwd: string }): CliOptions {
    const values: Partial<Record<"stack" | "cwd" | "functionName", string>> = {};
    let json = false;
    let help = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") {
            help = true;
            continue;
        }
        if (arg === "--json") {
            json = true;
            continue;
        }
        const eq = arg.indexOf("=");
        const flag = eq > 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
        if (flag === "--json" || flag === "--help") {
            throw new UsageError(`${flag} takes no value`);
        }
        if (!(flag in VALUE_FLAGS) || (flag === "--function" && !opts.allowFunction)) {
            throw new UsageError(arg.startsWith("-") ? `unknown option ${flag}` : `unexpected argument ${JSON.stringify(arg)}`);
        }
        const name = VALUE_FLAGS[flag as ValueFlag];
        let value: string | undefined;
        if (eq > 0 && flag !== arg) {
            value = arg.slice(eq + 1);
        } else {
            value = argv[i + 1];
            if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            i++;
        }
        if (value === "") throw new UsageError(`${flag} needs a non-empty value`);
        if (values[name] !== undefined) throw new UsageError(`${flag} given twice`);
        values[name] = value;
    }
    if (!help && values.stack === undefined) throw new UsageError("--stack NAME is required");
    return {
        ...(values.stack !== undefined ? { stack: values.stack } : {}),
        json,
        cwd: path.resolve(opts.defaultCwd, values.cwd ?? "."),
        ...(values.functionName !== undefined ? { functionName: values.functionName } : {}),
        help,
    };
}

export interface ResolvedStack {
    readonly project: string;
    readonly stack: string;
    readonly settings: Settings;
    /** The stack's `aws:region`, else AWS_REGION, else AWS_DEFAULT_REGION; undefined: left to the SDK. */
    readonly region?: string;
}

/**
 * Settings exactly as the offline preview resolves them: Pulumi.yaml + Pulumi.<stack>.yaml through
 * loadStackConfig, then parseSettings on the project namespace. Throws StackConfigError
 * (UnknownStackError included) or SettingsError; both carry user-ready messages.
 */
export function resolveStack(stack: string, dir: string, env: NodeJS.ProcessEnv = {}): ResolvedStack {
    const loaded = loadStackConfig(stack, dir);
    const prefix = `${loaded.project}:`;
    const setKeys = Object.keys(loaded.config)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length));
    const settings = parseSettings((k) => loaded.config[`${loaded.project}:${k}`], {
        stack: loaded.stack,
        project: loaded.project,
        setKeys,
    });
    // Same fallbacks as the offline preview; when none applies the SDK may still find one (profile).
    const region = loaded.config["aws:region"] || env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (region === SECRET_PLACEHOLDER) {
        throw new StackConfigError(`Stack '${loaded.stack}' sets aws:region as a secret, which cannot be read offline`);
    }
    return {
        project: loaded.project,
        stack: loaded.stack,
        settings,
        ...(region !== undefined && region !== "" ? { region } : {}),
    };
}

/** The message of a configuration error, or undefined when `err` is not one. */
export function configErrorMessage(err: unknown): string | undefined {
    if (err instanceof SettingsError || err instanceof StackConfigError) return err.message;
    return undefined;
}

/** A command that got past its prologue: the parsed options and the stack's settings. */
export interface CommandStart {
    readonly options: CliOptions;
    readonly resolved: ResolvedStack;
}

/**
 * The prologue of an operating command's `main`: parses `argv` (usage error → message and `usage`
 * on stderr, EXIT.USAGE; `--help` → `usage` on stdout, EXIT.OK), then resolves the stack
 * (configuration error → message on stderr, EXIT.USAGE). Returns the exit code to end with, or the
 * options and resolved stack to go on with. Any other error is thrown.
 */
export function startCommand(argv: readonly string[], io: CliIo, opts: { usage: string; allowFunction: boolean }): number | CommandStart {
    let options;
    try {
        options = parseArgs(argv, { allowFunction: opts.allowFunction, defaultCwd: process.cwd() });
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        io.stderr(`error: ${err.message}\n\n${opts.usage}\n`);
        return EXIT.USAGE;
    }
    if (options.help) {
        io.stdout(`${opts.usage}\n`);
        return EXIT.OK;
    }
    let resolved;
    try {
        resolved = resolveStack(options.stack as string, options.cwd, io.env);
    } catch (err) {
        const message = configErrorMessage(err);
        if (message === undefined) throw err;
        io.stderr(`error: ${message}\n`);
        return EXIT.USAGE;
    }
    return { options, resolved };
}

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

export const REDACTED = "[redacted]";

/**
 * Hides anything that looks like a CodeArtifact token: the password of URL userinfo
 * (`https://aws:<token>@host/` → `https://aws:[redacted]@host/`, any user name), and every run of
 * 100 or more base64 / base64url / percent-encoding characters (A-Z a-z 0-9 + / = _ - . %).
 * ARNs and email addresses (`arn:aws:sts::1:assumed-role/r/alice@example.com`) stay readable.
 * Pure and idempotent.
 */
export function redactSecrets(text: string): string {
    return text
        .replace(/(\/\/[^\s:/@]+:)[^\s@]*@/g, `$1${REDACTED}@`)
        .replace(/[A-Za-z0-9+/=_.%-]{100,}/g, REDACTED);
}

/** One line, redacted, at most `max` characters: for messages that came from AWS or the function. */
export function oneLine(text: string, max = 500): string {
    const flat = redactSecrets(text).replace(/\s*[\r\n]+\s*/g, " ").trim();
    return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// ---------------------------------------------------------------------------------------------
// AWS errors
// ---------------------------------------------------------------------------------------------


export function errorName(err: unknown): string {
    const e = (err ?? {}) as AwsLikeError;
    if (typeof e.name === "string" && e.name !== "") return e.name;
    if (typeof e.name === "number") return String(e.name); // S3 HEAD errors have no body: the status is the name
    if (typeof e.Code === "string" && e.Code !== "") return e.Code;
    return "Error";
}

export function errorMessage(err: unknown): string {
    const e = (err ?? {}) as AwsLikeError;
    return typeof e.message === "string" ? e.message : String(err);
}

export function httpStatus(err: unknown): number | undefined {
    return ((err ?? {}) as AwsLikeError).$metadata?.httpStatusCode;
}

/** No credentials could be loaded (the SDK's provider chain gave up, or a profile/SSO problem). */
export function isCredentialsError(err: unknown): boolean {
    const name = errorName(err);
    return name === "CredentialsProviderError" || name === "TokenProviderError";
}

export function noCredentialsMessage(err: unknown): string {
    return (
        "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
        `or run \`aws sso login\` (${oneLine(errorMessage(err), 200)})`
    );
}

/** The region could not be determined (the stack has no aws:region and the SDK found none). */
export function isMissingRegionError(err: unknown): boolean {
    return /Region is missing/i.test(errorMessage(err));
}

/** Credentials exist but AWS refused them. */
export function isRejectedCredentials(err: unknown): boolean {
    return /^(ExpiredToken|ExpiredTokenException|InvalidAccessKeyId|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException|InvalidSignatureException)$/.test(
        errorName(err),
    );
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** Writes `text` as lines to `write`. */
export function writeLines(write: (s: string) => void, lines: readonly string[]): void {
    for (const line of lines) write(`${line}\n`);
}

/** Runs `main` as a process: exit code from its result, unexpected errors as one line (no stack). */
export function runAsProcess(main: (argv: string[], io: CliIo) => Promise<number>): void {
    const io: CliIo = {
        stdout: (s) => void process.stdout.write(s),
        stderr: (s) => void process.stderr.write(s),
        env: process.env,
    };
    main(process.argv.slice(2), io).then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            process.stderr.write(`error: ${oneLine(errorMessage(err))}\n`);
            process.exitCode = EXIT.AWS;
        },
    );
}
