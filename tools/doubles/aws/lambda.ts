/**
 * aws:lambda/function:Function keeps its deployed code (the program's `code` archive) in the cloud
 * folder; aws:lambda/invocation:Invocation runs that code for real, in a Node child process with the
 * function's environment, its AWS SDK clients pointed at the S3 server and the CodeArtifact double,
 * and the function's timeout. A handler that throws fails the invocation with the handler's
 * message, as the provider reports it (terraform-provider-aws internal/service/lambda/invocation.go).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { lambdaRuntimeEnv, runPackagedHandler } from "../lambdaRuntime";
import type { DoubleContext, ResourceModel } from "./context";
import { archiveFiles, requireStr, str, type Props } from "./wire";

const FUNCTION_TYPE = "aws:lambda/function:Function";
const ROLE_TYPE = "aws:iam/role:Role";
/** What Lambda keeps on the function itself and deletes with it (DeleteFunction). */
const PERMISSION_TYPE = "aws:lambda/permission:Permission";
const EVENT_INVOKE_CONFIG_TYPE = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig";
/** The clock shim for the deploy-time IAM wait, compiled beside this file. */
const IAM_CLOCK = path.join(__dirname, "iamClock.js");

/** Lambda's CodeSha256: base64 of the SHA-256 of the package (here of its files, in name order). */
function codeSha256(files: Record<string, string>): string {
    const hash = createHash("sha256");
    for (const name of Object.keys(files).sort()) hash.update(name).update("\0").update(files[name]).update("\0");
    return hash.digest("base64");
}

