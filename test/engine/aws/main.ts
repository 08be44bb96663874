/**
 * Entry point of the `pulumi-resource-aws` double (the engine tests put an executable of that name
 * on PATH, which the engine prefers to its plugin cache). Reports the installed @pulumi/aws version.
 *
 * Two things the real provider receives never reach a `@pulumi/pulumi/provider` Provider: the
 * provider configuration (Configure is answered inside the SDK's server) and the old inputs of a
 * Read. Both are taken from the gRPC requests on their way in, by wrapping the service
 * implementation the SDK registers; everything else is the SDK's own server.
 */
import * as grpc from "@grpc/grpc-js";
import * as provider from "@pulumi/pulumi/provider";
import { cloudSettingsFromEnv } from "./cloud";
import { createContext, type DoubleContext } from "./context";
import { doubleProvider } from "./provider";
import type { Props } from "./wire";

interface RequestWithStruct {
    getArgs?(): { toJavaScript(): Props } | undefined;
    getVariablesMap?(): { get(key: string): string | undefined };
    getUrn?(): string;
    getInputs?(): { toJavaScript(): Props } | undefined;
}
type Handler = (call: { request: RequestWithStruct }, callback: unknown) => unknown;

/** What the double learns from the raw requests. */
class Intercepted {
    region = "";
    private readonly readInputs = new Map<string, Props>();

    onConfigure(request: RequestWithStruct): void {
        const args = request.getArgs?.()?.toJavaScript() ?? {};
        const fromArgs = typeof args.region === "string" ? args.region : undefined;
        this.region = fromArgs ?? request.getVariablesMap?.().get("aws:config:region") ?? this.region;
    }

    onRead(request: RequestWithStruct): void {
        const urn = request.getUrn?.();
        const inputs = request.getInputs?.()?.toJavaScript();
        if (urn !== undefined && inputs !== undefined) this.readInputs.set(urn, inputs);
    }

    inputsOfRead(urn: string): Props | undefined {
        return this.readInputs.get(urn);
    }
}

/** Wraps the implementation object the SDK hands to grpc's addService. */
function interceptServices(seen: Intercepted): void {
    const addService = grpc.Server.prototype.addService; // eslint-disable-line @typescript-eslint/unbound-method -- called with its server below
    grpc.Server.prototype.addService = function (service, implementation) {
        const impl = implementation as unknown as Record<string, Handler>;
        const wrap = (name: string, before: (request: RequestWithStruct) => void): Handler => (call, callback) => {
            before(call.request);
            return impl[name].call(impl, call, callback);
        };
        const wrapped = Object.assign(Object.create(impl) as object, {
            configure: wrap("configure", (r) => seen.onConfigure(r)),
            read: wrap("read", (r) => seen.onRead(r)),
        });
        return addService.call(this, service, wrapped);
    };
}

/** The three data sources the program reads, answered for the double's account and the configured region. */
function invokes(ctx: DoubleContext): (token: string, inputs: Props) => Props {
    return (token) => {
        const accountId = ctx.settings.accountId;
        const region = ctx.region();
        const partition = ctx.partition();
        const dnsSuffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
        switch (token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { id: accountId, accountId, arn: `arn:${partition}:iam::${accountId}:user/engine-test`, userId: "AIDAENGINETEST" };
            case "aws:index/getPartition:getPartition":
                return { id: partition, partition, dnsSuffix, reverseDnsPrefix: dnsSuffix.split(".").reverse().join(".") };
            case "aws:index/getRegion:getRegion":
                return { id: region, region, name: region, endpoint: `ec2.${region}.${dnsSuffix}`, description: region };
            default:
                throw new Error(`the aws double does not answer ${token}; add it to test/engine/aws/main.ts`);
        }
    };
}

function start(): Promise<void> {
    const seen = new Intercepted();
    interceptServices(seen);
    const context = createContext(cloudSettingsFromEnv(process.env), () => {
        if (!seen.region) throw new Error("aws:region is not configured for this stack");
        return seen.region;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require("@pulumi/aws/package.json") as { version: string };
    const double = doubleProvider({ version, context, readInputs: (urn) => seen.inputsOfRead(urn), invoke: invokes(context) });
    return provider.main(double, process.argv.slice(2));
}

void start();
