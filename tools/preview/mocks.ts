/**
 * A mocked AWS provider for the SDK's mock engine: realistic ARNs and deterministic ids, typed
 * invoke results, and a record of every registration. Used by the tests and the offline preview.
 * An invoke it does not know fails loudly, so a new data source cannot slip in unmocked.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { GetCallerIdentityResult } from "@pulumi/aws/getCallerIdentity";
import type { GetPartitionResult } from "@pulumi/aws/getPartition";
import type { GetRegionResult } from "@pulumi/aws/getRegion";
import { partitionOf } from "../shared";

export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly id: string;
    readonly inputs: Record<string, unknown>;
    readonly state: Record<string, unknown>;
}

export interface Invoke {
    readonly token: string;
    readonly args: Record<string, unknown>;
}

export interface MockAccount {
    readonly accountId: string;
    readonly region: string;
}


function shortHash(...parts: string[]): string {
    return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 7);
}

/**
 * Resolves once every resource registration the program has started has reached the mock engine.
 * It is the SDK's own drain of pending RPCs (what `disconnect` waits on), internal to the SDK, so it
 * is reached by path rather than imitated with timers.
 */
export async function drainRegistrations(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
    await settings.waitForRPCs();
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly registrations: Registration[] = [];
    readonly invokes: Invoke[] = [];
    private readonly partition: string;
    private readonly dnsSuffix: string;

    constructor(private readonly account: MockAccount) {
        ({ partition: this.partition, dnsSuffix: this.dnsSuffix } = partitionOf(account.region));
    }

    /** Registrations of one resource type, e.g. `aws:iam/role:Role`. */
    ofType(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const inputs = args.inputs as Record<string, unknown>;
        const physicalName = (inputs.name as string | undefined) ?? `${args.name}-${shortHash(args.type, args.name)}`;
        const state = { ...inputs, ...this.computed(args.type, physicalName, inputs) };
        const id = (state.id as string | undefined) ?? physicalName;
        delete state.id;
        this.registrations.push({ type: args.type, name: args.name, id, inputs, state });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const { accountId, region } = this.account;
        this.invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    id: accountId, accountId, arn: `arn:${this.partition}:iam::${accountId}:user/preview`, userId: "AIDAPREVIEWEXAMPLE",
                } satisfies GetCallerIdentityResult;
            case "aws:index/getPartition:getPartition":
                return {
                    id: this.partition,
                    partition: this.partition,
                    dnsSuffix: this.dnsSuffix,
                    reverseDnsPrefix: this.dnsSuffix.split(".").reverse().join("."),
                } satisfies GetPartitionResult;
            case "aws:index/getRegion:getRegion":
                return {
                    id: region, region, name: region, endpoint: `ec2.${region}.${this.dnsSuffix}`, description: region,
                } satisfies GetRegionResult;
            default:
                throw new Error(`unmocked invoke ${args.token}(${JSON.stringify(args.inputs)}): add it to tools/preview/mocks.ts`);
        }
    }

    /** Outputs the real provider would compute, shaped as AWS returns them. */
    private computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
        const { accountId, region } = this.account;
        const p = this.partition;
        switch (type) {
            case "aws:s3/bucketObjectv2:BucketObjectv2":
                return {
                    id: `${String(inputs.bucket)}/${String(inputs.key)}`,
                    versionId: `v${shortHash(String(inputs.key), String(inputs.content))}`,
                    etag: inputs.etag ?? createHash("md5").update(typeof inputs.content === "string" ? inputs.content : "").digest("hex"),
                    arn: `arn:${p}:s3:::${String(inputs.bucket)}/${String(inputs.key)}`,
                };
            case "aws:iam/role:Role":
                return { name, arn: `arn:${p}:iam::${accountId}:role/${name}`, uniqueId: `AROA${shortHash(name).toUpperCase()}` };
            case "aws:iam/rolePolicy:RolePolicy":
                return { id: `${String(inputs.role)}:${name}`, name };
            case "aws:cloudwatch/logGroup:LogGroup":
                return { name, arn: `arn:${p}:logs:${region}:${accountId}:log-group:${name}` };
            case "aws:lambda/function:Function":
                return {
                    name,
                    arn: `arn:${p}:lambda:${region}:${accountId}:function:${name}`,
                    invokeArn: `arn:${p}:apigateway:${region}:lambda:path/2015-03-31/functions/arn:${p}:lambda:${region}:${accountId}:function:${name}/invocations`,
                    codeSha256: Buffer.from(shortHash(name, "code")).toString("base64"),
                    version: "$LATEST",
                };
            case "aws:lambda/invocation:Invocation":
                return { result: JSON.stringify({ source: "offline-preview" }) };
            case "aws:cloudwatch/eventRule:EventRule":
                return { name, arn: `arn:${p}:events:${region}:${accountId}:rule/${name}` };
            case "aws:cloudwatch/eventTarget:EventTarget":
                return { targetId: name };
            case "aws:lambda/permission:Permission":
                return { statementId: name };
            case "aws:sns/topic:Topic":
                return { name, arn: `arn:${p}:sns:${region}:${accountId}:${name}` };
            case "aws:sns/topicSubscription:TopicSubscription":
                return { arn: `${String(inputs.topic)}:${shortHash(name)}` };
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return { name, arn: `arn:${p}:cloudwatch:${region}:${accountId}:alarm:${name}` };
            default:
                return {};
        }
    }
}
