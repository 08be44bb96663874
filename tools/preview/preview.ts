/**
 * Offline `pulumi preview`: evaluates the real program (index.ts) for one stack under the
 * mock engine (tools/preview/mocks.ts: mocked AWS account 111122223333, the stack's aws:region), with
 * the configuration the Pulumi CLI would hand it (tools/stackConfig.ts), and prints what
 * `pulumi up` would create. No Pulumi CLI, no AWS credentials, no network.
 *
 *   npm run preview:offline -- [--stack NAME] [--json] [--out DIR] [--cwd DIR]
 *   node scripts/ts.js tools/preview/preview.ts [...]     (what that npm script runs)
 *
 *   --stack NAME  stack to preview (a Pulumi.NAME.yaml must exist); default dev
 *   --json        print one JSON document (below) instead of the text tree
 *   --out DIR     also write the artifacts: DIR/lambda/<file> (the Lambda package), DIR/lambda.zip,
 *                 DIR/s3/<key> (each S3 object's content: requirements.txt and the token file's
 *                 bootstrap text, which holds no token), DIR/iam/<role>.trust.json and
 *                 DIR/iam/<role policy>.json (pretty-printed), DIR/preview.json (the JSON document)
 *   --cwd DIR     project folder to read Pulumi.yaml and Pulumi.<stack>.yaml from; default the
 *                 current folder. The program itself is always the one next to this script.
 *
 * Exit codes: 0 preview succeeded; 2 the stack cannot be previewed as configured (unknown stack,
 * configuration the CLI or the program refuses, bad flag), message on stderr without a stack trace;
 * 1 anything else (a bug), with its stack trace.
 *
 * The program runs with preview=false so every value is concrete (realistic ARNs and names from the
 * mocks); each resource is reported with the operation `create`, as for a stack never deployed.
 * `secure:` config values cannot be decrypted offline: the program sees "[secret]" instead, and no
 * value of a secret key, no secret output and no ciphertext is ever printed or written.
 *
 * JSON document (--json, and DIR/preview.json), version 1. Key order as shown; arrays in tree order
 * (depth first, children in construction order):
 *
 *   {
 *     "version": 1,
 *     "project": "mwaa-codeartifact-token",
 *     "stack": "dev",
 *     "config": { "<namespace>:<key>": "<value as the program reads it: JSON text for arrays and
 *                 maps>" | "[secret]" },                                   // keys sorted
 *     "resources": [
 *       {
 *         "type": "aws:s3/bucketObjectv2:BucketObjectv2",                 // full type token
 *         "name": "mwaa-codeartifact-dev-requirements",                   // logical name
 *         "parent": "mwaa-codeartifact-dev" | null,                       // logical name; null for the stack
 *         "op": "create",
 *         "inputs": { ...key inputs, per type (see keyInputs below) }
 *       }
 *     ],
 *     "outputs": { "<export>": <value> | "[secret]" },                     // export order
 *     "summary": {
 *       "resourceCount": 16,                                               // === resources.length, stack included
 *       "lambdaPackage": { "files": 1, "zippedBytes": 2345 } | null,       // null: no Lambda function
 *       "scheduleExpression": "rate(20 minutes)" | null,                   // null: output missing
 *       "worstCaseTokenSecondsLeft": 2400 | null,
 *       "failedRefreshesSurvived": 2 | null
 *     }
 *   }
 *
 * Key inputs per type: S3 objects bucket, key, contentType, serverSideEncryption, kmsKeyId,
 * cacheControl, contentBytes, and content for the requirements file only; IAM roles
 * trustStatements and IAM role policies role + statements, each [{sid, effect, actions,
 * principal?, resources?, condition?}]; the function runtime, architectures, memorySize, timeout,
 * handler, role, logGroup, environment, packageFiles; the schedule rule scheduleExpression; alarms
 * namespace, metricName, dimensions, statistic, comparisonOperator, threshold, period,
 * evaluationPeriods, datapointsToAlarm, treatMissingData, alarmActions; the rest their
 * identifying inputs. Absent inputs are omitted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type * as Pulumi from "@pulumi/pulumi";
import { SECRET_PLACEHOLDER, StackConfigError, loadStackConfig, type StackConfig } from "../stackConfig";
import { drainRegistrations, type RecordingMocks, type Registration } from "./mocks";
import { humanDuration, UsageError } from "../shared";
import type { LambdaPackage } from "./lambdaPackage";

/** The mocked caller account. Fixed, whatever the stack's domainOwner. */
export const PREVIEW_ACCOUNT = "111122223333";
export const JSON_VERSION = 1;

