import assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { CodeArtifactTokenRefresher, type CodeArtifactTokenRefresherArgs } from "../../lib/component";
import type { RecordingMocks, Registration } from "../../tools/preview/mocks";
import { settle, valueOf } from "./pulumiTesting";

export const BUCKET = "airflow-dev-111122223333-us-west-2";
export const BASE: CodeArtifactTokenRefresherArgs = {
    bucket: BUCKET,
    domain: "your-domain",
    repository: "your_repo",
};

/** The types of the component's children with default arguments, sorted: the architecture. */
export const CHILD_TYPES: readonly string[] = Object.freeze([
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:lambda/function:Function",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:lambda/invocation:Invocation",
    "aws:lambda/permission:Permission",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:s3/bucketObjectv2:BucketObjectv2",
]);

export interface Deployed {
    readonly name: string;
    readonly refresher: CodeArtifactTokenRefresher;
    readonly resources: Registration[];
    /** Resource options of each child, by logical name, as the program passed them. */
    readonly options: Map<string, pulumi.ResourceOptions>;
    one(type: string, suffix?: string): Registration;
}

let counter = 0;

/** Returns a function that deploys one component under a unique name and returns what reached the engine. */
export function deployer(mocks: RecordingMocks): (overrides?: Partial<CodeArtifactTokenRefresherArgs>) => Promise<Deployed> {
    return async (overrides = {}) => {
        const name = `t${++counter}`;
        const options = new Map<string, pulumi.ResourceOptions>();
        const refresher = new CodeArtifactTokenRefresher(name, { ...BASE, ...overrides }, {
            transformations: [(args) => {
                options.set(args.name, args.opts);
                return undefined;
            }],
        });
        await valueOf(refresher.alarmNames);
        await valueOf(refresher.requirementsVersionId);
        await settle();
        const resources = mocks.registrations.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
        const one = (type: string, suffix?: string): Registration => {
            const found = resources.filter((r) => r.type === type && (suffix === undefined || r.name === `${name}-${suffix}`));
            assert.equal(found.length, 1, `expected one ${type} ${suffix ?? ""}, got ${found.length}`);
            return found[0];
        };
        return { name, refresher, resources, options, one };
    };
}

/** The URNs of a resource's `dependsOn`, resolved. */
export async function dependsOnUrns(opts: pulumi.ResourceOptions | undefined): Promise<string[]> {
    return Promise.all(((opts?.dependsOn ?? []) as pulumi.Resource[]).map((r) => valueOf(r.urn)));
}
