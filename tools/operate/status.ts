/**
 * `npm run status -- --stack prod [--json] [--cwd DIR]`: is the CodeArtifact token in the MWAA
 * bucket fresh, and does requirements.txt use it?
 *
 * Settings come from Pulumi.yaml + Pulumi.<stack>.yaml exactly as the offline preview reads them.
 * With the caller's AWS credentials (default provider chain; region = the stack's aws:region;
 * AWS_ENDPOINT_URL_S3 is honoured by the SDK) it sends HeadObject for the token file — never
 * GetObject: the body is the secret — and GetObject for requirements.txt.
 *
 * JSON output (`--json`, one object on stdout; advice goes to stderr):
 *   stack                       stack name
 *   bucket, tokenKey, requirementsKey
 *   refreshedAt                 ISO 8601 from the `refreshed-at` metadata, or null
 *   expiresAt                   ISO 8601 from the `token-expires-at` metadata, or null
 *   secondsLeft                 whole seconds until expiresAt (negative once expired), or null
 *   state                       "fresh" | "stale" (less than one refresh interval left) |
 *                               "expired" | "missing" (no token file, or no token-expires-at
 *                               metadata: the bootstrap placeholder before the first refresh)
 *   requirementsReferencesToken true/false: requirements.txt has the exact line
 *                               `-r /usr/local/airflow/dags/<tokenFileName>`; null: no requirements.txt
 *   scheduleExpression          EventBridge rate expression, e.g. "rate(4 hours)"
 *   refreshIntervalMinutes      resolved interval (0 in the config means the default)
 *
 * Exit codes: 0 fresh and referenced by requirements.txt; 1 stale, expired or missing, or
 * requirements.txt missing or not referencing the token file; 2 bad usage, unknown stack or
 * invalid configuration (no region anywhere included); 3 could not check (no credentials, access denied, no such bucket,
 * network or other AWS error). On 2 and 3 stdout stays empty and stderr has one message.
 */
import { GetObjectCommand, HeadObjectCommand, HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import {
    CliIo,
    EXIT,
    errorMessage,
    errorName,
    httpStatus,
    humanDuration,
    isCredentialsError,
    isMissingRegionError,
    isRejectedCredentials,
    noCredentialsMessage,
    oneLine,
    partitionOf,
    ResolvedStack,
    runAsProcess,
    startCommand,
    writeLines,
} from "../cli";
import { scheduleExpression } from "../../lib/schedule";
import { isAccessDenied } from "../../functions/refresh";
import { MWAA_DAGS_MOUNT, requirementsIncludeLine, WIRE } from "../../functions/contract";

/** S3 user metadata written by the refresh function. */
export const EXPIRES_METADATA = WIRE.expiresAtMetadata;
export const REFRESHED_METADATA = WIRE.refreshedAtMetadata;

export const STATUS_USAGE = `Usage: npm run status -- --stack NAME [--json] [--cwd DIR]

Checks the CodeArtifact token file of a stack's MWAA bucket (HeadObject only: the token is never
downloaded) and whether requirements.txt includes it.

  --stack NAME  stack whose Pulumi.NAME.yaml names the bucket (required)
  --json        print one JSON object instead of text
  --cwd DIR     project folder holding Pulumi.yaml (default: current folder)
  -h, --help    show this help

Uses your AWS credentials (AWS_PROFILE, environment, SSO, ...) in the stack's aws:region;
needs s3:GetObject on the token file and on requirements.txt.
Exit codes: 0 fresh; 1 stale, expired or missing token, or requirements.txt does not use it;
2 bad usage or configuration; 3 could not check (credentials, permissions, bucket, network).`;

export type TokenState = "fresh" | "stale" | "missing" | "expired";

export interface StatusReport {
    readonly stack: string;
    readonly bucket: string;
    readonly tokenKey: string;
    readonly requirementsKey: string;
    readonly refreshedAt: string | null;
    readonly expiresAt: string | null;
    readonly secondsLeft: number | null;
    readonly state: TokenState;
    readonly requirementsReferencesToken: boolean | null;
    readonly scheduleExpression: string;
    readonly refreshIntervalMinutes: number;
}

export interface StatusIo extends CliIo {
    readonly clients?: { readonly s3?: S3Client };
}

/** Why the token is "missing", for the message. */
type MissingReason = "no-object" | "no-metadata" | "bad-metadata";

/** Token state from the HeadObject metadata; pure. */
export function tokenState(
    expiresAt: string | undefined,
    nowMs: number,
    refreshIntervalMinutes: number,
): { state: TokenState; expiresMs?: number; secondsLeft?: number } {
    if (expiresAt === undefined) return { state: "missing" };
    const expiresMs = parseIsoDate(expiresAt);
    if (expiresMs === undefined) return { state: "missing" };
    const secondsLeft = Math.floor((expiresMs - nowMs) / 1000);
    const state: TokenState = secondsLeft <= 0 ? "expired" : secondsLeft < refreshIntervalMinutes * 60 ? "stale" : "fresh";
    return { state, expiresMs, secondsLeft };
}

function parseIsoDate(text: string): number | undefined {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim())) return undefined;
    const ms = Date.parse(text.trim());
    return Number.isNaN(ms) ? undefined : ms;
}