const USAGE = `Usage: npm run preview:offline -- [--stack NAME] [--json] [--out DIR] [--cwd DIR] [--help]

Evaluates the Pulumi program offline (mocked AWS account ${PREVIEW_ACCOUNT}) and shows what
\`pulumi up\` would create for the stack.

  --stack NAME  stack to preview, from Pulumi.NAME.yaml (default: dev)
  --json        print one JSON document instead of the text tree
  --out DIR     also write the Lambda package, S3 objects, IAM documents and preview.json to DIR
  --cwd DIR     project folder holding Pulumi.yaml (default: the current folder)
  --help        show this help
`;

/**
 * The program next to this script, without extension: index.ts when run from source
 * (scripts/ts.js), build/index.js from a tsc build (the tests).
 */
const PROGRAM = path.join(__dirname, "..", "..", "index");

// ---------------------------------------------------------------------------------------------
// Failure: reported exactly once, then exit
// ---------------------------------------------------------------------------------------------


/** The program did not complete: exit 1, message only (the trace would point into this script). */
class PreviewError extends Error {}

let exiting = false;

function exitWith(code: number, stream: NodeJS.WriteStream, text: string): void {
    if (exiting) return;
    exiting = true;
    stream.write(text, () => process.exit(code));
}

function isUserError(err: unknown): err is Error {
    if (err instanceof UsageError || err instanceof StackConfigError) return true;
    // pulumi.RunError (SettingsError among them), recognised without loading the SDK.
    return typeof err === "object" && err !== null && (err as { __pulumiRunError?: unknown }).__pulumiRunError === true;
}

