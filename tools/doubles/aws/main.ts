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

    constructor(private readonly accountId: string) {}

    /**
     * The provider's region and its `allowedAccountIds` guard: a provider configured for other
     * accounts refuses to work, as terraform-provider-aws does through hashicorp/aws-sdk-go-base
     * (internal/conns/config.go passes AllowedAccountIds): "AWS account ID not allowed: <id>".
     */
    onConfigure(request: RequestWithStruct): string | undefined {
        const args = request.getArgs?.()?.toJavaScript() ?? {};
        const fromArgs = typeof args.region === "string" ? args.region : undefined;
        this.region = fromArgs ?? request.getVariablesMap?.().get("aws:config:region") ?? this.region;
        const allowed = accountList(args.allowedAccountIds ?? request.getVariablesMap?.().get("aws:config:allowedAccountIds"));
        return allowed === undefined || allowed.includes(this.accountId) ? undefined : `AWS account ID not allowed: ${this.accountId}`;
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

/** An account id list from provider config: a JSON array (text or value); undefined when unset. */
function accountList(value: unknown): string[] | undefined {
    const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
    return Array.isArray(parsed) ? parsed.map(String) : undefined;
}

/** Wraps the implementation object the SDK hands to grpc's addService. */
function interceptServices(seen: Intercepted): void {
    const addService = grpc.Server.prototype.addService; // eslint-disable-line @typescript-eslint/unbound-method -- called with its server below
    grpc.Server.prototype.addService = function (service, implementation) {
        const impl = implementation as unknown as Record<string, Handler>;
        /** Runs `before` on the request; a message it returns fails the call instead. */
        const wrap = (name: string, before: (request: RequestWithStruct) => string | void): Handler => (call, callback) => {
            const refusal = before(call.request);
            if (typeof refusal === "string") return (callback as (err: grpc.ServiceError | null) => void)({ code: grpc.status.FAILED_PRECONDITION, details: refusal } as grpc.ServiceError);
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
                throw new Error(`the aws double does not answer ${token}; add it to tools/doubles/aws/main.ts`);
        }
    };
}

function start(): Promise<void> {
    const settings = cloudSettingsFromEnv(process.env);
    const seen = new Intercepted(settings.accountId);
    interceptServices(seen);
    const context = createContext(settings, () => {
        if (!seen.region) throw new Error("aws:region is not configured for this stack");
        return seen.region;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require("@pulumi/aws/package.json") as { version: string };
    const double = doubleProvider({ version, context, readInputs: (urn) => seen.inputsOfRead(urn), invoke: invokes(context) });
    return provider.main(double, process.argv.slice(2));
}

void start();