/** True when requirements.txt has the exact `-r <mount>/<tokenFileName>` line. Pure. */
export function referencesTokenFile(requirements: string, tokenFileName: string): boolean {
    const wanted = requirementsIncludeLine(tokenFileName);
    return requirements.split(/\r?\n/).some((line) => line.trim() === wanted);
}

function isNotFound(err: unknown): boolean {
    const name = errorName(err);
    return name === "NotFound" || name === "NoSuchKey" || (httpStatus(err) === 404 && name !== "NoSuchBucket");
}


/** One line for an S3 error that stops the check (exit 3). */
function s3ErrorMessage(err: unknown, action: "HeadObject" | "GetObject", bucket: string, key: string, region: string | undefined): string {
    const arn = `arn:${partitionOf(region).partition}:s3:::${bucket}/${key}`;
    if (isCredentialsError(err)) return noCredentialsMessage(err);
    if (isMissingRegionError(err)) return "no AWS region: set aws:region in the stack's Pulumi.<stack>.yaml (or AWS_REGION)";
    if (isRejectedCredentials(err)) {
        return `AWS rejected your credentials (${errorName(err)}): refresh them, e.g. \`aws sso login\`; ${oneLine(errorMessage(err), 200)}`;
    }
    if (errorName(err) === "NoSuchBucket") {
        return `no such bucket: s3://${bucket} does not exist (check bucket in Pulumi.<stack>.yaml, your account and region ${region ?? "(default)"})`;
    }
    if (isAccessDenied(err)) {
        const note = action === "HeadObject"
            ? " (HeadObject needs s3:GetObject; without s3:ListBucket on the bucket S3 also answers 403 for a missing object)"
            : "";
        return `access denied: your credentials lack s3:GetObject on ${arn}${note}`;
    }
    const status = httpStatus(err);
    if (status === 301 || errorName(err) === "PermanentRedirect") {
        return `s3://${bucket} is not in region ${region ?? "(default)"}: fix aws:region in Pulumi.<stack>.yaml`;
    }
    const name = errorName(err);
    const detail = errorMessage(err);
    // S3 HEAD errors carry no body: the SDK names them "Unknown" or after the status code.
    const bodiless = /^(Unknown|UnknownError|\d+)$/.test(name);
    const what = bodiless ? (status ? `HTTP ${status}` : name) : `${name}${status ? ` (HTTP ${status})` : ""}`;
    const shown = detail && !bodiless && detail !== name ? `: ${oneLine(detail, 300)}` : "";
    return `could not check s3://${bucket}/${key}: S3 ${action} failed with ${what}${shown}`;
}

async function bodyText(body: unknown): Promise<string> {
    const b = body as { transformToString?: () => Promise<string> } | undefined;
    if (b && typeof b.transformToString === "function") return b.transformToString();
    return "";
}

export async function main(argv: string[], io: StatusIo): Promise<number> {
    const start = startCommand(argv, io, { usage: STATUS_USAGE, allowFunction: false });
    if (typeof start === "number") return start;
    const { options, resolved } = start;
    const target = targetOf(resolved);

    const answers = await fetchTokenAndRequirements(target, io);
    const fatal = firstFatalError(answers, target);
    if (fatal !== undefined) {
        io.stderr(`error: ${s3ErrorMessage(fatal.err, fatal.action, target.bucket, fatal.key, target.region)}\n`);
        return isMissingRegionError(fatal.err) ? EXIT.USAGE : EXIT.AWS;
    }

    const findings = interpret(answers, target, (io.now ?? Date.now)());
    const report = toReport(target, findings);
    const advice = [tokenAdvice(target, findings), requirementsAdvice(target, findings.references)].filter((a) => a !== undefined);
    if (options.json) {
        io.stdout(`${JSON.stringify(report)}\n`);
        writeLines(io.stderr, advice);
    } else {
        writeLines(io.stdout, [...textReport(target, findings, report), ...(advice.length > 0 ? ["", ...advice] : [])]);
    }
    return findings.token.state === "fresh" && findings.references === true ? EXIT.OK : EXIT.PROBLEM;
}

