/**
 * The multi-language plugin as the Pulumi CLI runs it, and a small engine for it to talk to.
 *
 * - `startPlugin` spawns `node node_modules/@pulumi/pulumi/cmd/run-plugin <provider dir> <engine>`
 *   (what pulumi-language-nodejs's RunPlugin executes) in a consumer folder, and reads the port
 *   from the first line of stdout.
 * - `startEngine` serves `pulumirpc.ResourceMonitor` and `pulumirpc.Engine` over gRPC: resources
 *   get ids and state from tools/preview/mocks.ts's RecordingMocks, as in every other test, and every
 *   registration is recorded with its parent and aliases.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import * as path from "node:path";
import type { Readable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { RecordingMocks } from "../../tools/preview/mocks";

export const REPOSITORY = path.resolve(__dirname, "..", "..", "..");
export const PLUGIN_DIR = path.join(REPOSITORY, "provider");
export const RUN_PLUGIN = path.join(REPOSITORY, "node_modules", "@pulumi", "pulumi", "cmd", "run-plugin");

/** The SDK's property (de)serialization, the same the plugin uses on its side of the wire. */
interface Rpc {
    serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
    deserializeProperties(struct: structproto.Struct): Record<string, unknown>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as Rpc;

export async function toStruct(props: Record<string, unknown>): Promise<structproto.Struct> {
    return structproto.Struct.fromJavaScript((await rpc.serializeProperties("test", props)) as Record<string, structproto.JavaScriptValue>);
}

export interface RunningPlugin {
    readonly port: number;
    readonly client: provrpc.ResourceProviderClient;
    /** Everything the plugin wrote to stderr so far. */
    stderr(): string;
    stop(): Promise<void>;
}

/** Starts the plugin in `cwd` and resolves once it prints its port; rejects with its stderr if it exits first. */
export function startPlugin(cwd: string, engineAddress: string, timeoutMs = 60_000): Promise<RunningPlugin> {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [RUN_PLUGIN, PLUGIN_DIR, engineAddress], {
        cwd, env, stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
    const stop = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
        }
        await exited;
    };
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            void stop();
            reject(new Error(`the plugin printed no port within ${timeoutMs} ms:\n${stderr}`));
        }, timeoutMs);
        child.once("close", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`the plugin exited (${code ?? signal}) before printing its port:\n${stdout}${stderr}`));
        });
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
            const newline = stdout.indexOf("\n");
            if (newline < 0) {
                return;
            }
            clearTimeout(timer);
            const port = Number(stdout.slice(0, newline).trim());
            if (!Number.isInteger(port) || port <= 0) {
                void stop();
                reject(new Error(`the plugin's first line is not a port: ${JSON.stringify(stdout.slice(0, newline))}`));
                return;
            }
            const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            resolve({
                port,
                client,
                stderr: () => stderr,
                stop: async () => {
                    client.close();
                    await stop();
                },
            });
        });
    });
}

/** Calls one unary method of a gRPC client as a promise. */
export function unary<Req, Res>(method: (req: Req, callback: (err: grpc.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        method(req, (err, res) => (err ? reject(err) : resolve(res)));
    });
}

export async function getSchema(plugin: RunningPlugin): Promise<unknown> {
    const res = await unary<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(
        plugin.client.getSchema.bind(plugin.client), new provproto.GetSchemaRequest());
    return JSON.parse(res.getSchema()) as unknown;
}

export interface EngineRegistration {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly parent: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    /** Types of the alias specs the resource was registered with. */
    readonly aliasTypes: string[];
}

export interface MockEngine {
    readonly address: string;
    readonly mocks: RecordingMocks;
    readonly registrations: EngineRegistration[];
    readonly outputs: Map<string, Record<string, unknown>>;
    readonly logs: string[];
    close(): Promise<void>;
}

/** Features the engine reports: the ones the CLI has; output values off, so inputs arrive plain. */
const FEATURES = new Set(["secrets", "resourceReferences", "aliasSpecs", "deletedWith", "parameterization"]);

function childUrn(stack: string, project: string, parent: string, type: string, name: string): string {
    const parentType = parent === "" ? "" : `${parent.split("::")[2].split("$").pop()}$`;
    return `urn:pulumi:${stack}::${project}::${parentType}${type}::${name}`;
}

type Handler<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** Wraps an async handler so that a throw becomes the gRPC error. */
function handle<Req, Res>(fn: (req: Req) => Promise<Res> | Res): Handler<Req, Res> {
    return (call, callback) => {
        Promise.resolve().then(() => fn(call.request)).then((res) => callback(null, res), (err: Error) => callback(err, null));
    };
}

/** Starts the engine and resource monitor of a `project`/`stack` deployment on one port. */
export async function startEngine(opts: { project: string; stack: string; accountId: string; region: string; stackUrn: string }): Promise<MockEngine> {
    const mocks = new RecordingMocks({ accountId: opts.accountId, region: opts.region });
    const registrations: EngineRegistration[] = [];
    const outputs = new Map<string, Record<string, unknown>>();
    const logs: string[] = [];
    const server = new grpc.Server();
    server.addService(resrpc.ResourceMonitorService, {
        supportsFeature: handle((req: resproto.SupportsFeatureRequest) =>
            new resproto.SupportsFeatureResponse().setHassupport(FEATURES.has(req.getId()))),
        registerResource: handle(async (req: resproto.RegisterResourceRequest) => {
            const inputs = rpc.deserializeProperties(req.getObject() ?? new structproto.Struct());
            const urn = childUrn(opts.stack, opts.project, req.getParent(), req.getType(), req.getName());
            registrations.push({
                type: req.getType(), name: req.getName(), urn, parent: req.getParent(), custom: req.getCustom(), inputs,
                aliasTypes: req.getAliasesList().map((a) => a.getSpec()?.getType() ?? ""),
            });
            const res = new resproto.RegisterResourceResponse().setUrn(urn);
            if (req.getCustom()) {
                const { id, state } = mocks.newResource({ type: req.getType(), name: req.getName(), inputs, provider: req.getProvider(), custom: true });
                res.setId(id).setObject(await toStruct(state));
            }
            return res;
        }),
        registerResourceOutputs: handle((req: resproto.RegisterResourceOutputsRequest) => {
            outputs.set(req.getUrn(), rpc.deserializeProperties(req.getOutputs() ?? new structproto.Struct()));
            return new emptyproto.Empty();
        }),
        invoke: handle(async (req: resproto.ResourceInvokeRequest) => {
            const result = mocks.call({ token: req.getTok(), inputs: rpc.deserializeProperties(req.getArgs() ?? new structproto.Struct()), provider: req.getProvider() });
            return new provproto.InvokeResponse().setReturn(await toStruct(result));
        }),
        registerPackage: handle(() => new resproto.RegisterPackageResponse().setRef("mock-package")),
    });
    server.addService(enginerpc.EngineService, {
        log: handle((req: engineproto.LogRequest) => {
            logs.push(req.getMessage());
            return new emptyproto.Empty();
        }),
        getRootResource: handle(() => new engineproto.GetRootResourceResponse().setUrn(opts.stackUrn)),
        setRootResource: handle(() => new engineproto.SetRootResourceResponse()),
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    return {
        address: `127.0.0.1:${port}`,
        mocks,
        registrations,
        outputs,
        logs,
        close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    };
}