function deploy(ctx: DoubleContext, name: string, inputs: Props): Props {
    const files = archiveFiles(inputs.code);
    const dir = ctx.cloud.codeDir(name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return { codeSha256: codeSha256(files), sourceCodeSize: Object.values(files).reduce((n, t) => n + Buffer.byteLength(t), 0) };
}

/** CreateFunction refuses a role that does not exist (the provider retries while IAM propagates). */
function assertRoleExists(ctx: DoubleContext, roleArn: string): void {
    const roles = Object.values(ctx.cloud.list(ROLE_TYPE));
    if (!roles.some((role) => role.arn === roleArn)) {
        throw new Error(`creating Lambda Function: InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda. (${roleArn})`);
    }
}

export const functionModel: ResourceModel = {
    create(ctx, inputs) {
        const name = requireStr(inputs, "name");
        assertRoleExists(ctx, requireStr(inputs, "role"));
        const functionArn = `arn:${ctx.partition()}:lambda:${ctx.region()}:${ctx.settings.accountId}:function:${name}`;
        const outs = {
            ...inputs, ...deploy(ctx, name, inputs),
            arn: functionArn,
            qualifiedArn: `${functionArn}:$LATEST`,
            invokeArn: `arn:${ctx.partition()}:apigateway:${ctx.region()}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
            version: "$LATEST",
            lastModified: new Date().toISOString(),
            tagsAll: inputs.tags ?? {},
        };
        ctx.cloud.put(FUNCTION_TYPE, name, outs);
        return { id: name, outs };
    },
    read(ctx, id) {
        return ctx.cloud.get(FUNCTION_TYPE, id);
    },
    update(ctx, id, olds, news) {
        assertRoleExists(ctx, requireStr(news, "role"));
        const code = JSON.stringify(olds.code) === JSON.stringify(news.code) ? {} : deploy(ctx, id, news);
        const kept = Object.fromEntries(["arn", "qualifiedArn", "invokeArn", "version", "codeSha256", "sourceCodeSize"].map((k) => [k, olds[k]]));
        const outs = { ...news, ...kept, ...code, lastModified: new Date().toISOString(), tagsAll: news.tags ?? {} };
        ctx.cloud.put(FUNCTION_TYPE, id, outs);
        return outs;
    },
    /**
     * DeleteFunction also deletes what lives on the function: its resource-based policy (every
     * aws:lambda/permission statement) and its event-invoke configuration. A later delete of those
     * finds nothing, which the provider treats as done (ResourceNotFoundException is ignored in
     * terraform-provider-aws internal/service/lambda/permission.go and function_event_invoke_config.go).
     */
    delete(ctx, id) {
        fs.rmSync(ctx.cloud.codeDir(id), { recursive: true, force: true });
        ctx.cloud.remove(FUNCTION_TYPE, id);
        for (const [type, key] of [[PERMISSION_TYPE, "function"], [EVENT_INVOKE_CONFIG_TYPE, "functionName"]] as const) {
            for (const [childId, child] of Object.entries(ctx.cloud.list(type))) {
                if (functionNameOf(child[key]) === id) ctx.cloud.remove(type, childId);
            }
        }
    },
};

/** The function a name, a partial ARN (`123456789012:function:name`) or an ARN, qualified or not, names. */
export function functionNameOf(reference: unknown): string | undefined {
    if (typeof reference !== "string") return undefined;
    const parts = reference.split(":");
    const at = parts.indexOf("function");
    return at >= 0 && at + 1 < parts.length ? parts[at + 1] : reference.split(":")[0];
}

/** Appends what the function printed to its "log group" in the cloud folder, as CloudWatch Logs would keep it. */
function keepLogs(ctx: DoubleContext, functionName: string, text: string): void {
    const logs = path.join(ctx.cloud.dir, "logs");
    fs.mkdirSync(logs, { recursive: true });
    fs.appendFileSync(path.join(logs, `${functionName}.log`), text);
}

/** Invokes the deployed function synchronously with `event`; returns the handler's result as JSON text. */
export async function invokeFunction(ctx: DoubleContext, functionName: string, event: unknown): Promise<string> {
    const fn = ctx.cloud.get(FUNCTION_TYPE, functionName);
    if (fn === undefined) {
        throw new Error(`ResourceNotFoundException: Function not found: arn:${ctx.partition()}:lambda:${ctx.region()}:${ctx.settings.accountId}:function:${functionName}`);
    }
    const variables = ((fn.environment as { variables?: Record<string, string> } | undefined)?.variables) ?? {};
    const env = lambdaRuntimeEnv({
        variables, region: ctx.region(), scratchDir: ctx.cloud.dir, caFile: ctx.settings.caFile,
        endpoints: { s3: ctx.settings.s3Endpoint, codeartifact: ctx.settings.codeartifactEndpoint },
    });
    const timeoutSeconds = typeof fn.timeout === "number" ? fn.timeout : 3;
    const outcome = await runPackagedHandler(ctx.cloud.codeDir(functionName), env, timeoutSeconds * 1000, { event, preload: IAM_CLOCK });
    keepLogs(ctx, functionName, outcome.stdout + outcome.stderr);
    if (outcome.timedOut) throw new Error(`lambda function (${functionName}) returned error: (Task timed out after ${timeoutSeconds}.00 seconds)`);
    if (!outcome.reported) throw new Error(`lambda function (${functionName}) returned error: (Runtime.ExitError: exit ${String(outcome.code)})`);
    if (outcome.error !== undefined) throw new Error(`lambda function (${functionName}) returned error: (${outcome.error})`);
    return JSON.stringify(outcome.result);
}

function invocationId(functionName: string, qualifier: string, input: string): string {
    return `${functionName}_${qualifier}_${createHash("md5").update(input).digest("hex")}`;
}

/** Default lifecycle scope (CREATE_ONLY): create and every update invoke; delete invokes nothing. */
export const invocationModel: ResourceModel = {
    async create(ctx, inputs) {
        const functionName = requireStr(inputs, "functionName");
        const input = requireStr(inputs, "input");
        const qualifier = str(inputs, "qualifier") ?? "$LATEST";
        const result = await invokeFunction(ctx, functionName, JSON.parse(input));
        return { id: invocationId(functionName, qualifier, input), outs: { ...inputs, qualifier, result } };
    },
    read(_ctx, _id, outs) {
        return outs;
    },
    async update(ctx, _id, _olds, news) {
        const input = requireStr(news, "input");
        const result = await invokeFunction(ctx, requireStr(news, "functionName"), JSON.parse(input));
        return { ...news, qualifier: str(news, "qualifier") ?? "$LATEST", result };
    },
    delete() {
        // CREATE_ONLY: removing the resource calls nothing.
    },
};
