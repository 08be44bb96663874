// The opt-in versioning layer of the s3rver test proxy (startS3Server({ versioning: true })),
// exercised through the real S3 SDK as the engine tests use it: version ids on writes, reads of
// old versions, delete markers, permanent deletes of versions, ListObjectVersions,
// GetBucketVersioning and the SSE headers S3 echoes back. Without the option nothing changes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import {
    DeleteObjectCommand, GetBucketVersioningCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand,
    PutObjectCommand, PutObjectCommandInput, S3Client, S3ServiceException,
} from "@aws-sdk/client-s3";
import { S3TestServer, startS3Server } from "./support/s3Server";

const BUCKET = "airflow-test-bucket";
const KMS_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/** Every test fails instead of hanging if something never answers. */
const T = { timeout: 20_000 };

interface Client {
    readonly sdk: S3Client;
    /** Raw headers of the last HTTP response the SDK received (also for errors). */
    lastHeaders(): Record<string, string>;
}

function client(endpoint: string): Client {
    const sdk = new S3Client({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    let headers: Record<string, string> = {};
    // Right after the deserializer, i.e. nearer the wire: sees the raw response before errors are thrown.
    const capture = (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
        const result = await next(args);
        headers = (result.response as { headers?: Record<string, string> } | undefined)?.headers ?? {};
        return result;
    };
    type Middleware = Parameters<typeof sdk.middlewareStack.addRelativeTo>[0];
    sdk.middlewareStack.addRelativeTo(capture as unknown as Middleware,
        { relation: "after", toMiddleware: "deserializerMiddleware", name: "captureResponseHeaders" });
    return { sdk, lastHeaders: () => headers };
}

/** Asserts `promise` rejects with this S3 error code and HTTP status. */
async function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof S3ServiceException, `not an S3 error: ${String(err)}`);
        assert.equal(err.name, name);
        assert.equal(err.$metadata.httpStatusCode, status);
        return true;
    });
}