function fail(err: unknown): void {
    if (isUserError(err)) {
        const usage = err instanceof UsageError ? `\n${USAGE}` : "";
        exitWith(2, process.stderr, `${err.message}\n${usage}`);
        return;
    }
    const text = err instanceof PreviewError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    exitWith(1, process.stderr, `offline preview failed: ${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

interface Options {
    readonly stack: string;
    readonly json: boolean;
    readonly out?: string;
    readonly cwd: string;
    readonly help: boolean;
}

export function parseOptions(argv: readonly string[]): Options {
    let values: { stack?: string; json?: boolean; out?: string; cwd?: string; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string", short: "s" },
                json: { type: "boolean" },
                out: { type: "string" },
                cwd: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    for (const flag of ["stack", "out", "cwd"] as const) {
        const value = values[flag];
        if (value !== undefined && (value === "" || value.startsWith("-"))) {
            throw new UsageError(`Option '--${flag}' needs a value`);
        }
    }
    return {
        stack: values.stack ?? "dev",
        json: values.json ?? false,
        ...(values.out !== undefined ? { out: path.resolve(values.out) } : {}),
        cwd: path.resolve(values.cwd ?? process.cwd()),
        help: values.help ?? false,
    };
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

interface TreeNode {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly order: number;
}

interface Evaluation {
    readonly nodes: TreeNode[];
    readonly registrations: Registration[];
    /** Export name → value (already "[secret]" for secret outputs), in export order. */
    readonly outputs: Record<string, unknown>;
}

/** Runs the program inside a root Stack resource, as the Node language host does. */
async function evaluate(pulumi: typeof Pulumi, mocks: RecordingMocks, settings: StackConfig): Promise<Evaluation> {
    pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);
    // The SDK rebuilds a failed mock call's error from its gRPC `details`, which a thrown Error
    // lacks: copy the message there so that "unmocked invoke …" reaches the user.
    const withDetails = <T>(op: () => T): T => {
        try {
            return op();
        } catch (err) {
            if (err instanceof Error) Object.assign(err, { details: err.message });
            throw err;
        }
    };
    const engine: Pulumi.runtime.Mocks = {
        newResource: (args) => withDetails(() => mocks.newResource(args)),
        call: (args) => withDetails(() => mocks.call(args)),
    };
    await pulumi.runtime.setMocks(engine, settings.project, settings.stack, false);

    const nodes: TreeNode[] = [];
    const names = new Map<Pulumi.Resource, string>();
    const stackName = `${settings.project}-${settings.stack}`;
    let exports: Record<string, unknown> = {};

    const stackOutputs = (await pulumi.runtime.runInPulumiStack(async () => {
        const root = pulumi.runtime.getStackResource();
        if (root !== undefined) names.set(root, stackName);
        nodes.push({ type: pulumi.runtime.rootPulumiStackTypeName, name: stackName, parent: null, order: 0 });
        // Records every resource's parent as it is constructed (transformations see the parent object).
        pulumi.runtime.registerStackTransformation((args) => {
            names.set(args.resource, args.name);
            const parent = args.opts.parent === undefined ? stackName : (names.get(args.opts.parent) ?? stackName);
            nodes.push({ type: args.type, name: args.name, parent, order: nodes.length });
            return undefined;
        });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const loaded = require(PROGRAM) as unknown;
        const result = typeof loaded === "function" ? await (loaded as () => unknown)() : loaded;
        exports = typeof result === "object" && result !== null ? (result as Record<string, unknown>) : {};
        return exports;
    })) ?? {};

    await drainRegistrations();

    const outputs: Record<string, unknown> = {};
    for (const key of Object.keys(stackOutputs)) {
        const exported = exports[key];
        const secret = pulumi.Output.isInstance(exported) && (await pulumi.isSecret(exported));
        outputs[key] = secret ? SECRET_PLACEHOLDER : stackOutputs[key];
    }
    return { nodes, registrations: [...mocks.registrations], outputs };
}

// ---------------------------------------------------------------------------------------------
// Key inputs
// ---------------------------------------------------------------------------------------------

interface Statement {
    sid?: string;
    effect: string;
    actions: string[];
    principal?: string;
    resources?: string[];
    condition?: Record<string, unknown>;
}

function list(value: unknown): string[] {
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
}

function statementsOf(document: unknown): Statement[] {
    const parsed = typeof document === "string" ? (JSON.parse(document) as unknown) : document;
    const raw = (parsed as { Statement?: unknown } | null)?.Statement;
    const statements = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
    return statements.map((s) => {
        const principal = s.Principal;
        const who = principal === undefined
            ? undefined
            : typeof principal === "string"
                ? principal
                : Object.entries(principal as Record<string, unknown>).map(([kind, ids]) => `${kind} ${list(ids).join(", ")}`).join("; ");
        return {
            ...(typeof s.Sid === "string" ? { sid: s.Sid } : {}),
            effect: String(s.Effect),
            actions: list(s.Action),
            ...(who !== undefined ? { principal: who } : {}),
            ...(s.Resource !== undefined ? { resources: list(s.Resource) } : {}),
            ...(s.Condition !== undefined ? { condition: s.Condition as Record<string, unknown> } : {}),
        };
    });
}

function pick(inputs: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
        const value = inputs[key];
        if (value === undefined || value === null) continue;
        if (Array.isArray(value) && value.length === 0) continue;
        if (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) continue;
        out[key] = value;
    }
    return out;
}

interface KeyInputContext {
    readonly requirementsKey: unknown;
    readonly packageFiles: readonly string[] | undefined;
}

function keyInputs(reg: Registration, ctx: KeyInputContext): Record<string, unknown> {
    const inputs = reg.inputs;
    switch (reg.type) {
        case "aws:s3/bucketObjectv2:BucketObjectv2": {
            const content = typeof inputs.content === "string" ? inputs.content : undefined;
            return {
                ...pick(inputs, ["bucket", "key", "contentType", "serverSideEncryption", "kmsKeyId", "cacheControl"]),
                ...(content !== undefined ? { contentBytes: Buffer.byteLength(content, "utf8") } : {}),
                // Only the requirements file's body is shown; other objects' content is not.
                ...(content !== undefined && inputs.key === ctx.requirementsKey ? { content } : {}),
            };
        }
        case "aws:iam/role:Role":
            return { ...pick(inputs, ["name"]), trustStatements: statementsOf(inputs.assumeRolePolicy) };
        case "aws:iam/rolePolicy:RolePolicy":
            return { ...pick(inputs, ["role"]), statements: statementsOf(inputs.policy) };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { ...pick(reg.state, ["name"]), ...pick(inputs, ["retentionInDays", "kmsKeyId"]) };
        case "aws:lambda/function:Function": {
            const loggingConfig = inputs.loggingConfig as { logGroup?: unknown } | undefined;
            const environment = (inputs.environment as { variables?: unknown } | undefined)?.variables;
            return {
                ...pick(inputs, ["runtime", "architectures", "memorySize", "timeout", "handler", "role"]),
                ...(loggingConfig?.logGroup !== undefined ? { logGroup: loggingConfig.logGroup } : {}),
                ...(environment !== undefined ? { environment } : {}),
                ...(ctx.packageFiles !== undefined ? { packageFiles: [...ctx.packageFiles] } : {}),
            };
        }
        case "aws:lambda/invocation:Invocation":
            return pick(inputs, ["functionName", "input"]);
        case "aws:cloudwatch/eventRule:EventRule":
            return pick(inputs, ["scheduleExpression", "eventPattern", "state"]);
        case "aws:cloudwatch/eventTarget:EventTarget":
            return pick(inputs, ["rule", "arn", "input"]);
        case "aws:lambda/permission:Permission":
            return pick(inputs, ["action", "function", "principal", "sourceArn"]);
        case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
            return pick(inputs, ["functionName", "maximumRetryAttempts", "maximumEventAgeInSeconds"]);
        case "aws:sns/topic:Topic":
            return pick(inputs, ["name", "kmsMasterKeyId"]);
        case "aws:sns/topicSubscription:TopicSubscription":
            return pick(inputs, ["topic", "protocol", "endpoint"]);
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return pick(inputs, [
                "namespace", "metricName", "dimensions", "statistic", "comparisonOperator", "threshold", "period",
                "evaluationPeriods", "datapointsToAlarm", "treatMissingData", "alarmActions",
            ]);
        default:
            return {};
    }
}

/** Replaces every string that is the value of a secret config key (defence in depth). */
function masked<T>(value: T, secrets: ReadonlySet<string>): T {
    if (secrets.size === 0) return value;
    const walk = (v: unknown): unknown => {
        if (typeof v === "string") return secrets.has(v) ? SECRET_PLACEHOLDER : v;
        if (Array.isArray(v)) return v.map(walk);
        if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
    };
    return walk(value) as T;
}

// ---------------------------------------------------------------------------------------------
// Document
// ---------------------------------------------------------------------------------------------

export interface PreviewResource {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly op: "create";
    readonly inputs: Record<string, unknown>;
}

export interface PreviewDocument {
    readonly version: typeof JSON_VERSION;
    readonly project: string;
    readonly stack: string;
    readonly config: Record<string, string>;
    readonly resources: PreviewResource[];
    readonly outputs: Record<string, unknown>;
    /** Config keys still holding the documentation's sample values (stack/samples.ts); [] when none. */
    readonly sampleValues: string[];
    readonly summary: {
        readonly resourceCount: number;
        readonly lambdaPackage: { readonly files: number; readonly zippedBytes: number } | null;
        readonly scheduleExpression: string | null;
        readonly worstCaseTokenSecondsLeft: number | null;
        readonly failedRefreshesSurvived: number | null;
    };
}

/** Depth first from the stack, children in construction order. */
function treeOrder(nodes: readonly TreeNode[]): TreeNode[] {
    const children = new Map<string | null, TreeNode[]>();
    for (const node of nodes) {
        const siblings = children.get(node.parent) ?? [];
        siblings.push(node);
        children.set(node.parent, siblings);
    }
    const out: TreeNode[] = [];
    const seen = new Set<TreeNode>();
    const visit = (node: TreeNode): void => {
        if (seen.has(node)) return;
        seen.add(node);
        out.push(node);
        for (const child of (children.get(node.name) ?? []).sort((a, b) => a.order - b.order)) visit(child);
    };
    for (const root of children.get(null) ?? []) visit(root);
    for (const node of nodes) visit(node); // parents that never registered: keep their children anyway
    return out;
}

function numberOrNull(value: unknown): number | null {
    return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function buildDocument(settings: StackConfig, evaluation: Evaluation, pkg: LambdaPackage | undefined, samples: string[]): PreviewDocument {
    const secrets = new Set(settings.secretKeys.map((k) => settings.config[k]).filter((v) => v !== undefined && v !== ""));
    const outputs = masked(evaluation.outputs, secrets);
    const pool = [...evaluation.registrations];
    const ctx: KeyInputContext = { requirementsKey: outputs.requirementsKey, packageFiles: pkg && Object.keys(pkg.files) };
    const unregistered: string[] = [];
    const resources: PreviewResource[] = treeOrder(evaluation.nodes).map((node) => {
        const index = pool.findIndex((r) => r.type === node.type && r.name === node.name);
        const reg = index >= 0 ? pool.splice(index, 1)[0] : undefined;
        if (reg === undefined) unregistered.push(`${node.type} ${node.name}`);
        return {
            type: node.type,
            name: node.name,
            parent: node.parent,
            op: "create",
            inputs: reg === undefined ? {} : masked(keyInputs(reg, ctx), secrets),
        };
    });
    if (unregistered.length > 0) {
        throw new PreviewError(`the program constructed resources that never reached the engine: ${unregistered.join(", ")}`);
    }
    const config = Object.fromEntries(
        Object.entries(settings.config).map(([k, v]) => [k, settings.secretKeys.includes(k) ? SECRET_PLACEHOLDER : v]),
    );
    return {
        version: JSON_VERSION,
        project: settings.project,
        stack: settings.stack,
        config,
        resources,
        outputs,
        sampleValues: samples,
        summary: {
            resourceCount: resources.length,
            lambdaPackage: pkg === undefined ? null : { files: Object.keys(pkg.files).length, zippedBytes: pkg.zippedBytes },
            scheduleExpression: typeof outputs.scheduleExpression === "string" ? outputs.scheduleExpression : null,
            worstCaseTokenSecondsLeft: numberOrNull(outputs.worstCaseTokenSecondsLeft),
            failedRefreshesSurvived: numberOrNull(outputs.failedRefreshesSurvived),
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** The commands' duration (tools/shared.ts), with the exact seconds. */
function formatDuration(seconds: number): string {
    return `${seconds < 0 ? "-" : ""}${humanDuration(seconds)} (${seconds} s)`;
}

function formatCondition(condition: Record<string, unknown>): string {
    return Object.entries(condition)
        .flatMap(([operator, tests]) =>
            Object.entries(tests as Record<string, unknown>).map(([key, value]) => `${operator} ${key} = ${list(value).join(" | ")}`))
        .join(" and ");
}

function formatStatement(s: Statement): string {
    const sid = s.sid !== undefined ? `${s.sid}: ` : "";
    const effect = s.effect === "Allow" ? "" : `${s.effect} `;
    const target = s.principal !== undefined ? `${s.principal} → ${s.actions.join(", ")}` : `${s.actions.join(", ")} → ${(s.resources ?? []).join(", ")}`;
    const condition = s.condition !== undefined ? ` when ${formatCondition(s.condition)}` : "";
    return `${sid}${effect}${target}${condition}`;
}

function renderValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function inputLines(inputs: Record<string, unknown>, indent: string): string[] {
    const lines: string[] = [];
    for (const [key, value] of Object.entries(inputs)) {
        if ((key === "statements" || key === "trustStatements") && Array.isArray(value)) {
            lines.push(`${indent}${key === "statements" ? "policy" : "trust"}:`);
            for (const s of value as Statement[]) lines.push(`${indent}  ${formatStatement(s)}`);
        } else if (typeof value === "string" && value.includes("\n")) {
            lines.push(`${indent}${key}:`);
            for (const line of value.replace(/\n$/, "").split("\n")) lines.push(`${indent}  | ${line}`);
        } else if (key === "environment" && typeof value === "object" && value !== null) {
            lines.push(`${indent}environment:`);
            for (const [name, v] of Object.entries(value)) lines.push(`${indent}  ${name}=${renderValue(v)}`);
        } else {
            lines.push(`${indent}${key}: ${renderValue(value)}`);
        }
    }
    return lines;
}

/** The keys of the stack's configuration that still hold sample values (loaded with the program's modules). */
async function sampleKeys(stack: StackConfig): Promise<string[]> {
    const { parseSettings } = await import("../../stack/settings");
    const { sampleValues } = await import("../../stack/samples");
    const settings = parseSettings((key) => stack.config[`${stack.project}:${key}`], { project: stack.project });
    return sampleValues(settings).map((v) => v.key);
}

function sampleNotice(doc: PreviewDocument): string[] {
    if (doc.sampleValues.length === 0) return [];
    return ["", `Sample values: ${doc.sampleValues.join(", ")} are the documentation's. Replace them before deploying`,
        `(README, "Make your own stack"); deployed as they are, this stack is refused.`];
}

