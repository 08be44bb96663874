/**
 * aws:s3/bucket:Bucket as a bucket of the S3 server, so the objects the program writes land in a
 * bucket the program created. Delete follows terraform-provider-aws internal/service/s3/bucket.go:
 * a bucket that still holds objects is refused (BucketNotEmpty) unless `forceDestroy` is set, in
 * which case every object version is deleted first.
 */
import {
    CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, HeadBucketCommand, ListObjectVersionsCommand,
} from "@aws-sdk/client-s3";
import type { DoubleContext, ResourceModel } from "./context";
import { requireStr, type Props } from "./wire";

async function emptyBucket(ctx: DoubleContext, Bucket: string): Promise<void> {
    const listed = await ctx.s3.send(new ListObjectVersionsCommand({ Bucket }));
    for (const v of [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]) {
        await ctx.s3.send(new DeleteObjectCommand({ Bucket, Key: v.Key, VersionId: v.VersionId }));
    }
}

export const s3BucketModel: ResourceModel = {
    async create(ctx, inputs) {
        const bucket = requireStr(inputs, "bucket");
        await ctx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        const outs: Props = {
            ...inputs, arn: `arn:${ctx.partition()}:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`,
            region: ctx.region(), tagsAll: inputs.tags ?? {},
        };
        return { id: bucket, outs };
    },
    async read(ctx, id, outs) {
        try {
            await ctx.s3.send(new HeadBucketCommand({ Bucket: id }));
            return outs;
        } catch {
            return undefined;
        }
    },
    update(_ctx, _id, olds, news) {
        return { ...news, arn: olds.arn, bucketDomainName: olds.bucketDomainName, region: olds.region, tagsAll: news.tags ?? {} };
    },
    async delete(ctx, id, outs) {
        const listed = await ctx.s3.send(new ListObjectVersionsCommand({ Bucket: id }));
        const objects = (listed.Versions?.length ?? 0) + (listed.DeleteMarkers?.length ?? 0);
        if (objects > 0 && outs.forceDestroy !== true) {
            throw new Error(`deleting S3 Bucket (${id}): BucketNotEmpty: The bucket you tried to delete is not empty. You must delete all versions in the bucket.`);
        }
        await emptyBucket(ctx, id);
        await ctx.s3.send(new DeleteBucketCommand({ Bucket: id }));
    },
};