describe("s3rver proxy with versioning: true", () => {
    let s3: S3TestServer;
    let c: Client;
    let keys = 0;
    /** A fresh key per test: the bucket and its histories are shared. */
    const newKey = (name: string): string => `dags/${name}-${++keys}.txt`;

    before(async () => {
        s3 = await startS3Server({ buckets: [BUCKET], versioning: true });
        c = client(s3.endpoint);
    });
    after(async () => {
        c?.sdk.destroy();
        await s3?.close();
    });

    async function put(key: string, body: string, extra: Partial<PutObjectCommandInput> = {}): Promise<string> {
        const out = await c.sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: "text/plain", ...extra }));
        assert.ok(out.VersionId, "PutObject returned no VersionId");
        return out.VersionId;
    }
    async function read(key: string, versionId?: string): Promise<{ body: string; versionId: string | undefined }> {
        const out = await c.sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }));
        return { body: await out.Body!.transformToString(), versionId: out.VersionId };
    }
    async function listed(prefix: string) {
        return c.sdk.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: prefix }));
    }

    it("gives two PutObjects two different version ids and keeps both readable by id", T, async () => {
        const key = newKey("two-puts");
        const v1 = await put(key, "first\n");
        const v2 = await put(key, "second\n");
        assert.notEqual(v1, v2);
        assert.match(v1, /^[A-Za-z0-9_-]{32}$/);
        assert.deepEqual(await read(key, v1), { body: "first\n", versionId: v1 });
        assert.deepEqual(await read(key, v2), { body: "second\n", versionId: v2 });
        assert.deepEqual(await read(key), { body: "second\n", versionId: v2 });
        assert.deepEqual(s3.versions(BUCKET, key).map((v) => [v.versionId, v.body?.toString(), v.isDeleteMarker]),
            [[v2, "second\n", false], [v1, "first\n", false]]);
    });

    it("answers HeadObject with the current version id, and with the asked version's ETag and metadata", T, async () => {
        const key = newKey("head");
        const v1 = await put(key, "one", { Metadata: { "refreshed-at": "t1" }, CacheControl: "no-cache" });
        const v2 = await put(key, "two!", { Metadata: { "refreshed-at": "t2" } });
        const current = await c.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.equal(current.VersionId, v2);
        assert.equal(current.Metadata?.["refreshed-at"], "t2");
        const old = await c.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, VersionId: v1 }));
        assert.deepEqual([old.VersionId, old.ContentLength, old.ContentType, old.CacheControl, old.Metadata],
            [v1, 3, "text/plain", "no-cache", { "refreshed-at": "t1" }]);
        assert.equal(old.ETag, s3.versions(BUCKET, key)[1]?.etag);
        assert.notEqual(old.ETag, current.ETag);
    });

    it("lists both versions newest first with IsLatest, quoted ETag and size, honouring the prefix", T, async () => {
        const prefix = `${newKey("list")}/`;
        const key = `${prefix}token.txt`;
        const v1 = await put(key, "first\n");
        const v2 = await put(key, "second!\n");
        await put(`${newKey("elsewhere")}`, "not listed");
        const out = await listed(prefix);
        assert.equal(out.IsTruncated, false);
        assert.deepEqual(out.DeleteMarkers, undefined);
        assert.deepEqual(out.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size, v.StorageClass]),
            [[key, v2, true, 8, "STANDARD"], [key, v1, false, 6, "STANDARD"]]);
        assert.match(out.Versions?.[0]?.ETag ?? "", /^"[0-9a-f]{32}"$/);
        assert.ok(out.Versions?.[0]?.LastModified instanceof Date);
    });

    it("leaves a delete marker on DeleteObject, keeping the old versions readable", T, async () => {
        const key = newKey("delete-marker");
        const v1 = await put(key, "first\n");
        const v2 = await put(key, "second\n");
        const deleted = await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.equal(deleted.DeleteMarker, true);
        assert.ok(deleted.VersionId && deleted.VersionId !== v2);
        await rejectsWith(read(key), "NoSuchKey", 404);
        assert.equal(c.lastHeaders()["x-amz-delete-marker"], "true");
        assert.equal((await read(key, v1)).body, "first\n");
        assert.equal((await read(key, v2)).body, "second\n");
        await rejectsWith(read(key, deleted.VersionId), "MethodNotAllowed", 405);
        assert.equal(c.lastHeaders()["x-amz-delete-marker"], "true");
        const out = await listed(key);
        assert.deepEqual(out.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest]), [[key, deleted.VersionId, true]]);
        assert.deepEqual(out.Versions?.map((v) => [v.VersionId, v.IsLatest]), [[v2, false], [v1, false]]);
    });

    it("leaves nothing once every version is deleted by id", T, async () => {
        const key = newKey("delete-all");
        const v1 = await put(key, "first\n");
        const v2 = await put(key, "second\n");
        const marker = (await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))).VersionId;
        for (const versionId of [v1, marker, v2]) {
            const out = await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }));
            assert.equal(out.VersionId, versionId);
            assert.equal(out.DeleteMarker, versionId === marker ? true : undefined);
        }
        await rejectsWith(read(key), "NoSuchKey", 404);
        await rejectsWith(read(key, v1), "NoSuchVersion", 404);
        const out = await listed(key);
        assert.deepEqual([out.Versions, out.DeleteMarkers], [undefined, undefined]);
        assert.deepEqual(s3.versions(BUCKET, key), []);
        assert.equal((await fetch(`${s3.directEndpoint}/${BUCKET}/${key}`)).status, 404, "s3rver still holds the object");
    });

    it("restores the previous version as current when the latest is deleted by id", T, async () => {
        const key = newKey("restore");
        const v1 = await put(key, "first\n", { ContentType: "text/x-first", Metadata: { generation: "1" } });
        const v2 = await put(key, "second\n", { ContentType: "text/x-second", Metadata: { generation: "2" } });
        await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: v2 }));
        assert.deepEqual(await read(key), { body: "first\n", versionId: v1 });
        const head = await c.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.deepEqual([head.VersionId, head.ContentType, head.Metadata], [v1, "text/x-first", { generation: "1" }]);
        assert.deepEqual((await listed(key)).Versions?.map((v) => [v.VersionId, v.IsLatest]), [[v1, true]]);
        await rejectsWith(read(key, v2), "NoSuchVersion", 404);
    });

    it("undeletes the object when its delete marker is deleted by id", T, async () => {
        const key = newKey("undelete");
        const v1 = await put(key, "kept\n");
        const marker = (await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))).VersionId;
        await rejectsWith(read(key), "NoSuchKey", 404);
        await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: marker }));
        assert.deepEqual(await read(key), { body: "kept\n", versionId: v1 });
    });

    it("echoes ServerSideEncryption and SSEKMSKeyId of the version on PutObject, HeadObject and GetObject", T, async () => {
        const key = newKey("sse");
        const sse = { ServerSideEncryption: "aws:kms", SSEKMSKeyId: KMS_ARN } as const;
        const written = await c.sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "secret", ...sse }));
        assert.deepEqual([written.ServerSideEncryption, written.SSEKMSKeyId], [sse.ServerSideEncryption, KMS_ARN]);
        const head = await c.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.deepEqual([head.ServerSideEncryption, head.SSEKMSKeyId], [sse.ServerSideEncryption, KMS_ARN]);
        const plain = await put(key, "plain");
        const current = await c.sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        assert.deepEqual([current.VersionId, current.ServerSideEncryption, current.SSEKMSKeyId], [plain, undefined, undefined]);
        const old = await c.sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: written.VersionId }));
        assert.deepEqual([old.ServerSideEncryption, old.SSEKMSKeyId], [sse.ServerSideEncryption, KMS_ARN]);
    });

    it("stores the decoded body of an aws-chunked (streamed) PutObject", T, async () => {
        const key = newKey("streamed");
        const body = "streamed body\n".repeat(100);
        const out = await c.sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Readable.from([Buffer.from(body)]), ContentLength: body.length }));
        assert.ok(s3.sentHeaders("PUT", `/${BUCKET}/${key}`).at(-1)?.["content-encoding"]?.includes("aws-chunked"), "the SDK did not stream aws-chunked");
        assert.deepEqual(await read(key), { body, versionId: out.VersionId });
        assert.equal(s3.versions(BUCKET, key)[0]?.body?.toString(), body);
    });

    it("answers GetBucketVersioning with Enabled", T, async () => {
        const out = await c.sdk.send(new GetBucketVersioningCommand({ Bucket: BUCKET }));
        assert.equal(out.Status, "Enabled");
        await rejectsWith(c.sdk.send(new GetBucketVersioningCommand({ Bucket: "no-such-bucket" })), "NoSuchBucket", 404);
    });

    it("still records requests, and lets injected faults answer first", T, async () => {
        const key = newKey("faults");
        s3.injectFault({ method: "PUT", status: 403, code: "AccessDenied" });
        await rejectsWith(put(key, "refused"), "AccessDenied", 403);
        assert.deepEqual(s3.versions(BUCKET, key), []);
        const v1 = await put(key, "accepted");
        const puts = s3.requests.filter((r) => r.method === "PUT" && r.url.startsWith(`/${BUCKET}/${key}`));
        assert.deepEqual(puts.map((r) => [r.outcome, r.injected]), [[403, true], [200, false]]);
        assert.deepEqual(s3.versions(BUCKET, key).map((v) => v.versionId), [v1]);
    });
});

describe("s3rver proxy without versioning (default)", () => {
    it("returns no version ids, keeps no history and knows nothing of versioning", T, async () => {
        const s3 = await startS3Server({ buckets: [BUCKET] });
        const c = client(s3.endpoint);
        try {
            const key = "dags/plain.txt";
            const written = await c.sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "one", ServerSideEncryption: "aws:kms" }));
            await c.sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "two" }));
            const head = await c.sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
            assert.deepEqual([written.VersionId, head.VersionId, head.ServerSideEncryption], [undefined, undefined, undefined]);
            assert.deepEqual(s3.versions(BUCKET, key), []);
            // s3rver treats ?versioning as a plain bucket listing (so no Status) and refuses ?versions.
            assert.equal((await c.sdk.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status, undefined);
            await rejectsWith(c.sdk.send(new ListObjectVersionsCommand({ Bucket: BUCKET })), "MethodNotAllowed", 405);
            const deleted = await c.sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
            assert.deepEqual([deleted.DeleteMarker, deleted.VersionId], [undefined, undefined]);
        } finally {
            c.sdk.destroy();
            await s3.close();
        }
    });
});