/** What the check looks at, from the stack's settings. */
interface Target {
    readonly stack: string;
    readonly region: string | undefined;
    readonly bucket: string;
    readonly tokenKey: string;
    readonly tokenFileName: string;
    readonly requirementsKey: string;
    readonly interval: number;
    readonly schedule: string;
}

function targetOf(resolved: ResolvedStack): Target {
    const { settings, stack, region } = resolved;
    return {
        stack,
        region,
        bucket: settings.bucket,
        tokenKey: `${settings.dagsPrefix}/${settings.tokenFileName}`,
        tokenFileName: settings.tokenFileName,
        requirementsKey: settings.requirementsKey,
        interval: settings.refreshIntervalMinutes,
        schedule: scheduleExpression(settings.refreshIntervalMinutes),
    };
}

/** How the two S3 requests ended; requirements.txt as text. */
interface S3Answers {
    readonly head: PromiseSettledResult<HeadObjectCommandOutput>;
    readonly requirements: PromiseSettledResult<string>;
}

/** HeadObject on the token file (never GetObject: its body is the secret), GetObject on requirements.txt. */
async function fetchTokenAndRequirements(target: Target, io: StatusIo): Promise<S3Answers> {
    const { region, bucket, tokenKey, requirementsKey } = target;
    const s3 =
        io.clients?.s3 ??
        new S3Client({
            ...(region !== undefined ? { region } : {}),
            requestHandler: { connectionTimeout: 5000, requestTimeout: 20000, throwOnRequestTimeout: true },
        });
    const [head, requirements] = await Promise.allSettled([
        s3.send(new HeadObjectCommand({ Bucket: bucket, Key: tokenKey })),
        s3.send(new GetObjectCommand({ Bucket: bucket, Key: requirementsKey })).then((out) => bodyText(out.Body)),
    ]);
    if (io.clients?.s3 === undefined) s3.destroy();
    return { head, requirements };
}

interface FatalError {
    readonly err: unknown;
    readonly action: "HeadObject" | "GetObject";
    readonly key: string;
}

/** The S3 error that stops the check (a missing object does not), or undefined. */
function firstFatalError(answers: S3Answers, target: Target): FatalError | undefined {
    const attempts: FatalError[] = [
        { err: rejection(answers.head), action: "HeadObject", key: target.tokenKey },
        { err: rejection(answers.requirements), action: "GetObject", key: target.requirementsKey },
    ];
    const fatal = attempts.filter(({ err }) => err !== undefined && !isNotFound(err));
    // Problems that affect both requests first, so the message names the real cause.
    return (
        fatal.find(({ err }) => isCredentialsError(err) || isMissingRegionError(err) || isRejectedCredentials(err)) ??
        fatal.find(({ err }) => errorName(err) === "NoSuchBucket") ??
        fatal[0]
    );
}

function rejection(result: PromiseSettledResult<unknown>): unknown {
    return result.status === "rejected" ? (result.reason as unknown) : undefined;
}

/** What the answers say about the token and requirements.txt at `now`. */
interface Findings {
    readonly now: number;
    readonly token: ReturnType<typeof tokenState>;
    /** The token-expires-at metadata as found, for the message when it is no date. */
    readonly rawExpires: string | undefined;
    readonly missingReason: MissingReason | undefined;
    readonly refreshedMs: number | undefined;
    readonly references: boolean | null;
}

function interpret(answers: S3Answers, target: Target, now: number): Findings {
    const headOut = answers.head.status === "fulfilled" ? answers.head.value : undefined;
    const metadata = headOut?.Metadata ?? {};
    const rawExpires = metadata[EXPIRES_METADATA];
    const rawRefreshed = metadata[REFRESHED_METADATA];
    const token = tokenState(rawExpires, now, target.interval);
    const missingReason: MissingReason | undefined =
        token.state !== "missing" ? undefined : headOut === undefined ? "no-object" : rawExpires === undefined ? "no-metadata" : "bad-metadata";
    const reqText = answers.requirements.status === "fulfilled" ? answers.requirements.value : undefined;
    return {
        now,
        token,
        rawExpires,
        missingReason,
        refreshedMs: rawRefreshed === undefined ? undefined : parseIsoDate(rawRefreshed),
        references: reqText === undefined ? null : referencesTokenFile(reqText, target.tokenFileName),
    };
}

