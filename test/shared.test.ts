// The commands' shared helpers (tools/shared.ts), each written once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { humanDuration, partitionOf, UsageError } from "../tools/shared";
import { isAccessDenied } from "../functions/refresh";

test("partitionOf: every partition a region code names, with its DNS suffix; commercial by default", () => {
    assert.deepEqual(partitionOf("us-west-2"), { partition: "aws", dnsSuffix: "amazonaws.com" });
    assert.deepEqual(partitionOf(undefined), { partition: "aws", dnsSuffix: "amazonaws.com" });
    assert.deepEqual(partitionOf("cn-northwest-1"), { partition: "aws-cn", dnsSuffix: "amazonaws.com.cn" });
    assert.deepEqual(partitionOf("us-gov-west-1"), { partition: "aws-us-gov", dnsSuffix: "amazonaws.com" });
    assert.deepEqual(partitionOf("us-iso-east-1"), { partition: "aws-iso", dnsSuffix: "c2s.ic.gov" });
    assert.deepEqual(partitionOf("us-isob-east-1"), { partition: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov" });
});

test("humanDuration: the largest two units, sign ignored", () => {
    assert.deepEqual([45, 2700, 11_520, 97_200, -2400].map(humanDuration), ["45s", "45m", "3h 12m", "1d 3h", "40m"]);
});

test("UsageError is named, for the commands' exit code 2", () => {
    assert.equal(new UsageError("--stack NAME is required").name, "UsageError");
});

test("isAccessDenied: an AWS error by its code or HTTP 403, or the AWS error a refresh's error wraps", () => {
    assert.ok(isAccessDenied({ name: "AccessDeniedException" }));
    assert.ok(isAccessDenied({ name: "Unknown", $metadata: { httpStatusCode: 403 } }));
    assert.ok(isAccessDenied(new Error("S3 PutObject failed", { cause: { Code: "AccessDenied" } })));
    assert.ok(!isAccessDenied({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } }));
    assert.ok(!isAccessDenied(new Error("CodeArtifact returned no valid token expiration")));
    assert.ok(!isAccessDenied(undefined));
});
