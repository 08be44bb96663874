/** What every resource model of the double works with: the stored cloud, S3, the account and region. */
import { S3Client } from "@aws-sdk/client-s3";
import { CloudStore, type CloudSettings } from "./cloud";
import type { Props } from "./wire";

export interface DoubleContext {
    readonly cloud: CloudStore;
    readonly settings: CloudSettings;
    readonly s3: S3Client;
    /** The provider's configured `aws:region` (from Configure). */
    region(): string;
    partition(): string;
}

export function createContext(settings: CloudSettings, region: () => string): DoubleContext {
    const s3 = new S3Client({
        endpoint: settings.s3Endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        forcePathStyle: true,
    });
    return {
        cloud: new CloudStore(settings.dir),
        settings,
        s3,
        region,
        partition: () => partitionOf(region()),
    };
}

export function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

type Awaitable<T> = T | Promise<T>;

/** One resource type of the double: the real provider's CRUD, against the double's cloud. */
export interface ResourceModel {
    create(ctx: DoubleContext, inputs: Props): Awaitable<{ id: string; outs: Props }>;
    /** Live outputs, or undefined when the resource no longer exists. */
    read(ctx: DoubleContext, id: string, outs: Props): Awaitable<Props | undefined>;
    update(ctx: DoubleContext, id: string, olds: Props, news: Props): Awaitable<Props>;
    delete(ctx: DoubleContext, id: string, outs: Props): Awaitable<void>;
}