function renderText(doc: PreviewDocument, region: string, out: string | undefined): string {
    const lines: string[] = [
        `Previewing update (${doc.stack}) of ${doc.project}: offline, mocked AWS account ${PREVIEW_ACCOUNT} in ${region}`,
        "",
    ];
    const depth = new Map<string, number>();
    for (const r of doc.resources) {
        const level = r.parent === null ? 0 : (depth.get(r.parent) ?? 0) + 1;
        depth.set(r.name, level);
        const indent = "  ".repeat(level);
        lines.push(`${indent}+ ${r.op}  ${r.type}  ${r.name}`);
        lines.push(...inputLines(r.inputs, `${indent}      `));
    }
    lines.push("", "Outputs:");
    const width = Math.max(0, ...Object.keys(doc.outputs).map((k) => k.length));
    for (const [key, value] of Object.entries(doc.outputs)) {
        lines.push(`    ${`${key}:`.padEnd(width + 1)} ${value === SECRET_PLACEHOLDER ? value : JSON.stringify(value)}`);
    }
    const s = doc.summary;
    const pkg = s.lambdaPackage;
    lines.push(
        "",
        "Resources:",
        `    + ${s.resourceCount} to create`,
        "",
        "Summary:",
        `    Lambda package:              ${pkg === null ? "none" : `${pkg.files} file${pkg.files === 1 ? "" : "s"}, ${pkg.zippedBytes} bytes zipped`}`,
        `    Schedule:                    ${s.scheduleExpression ?? "unknown"}`,
        `    Worst-case token life left:  ${s.worstCaseTokenSecondsLeft === null ? "unknown" : formatDuration(s.worstCaseTokenSecondsLeft)}`,
        `    Failed refreshes survived:   ${s.failedRefreshesSurvived ?? "unknown"}`,
    );
    lines.push(...sampleNotice(doc));
    if (out !== undefined) lines.push("", `Artifacts written to ${out}`);
    return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// --out
// ---------------------------------------------------------------------------------------------

/** `root/rel`, refusing anything that would land outside root. */
function inside(root: string, rel: string): string {
    const target = path.resolve(root, rel);
    if (target !== root && !target.startsWith(root + path.sep)) {
        throw new Error(`refusing to write ${rel}: outside ${root}`);
    }
    return target;
}

function writeFile(root: string, rel: string, data: string | Uint8Array): void {
    const target = inside(root, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
}

function writeArtifacts(out: string, doc: PreviewDocument, registrations: readonly Registration[], pkg: LambdaPackage | undefined): void {
    fs.mkdirSync(out, { recursive: true });
    const lambda = inside(out, "lambda");
    if (pkg !== undefined) {
        for (const [name, text] of Object.entries(pkg.files)) writeFile(lambda, name, text);
        writeFile(out, "lambda.zip", pkg.zip);
    }
    const s3 = inside(out, "s3");
    const iam = inside(out, "iam");
    for (const reg of registrations) {
        if (reg.type === "aws:s3/bucketObjectv2:BucketObjectv2" && typeof reg.inputs.content === "string" && typeof reg.inputs.key === "string") {
            writeFile(s3, reg.inputs.key, reg.inputs.content);
        } else if (reg.type === "aws:iam/role:Role" && typeof reg.inputs.assumeRolePolicy === "string") {
            writeFile(iam, `${reg.name}.trust.json`, `${JSON.stringify(JSON.parse(reg.inputs.assumeRolePolicy), null, 2)}\n`);
        } else if (reg.type === "aws:iam/rolePolicy:RolePolicy" && typeof reg.inputs.policy === "string") {
            writeFile(iam, `${reg.name}.json`, `${JSON.stringify(JSON.parse(reg.inputs.policy), null, 2)}\n`);
        }
    }
    writeFile(out, "preview.json", `${JSON.stringify(doc, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

async function main(argv: readonly string[]): Promise<void> {
    const options = parseOptions(argv);
    if (options.help) {
        exitWith(0, process.stdout, USAGE);
        return;
    }
    const settings = loadStackConfig(options.stack, options.cwd);
    const region = settings.config["aws:region"] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined || region === "" || region === SECRET_PLACEHOLDER) {
        throw new StackConfigError(`Stack '${settings.stack}' sets no aws:region (pulumi config set aws:region <region> --stack ${settings.stack})`);
    }

    // Loaded only once the arguments and the stack are known good.
    const pulumi = await import("@pulumi/pulumi");
    const { RecordingMocks } = await import("./mocks");

    const mocks = new RecordingMocks({ accountId: PREVIEW_ACCOUNT, region });
    const evaluation = await evaluate(pulumi, mocks, settings);
    const functions = evaluation.registrations.filter((r) => r.type === "aws:lambda/function:Function");
    if (functions.length > 1) {
        throw new Error(`expected at most one Lambda function, found ${functions.map((f) => f.name).join(", ")}`);
    }
    // fflate is loaded after the program ran: fewer scripts for the closure serializer's debugger to scan.
    const pkg = functions.length === 1 ? await (await import("./lambdaPackage")).lambdaPackage(functions[0].inputs.code) : undefined;
    // A failure inside the runtime (a rejected input of some resource, say) is reported as an
    // unhandled rejection, not through the promises awaited above: give pending ones one turn of the
    // event loop to surface, then refuse to print a preview of a program that did not complete.
    await new Promise((resolve) => setImmediate(resolve));
    if (exiting) return;
    const doc = buildDocument(settings, evaluation, pkg, await sampleKeys(settings));
    if (options.out !== undefined) writeArtifacts(options.out, doc, evaluation.registrations, pkg);
    const text = options.json ? `${JSON.stringify(doc, null, 2)}\n` : renderText(doc, region, options.out);
    exitWith(0, process.stdout, text);
}

if (require.main === module) {
    // Errors inside the Pulumi runtime can surface as unhandled rejections besides (or instead of)
    // the awaited promise; all roads lead to fail(), which reports the first one and exits.
    process.on("unhandledRejection", fail);
    process.on("uncaughtException", fail);
    main(process.argv.slice(2)).catch(fail);
}
