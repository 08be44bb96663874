/**
 * aws:s3/bucketObjectv2:BucketObjectv2 against the S3 server: the objects Pulumi writes are the
 * objects the deployed function writes, with the server's etags and version ids. Modelled on
 * terraform-provider-aws internal/service/s3/object.go:
 *  - Read sends HeadObject and never reads the body back: `content` stays what state held;
 *  - Update uploads again only when an input of `hasObjectContentChanges` differs, else changes tags;
 *  - Delete removes every version of the key (`deleteAllObjectVersions`) on a versioned bucket;
 *  - the id is `<bucket>/<key>` (`createObjectImportID`), and an import takes it with or without `s3://`.
 */
import {
    DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { isDeepStrictEqual } from "node:util";
import type { DoubleContext, ResourceModel } from "./context";
import { requireStr, str, type Props } from "./wire";

/** object.go `hasObjectContentChanges`: any difference in these uploads the object again. */
export const REUPLOAD_INPUTS: readonly string[] = Object.freeze([
    "bucketKeyEnabled", "cacheControl", "checksumAlgorithm", "content", "contentBase64", "contentDisposition",
    "contentEncoding", "contentLanguage", "contentType", "etag", "kmsKeyId", "metadata", "serverSideEncryption",
    "source", "sourceHash", "storageClass", "websiteRedirect",
]);

function body(inputs: Props): Buffer {
    const base64 = str(inputs, "contentBase64");
    if (base64 !== undefined) return Buffer.from(base64, "base64");
    if (inputs.source !== undefined) throw new Error("source: file assets are not modelled by the double");
    return Buffer.from(str(inputs, "content") ?? "", "utf8");
}

function putRequest(inputs: Props): PutObjectCommandInput {
    const tags = inputs.tags as Record<string, string> | undefined;
    return {
        Bucket: requireStr(inputs, "bucket"),
        Key: requireStr(inputs, "key"),
        Body: body(inputs),
        ContentType: str(inputs, "contentType"),
        CacheControl: str(inputs, "cacheControl"),
        ServerSideEncryption: str(inputs, "serverSideEncryption") as PutObjectCommandInput["ServerSideEncryption"],
        SSEKMSKeyId: str(inputs, "kmsKeyId"),
        Metadata: inputs.metadata as Record<string, string> | undefined,
        Tagging: tags === undefined ? undefined : new URLSearchParams(tags).toString(),
    };
}

const unquote = (etag: string | undefined): string | undefined => etag?.replace(/^"|"$/g, "");

async function upload(ctx: DoubleContext, inputs: Props): Promise<Props> {
    const put = await ctx.s3.send(new PutObjectCommand(putRequest(inputs)));
    const bucket = requireStr(inputs, "bucket");
    const key = requireStr(inputs, "key");
    return {
        ...inputs,
        etag: unquote(put.ETag),
        versionId: put.VersionId ?? "",
        arn: `arn:${ctx.partition()}:s3:::${bucket}/${key}`,
        storageClass: str(inputs, "storageClass") ?? "STANDARD",
        tagsAll: inputs.tags ?? {},
    };
}

/** object.go `objectImportID.Parse`: `[s3://]<bucket>/<key>`. */
export function parseObjectId(id: string): { bucket: string; key: string } {
    const rest = id.replace(/^s3:\/\//, "");
    const slash = rest.indexOf("/");
    if (slash < 0) throw new Error(`id "${id}" should be in the format <bucket>/<key> or s3://<bucket>/<key>`);
    return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/** What HeadObject says now, over what state held (`content` is never read back). */
async function head(ctx: DoubleContext, id: string, outs: Props): Promise<Props | undefined> {
    const { bucket: Bucket, key: Key } = parseObjectId(id);
    try {
        const live = await ctx.s3.send(new HeadObjectCommand({ Bucket, Key }));
        return {
            ...outs,
            bucket: Bucket,
            key: Key,
            arn: `arn:${ctx.partition()}:s3:::${Bucket}/${Key}`,
            etag: unquote(live.ETag),
            versionId: live.VersionId ?? "",
            contentType: live.ContentType,
            cacheControl: live.CacheControl,
            serverSideEncryption: live.ServerSideEncryption ?? outs.serverSideEncryption,
            kmsKeyId: live.SSEKMSKeyId ?? outs.kmsKeyId,
            metadata: live.Metadata ?? {},
        };
    } catch (err) {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw err;
    }
}

/** object.go `deleteAllObjectVersions`: every version and delete marker of exactly this key. */
async function deleteAllVersions(ctx: DoubleContext, Bucket: string, Key: string): Promise<void> {
    const listed = await ctx.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }));
    const versions = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key === Key);
    for (const version of versions) {
        await ctx.s3.send(new DeleteObjectCommand({ Bucket, Key, VersionId: version.VersionId }));
    }
}

export const s3ObjectModel: ResourceModel = {
    async create(ctx, inputs) {
        const outs = await upload(ctx, inputs);
        return { id: `${requireStr(inputs, "bucket")}/${requireStr(inputs, "key")}`, outs };
    },
    read(ctx, id, outs) {
        return head(ctx, id, outs);
    },
    async update(ctx, _id, olds, news) {
        const reupload = REUPLOAD_INPUTS.some((k) => news[k] !== undefined && !isDeepStrictEqual(olds[k], news[k]));
        if (reupload) return upload(ctx, news);
        // Tags only (PutObjectTagging): the body and its version stay.
        const kept = Object.fromEntries(["etag", "versionId", "arn", "storageClass"].map((k) => [k, olds[k]]));
        return { ...news, ...kept, tagsAll: news.tags ?? {} };
    },
    async delete(ctx, _id, outs) {
        await deleteAllVersions(ctx, requireStr(outs, "bucket"), requireStr(outs, "key"));
    },
};
