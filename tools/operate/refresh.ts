/**
 * `npm run refresh -- --stack prod [--function NAME] [--json] [--cwd DIR]`: runs the deployed refresh
 * function now (Lambda Invoke, RequestResponse, payload {"source":"manual-refresh"}) and prints the
 * new token's expiry. The token itself never reaches this command: the function returns
 * { bucket, key, endpoint, expiresAt, secondsLeft, versionId? }, and error messages are redacted.
 *
 * Function name: --function, else `pulumi stack output functionName --stack <stack>` run in the
 * project folder (when the pulumi CLI is on PATH), else exit 2.
 *
 * JSON output (`--json`): { stack, functionName, bucket, key, expiresAt, secondsLeft, versionId? }.
 *
 * Exit codes: 0 refreshed; 1 the function ran and failed (FunctionError) or returned something
 * unexpected; 2 bad usage, unknown stack, invalid configuration, function name unknown; 3 could not
 * invoke (no credentials, access denied, no such function, network or other AWS error).
 */
import { spawn } from "node:child_process";
import { InvokeCommand, InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
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
    redactSecrets,
    runAsProcess,
    startCommand,
    writeLines,
} from "../cli";

export { redactSecrets } from "../cli";

export const REFRESH_USAGE = `Usage: npm run refresh -- --stack NAME [--function NAME] [--json] [--cwd DIR]

Runs the stack's token refresh function now and prints the new token's expiry.

  --stack NAME     stack to refresh (its aws:region is used)
  --function NAME  function name or ARN (default: \`pulumi stack output functionName --stack NAME\`)
  --json           print one JSON object instead of text
  --cwd DIR        project folder holding Pulumi.yaml (default: current folder)
  -h, --help       show this help

Uses your AWS credentials (AWS_PROFILE, environment, SSO, ...); needs lambda:InvokeFunction.
Exit codes: 0 refreshed; 1 the function failed; 2 bad usage or configuration;
3 could not invoke (credentials, permissions, no such function, network).`;

/** The event the function receives; it ignores the content, the source shows up in its logs. */
export const MANUAL_REFRESH_EVENT = Object.freeze({ source: "manual-refresh" });

export interface RefreshIo extends CliIo {
    readonly clients?: { readonly lambda?: LambdaClient };
}

export interface RefreshReport {
    readonly stack: string;
    readonly functionName: string;
    readonly bucket: string;
    readonly key: string;
    readonly expiresAt: string;
    readonly secondsLeft: number;
    readonly versionId?: string;
}

class FunctionNameError extends Error {}

/**
 * `pulumi stack output functionName --stack <stack>` in `cwd`, with `env` (its PATH finds pulumi).
 * Throws FunctionNameError with a user-ready message.
 */
export function functionNameFromPulumi(stack: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<string> {
    const hint = "pass --function NAME (find it with `pulumi stack output functionName`)";
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", ["stack", "output", "functionName", "--stack", stack], {
            cwd,
            env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        // Own timer rather than spawn's `timeout`, which stays armed when the spawn itself fails.
        const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
        child.on("error", (e: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            reject(
                new FunctionNameError(
                    e.code === "ENOENT" ? `the pulumi CLI is not on PATH: ${hint}` : `could not run pulumi (${e.message}): ${hint}`,
                ),
            );
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            const name = out.trim();
            if (code === 0 && /^[A-Za-z0-9_:.-]{1,256}$/.test(name)) {
                resolve(name);
                return;
            }
            const why =
                signal !== null
                    ? `was stopped (${signal})`
                    : code !== 0
                      ? `failed: ${oneLine(err.split("\n").find((l) => l.trim() !== "") ?? `exit code ${String(code)}`, 200)}`
                      : name === ""
                        ? "printed no function name"
                        : `printed ${JSON.stringify(oneLine(name, 80))}, not a function name`;
            reject(new FunctionNameError(`\`pulumi stack output functionName --stack ${stack}\` ${why}; ${hint}`));
        });
    });
}

function lambdaErrorMessage(err: unknown, functionName: string, region: string | undefined): string {
    if (isCredentialsError(err)) return noCredentialsMessage(err);
    if (isMissingRegionError(err)) return "no AWS region: set aws:region in the stack's Pulumi.<stack>.yaml (or AWS_REGION)";
    if (isRejectedCredentials(err)) {
        return `AWS rejected your credentials (${errorName(err)}): refresh them, e.g. \`aws sso login\`; ${oneLine(errorMessage(err), 200)}`;
    }
    const name = errorName(err);
    const message = errorMessage(err);
    if (name === "AccessDeniedException" || name === "AccessDenied" || httpStatus(err) === 403) {
        const resource = /on resource: (\S+)/.exec(message)?.[1] ?? functionName;
        return `access denied: your credentials lack lambda:InvokeFunction on ${redactSecrets(resource)}`;
    }
    if (name === "ResourceNotFoundException") {
        return (
            `no such function: ${functionName} does not exist in region ${region ?? "(default)"} ` +
            "(deployed? check --function or `pulumi stack output functionName`)"
        );
    }
    return `could not invoke ${functionName}: ${name}${httpStatus(err) ? ` (HTTP ${String(httpStatus(err))})` : ""}: ${oneLine(message, 300)}`;
}