function toReport(target: Target, findings: Findings): StatusReport {
    const { token, refreshedMs } = findings;
    return {
        stack: target.stack,
        bucket: target.bucket,
        tokenKey: target.tokenKey,
        requirementsKey: target.requirementsKey,
        refreshedAt: refreshedMs === undefined ? null : new Date(refreshedMs).toISOString(),
        expiresAt: token.expiresMs === undefined ? null : new Date(token.expiresMs).toISOString(),
        secondsLeft: token.secondsLeft ?? null,
        state: token.state,
        requirementsReferencesToken: findings.references,
        scheduleExpression: target.schedule,
        refreshIntervalMinutes: target.interval,
    };
}

/** What to do about a token that is not fresh; undefined when it is. */
function tokenAdvice(target: Target, findings: Findings): string | undefined {
    const { stack, bucket, tokenKey, interval } = target;
    const refreshHint = `npm run refresh -- --stack ${stack}`;
    switch (findings.missingReason ?? findings.token.state) {
        case "no-object":
            return (
                `The token file s3://${bucket}/${tokenKey} is missing: deploy the stack (pulumi up --stack ${stack}), ` +
                `then run \`${refreshHint}\`.`
            );
        case "no-metadata":
            return (
                `The token file is missing its ${EXPIRES_METADATA} metadata: it is still the bootstrap placeholder, ` +
                `the refresh function has not written a token yet. Run \`${refreshHint}\` and check the function's logs.`
            );
        case "bad-metadata":
            return (
                `The token file's ${EXPIRES_METADATA} metadata ${JSON.stringify(oneLine(findings.rawExpires ?? "", 60))} is not an ISO 8601 date ` +
                `(not written by the refresh function?). Run \`${refreshHint}\`.`
            );
        case "expired":
            return (
                `The token expired ${humanDuration(findings.token.secondsLeft ?? 0)} ago: new MWAA workers cannot install packages from CodeArtifact. ` +
                `Run \`${refreshHint}\` and check the function's logs and alarms.`
            );
        case "stale":
            return (
                `Less than one refresh interval (${humanDuration(interval * 60)}) is left: recent scheduled refreshes have failed. ` +
                `Run \`${refreshHint}\` and check the function's logs and alarms.`
            );
        default:
            return undefined;
    }
}

/** What to do when requirements.txt is missing or does not include the token file; undefined when it does. */
function requirementsAdvice(target: Target, references: boolean | null): string | undefined {
    const { stack, bucket, requirementsKey } = target;
    if (references === false) {
        return (
            `s3://${bucket}/${requirementsKey} does not contain the line "${requirementsIncludeLine(target.tokenFileName)}", ` +
            `so MWAA does not use the token: restore it with \`pulumi up --stack ${stack}\` (the stack owns that file).`
        );
    }
    if (references === null) {
        return (
            `no such key: s3://${bucket}/${requirementsKey} does not exist, so MWAA installs nothing from CodeArtifact: ` +
            `create it with \`pulumi up --stack ${stack}\` and check the environment's requirements file setting.`
        );
    }
    return undefined;
}

/** The text output's lines, advice left out. */
function textReport(target: Target, findings: Findings, report: StatusReport): string[] {
    const { stack, bucket, tokenKey, requirementsKey, tokenFileName, interval, schedule } = target;
    const { now, token, references } = findings;
    const when = (iso: string | null, ms: number | undefined, suffix: string) =>
        iso === null || ms === undefined ? "unknown" : `${iso} (${humanDuration((now - ms) / 1000)} ${suffix})`;
    const left =
        token.secondsLeft === undefined ? "unknown" : token.secondsLeft <= 0 ? `none (expired ${humanDuration(token.secondsLeft)} ago)` : humanDuration(token.secondsLeft);
    const reqLine =
        references === null
            ? "missing"
            : references
              ? `references ${MWAA_DAGS_MOUNT}/${tokenFileName}`
              : `does NOT reference ${MWAA_DAGS_MOUNT}/${tokenFileName}`;
    const stateLine = findings.missingReason === "no-metadata" ? "missing (bootstrap placeholder, never refreshed)" : token.state;
    return [
        `Stack:            ${stack}`,
        `Token file:       s3://${bucket}/${tokenKey}`,
        `Last refresh:     ${when(report.refreshedAt, findings.refreshedMs, "ago")}`,
        `Expires:          ${report.expiresAt ?? "unknown"}`,
        `Time left:        ${left}`,
        `State:            ${stateLine}`,
        `requirements.txt: s3://${bucket}/${requirementsKey} ${reqLine}`,
        `Schedule:         ${schedule} (every ${interval} minutes)`,
    ];
}

if (require.main === module) {
    runAsProcess(main);
}