function decode(payload: Uint8Array | undefined): unknown {
    if (payload === undefined || payload.length === 0) return undefined;
    try {
        return JSON.parse(Buffer.from(payload).toString("utf8")) as unknown;
    } catch {
        return undefined;
    }
}

/** The function's `errorType: errorMessage`, one line, redacted; never the raw payload. */
export function describeFunctionError(functionError: string, payload: Uint8Array | undefined): string {
    const body = decode(payload) as { errorType?: unknown; errorMessage?: unknown } | undefined;
    const type = typeof body?.errorType === "string" ? body.errorType : functionError;
    if (typeof body?.errorMessage !== "string") return `${oneLine(type, 100)} (no error message)`;
    return oneLine(`${type}: ${body.errorMessage}`, 1000);
}

export async function main(argv: string[], io: RefreshIo): Promise<number> {
    const start = startCommand(argv, io, { usage: REFRESH_USAGE, allowFunction: true });
    if (typeof start === "number") return start;
    const { options, resolved } = start;
    const { stack, region } = resolved;

    const functionName = options.functionName ?? (await functionNameOrExit(stack, options.cwd, io));
    if (typeof functionName === "number") return functionName;
    const response = await invokeOrExit(functionName, region, io);
    if (typeof response === "number") return response;
    const report = reportFromResponse(stack, functionName, response);
    if (typeof report === "string") {
        io.stderr(`error: ${report}\n`);
        return EXIT.PROBLEM;
    }
    printReport(report, options.json, io);
    return EXIT.OK;
}

/** The function name from `pulumi stack output`, or EXIT.USAGE after saying why there is none. */
async function functionNameOrExit(stack: string, cwd: string, io: RefreshIo): Promise<string | number> {
    try {
        return await functionNameFromPulumi(stack, cwd, io.env);
    } catch (err) {
        if (!(err instanceof FunctionNameError)) throw err;
        io.stderr(`error: ${err.message}\n`);
        return EXIT.USAGE;
    }
}

/** Invokes the function with the manual-refresh event; the exit code after an AWS error. */
async function invokeOrExit(functionName: string, region: string | undefined, io: RefreshIo): Promise<InvokeCommandOutput | number> {
    const lambda = io.clients?.lambda ?? new LambdaClient({ ...(region !== undefined ? { region } : {}) });
    try {
        return await lambda.send(
            new InvokeCommand({
                FunctionName: functionName,
                InvocationType: "RequestResponse",
                Payload: Buffer.from(JSON.stringify(MANUAL_REFRESH_EVENT)),
            }),
        );
    } catch (err) {
        io.stderr(`error: ${lambdaErrorMessage(err, functionName, region)}\n`);
        return isMissingRegionError(err) ? EXIT.USAGE : EXIT.AWS;
    } finally {
        if (io.clients?.lambda === undefined) lambda.destroy();
    }
}

/**
 * The report for the function's answer, or the message (exit 1) when the function failed or
 * answered something this project's function would not.
 */
function reportFromResponse(stack: string, functionName: string, response: InvokeCommandOutput): RefreshReport | string {
    if (response.FunctionError !== undefined) {
        return `refresh function ${functionName} failed: ${describeFunctionError(response.FunctionError, response.Payload)}`;
    }
    const result = decode(response.Payload) as Record<string, unknown> | undefined;
    const expiresMs = typeof result?.expiresAt === "string" ? Date.parse(result.expiresAt) : NaN;
    if (
        result === undefined ||
        typeof result.bucket !== "string" ||
        typeof result.key !== "string" ||
        Number.isNaN(expiresMs) ||
        typeof result.secondsLeft !== "number"
    ) {
        const shape = result !== undefined && typeof result === "object" ? `keys ${Object.keys(result).slice(0, 10).join(", ") || "none"}` : "no JSON object";
        return (
            `refresh function ${functionName} returned an unexpected result (${oneLine(shape, 200)}); ` +
            "expected { bucket, key, expiresAt, secondsLeft }: is it this project's function?"
        );
    }
    return {
        stack,
        functionName,
        bucket: result.bucket,
        key: result.key,
        expiresAt: new Date(expiresMs).toISOString(),
        secondsLeft: result.secondsLeft,
        ...(typeof result.versionId === "string" ? { versionId: result.versionId } : {}),
    };
}

function printReport(report: RefreshReport, json: boolean, io: RefreshIo): void {
    if (json) {
        io.stdout(`${JSON.stringify(report)}\n`);
        return;
    }
    writeLines(io.stdout, [
        `Refreshed s3://${oneLine(report.bucket, 100)}/${oneLine(report.key, 1024)} with ${report.functionName}`,
        `Expires:   ${report.expiresAt}`,
        `Time left: ${humanDuration(report.secondsLeft)}`,
        ...(report.versionId !== undefined ? [`Version:   ${oneLine(report.versionId, 1100)}`] : []),
    ]);
}

if (require.main === module) {
    runAsProcess(main);
}
