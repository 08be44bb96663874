/**
 * What the engine tests look at after each step: the engine's plan per resource (from its events),
 * what the CLI printed, the state file in the file backend, the objects in the S3 server, and the
 * deployed function run again as its schedule would run it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { EngineEvent, OpType, Stack, UpResult, PreviewResult } from "@pulumi/pulumi/automation";
import { cloudSettingsFromEnv } from "../../../tools/doubles/aws/cloud";
import { createContext, type DoubleContext } from "../../../tools/doubles/aws/context";
import { invokeFunction } from "../../../tools/doubles/aws/lambda";
import { CALLS_FILE, type RecordedCall } from "../../../tools/doubles/aws/provider";
import { PROJECT, type World } from "./world";

/** Operations the engine performed (or planned), per logical resource name, in event order. */
export type Plan = Map<string, OpType[]>;

export interface Observed<T> {
    readonly result: T;
    readonly plan: Plan;
    /** Everything the CLI printed on stdout and stderr. */
    readonly printed: string;
}

function recorder(): { plan: Plan; onEvent: (e: EngineEvent) => void; printed: string[] } {
    const plan: Plan = new Map();
    const printed: string[] = [];
    const onEvent = (event: EngineEvent): void => {
        const metadata = event.resourcePreEvent?.metadata;
        if (metadata === undefined || metadata.type === "pulumi:pulumi:Stack") return;
        const name = metadata.urn.split("::").pop() ?? metadata.urn;
        plan.set(name, [...(plan.get(name) ?? []), metadata.op]);
    };
    return { plan, onEvent, printed };
}

export async function up(stack: Stack, opts: { refresh?: boolean } = {}): Promise<Observed<UpResult>> {
    const r = recorder();
    const result = await stack.up({ ...opts, onEvent: r.onEvent, onOutput: (s) => r.printed.push(s), onError: (s) => r.printed.push(s) });
    return { result, plan: r.plan, printed: r.printed.join("") };
}

export async function preview(stack: Stack, opts: { refresh?: boolean; expectNoChanges?: boolean } = {}): Promise<Observed<PreviewResult>> {
    const r = recorder();
    const result = await stack.preview({ ...opts, onEvent: r.onEvent, onOutput: (s) => r.printed.push(s), onError: (s) => r.printed.push(s) });
    return { result, plan: r.plan, printed: r.printed.join("") };
}

/**
 * The plan of the component's children, keyed by the suffix after the component name (`token-file`,
 * ...): the operations after any refresh (`preview --refresh` reads every resource first).
 */
export function childOps(plan: Plan, component: string): Record<string, string> {
    const ops: Record<string, string> = {};
    for (const name of plan.keys()) {
        const summary = opOf(plan, name);
        if (name.startsWith(`${component}-`) && summary !== undefined) ops[name.slice(component.length + 1)] = summary;
    }
    return ops;
}

/** One resource's operation, refresh steps aside; a replacement's three steps read as "replace". */
export function opOf(plan: Plan, name: string): string | undefined {
    const planned = (plan.get(name) ?? []).filter((op) => op !== "refresh");
    if (planned.length === 0) return undefined;
    return planned.includes("replace") ? "replace" : [...new Set(planned)].join(",");
}

/** The children whose operation is not "same". */
export function changedChildren(plan: Plan, component: string): Record<string, string> {
    return Object.fromEntries(Object.entries(childOps(plan, component)).filter(([, op]) => op !== "same"));
}

/** The state file of a stack in the file backend, as the CLI wrote it. */
/** Every call the aws double received, in order (its CALLS_FILE in the world's cloud folder). */
export function recordedCalls(world: World): RecordedCall[] {
    const file = path.join(world.cloudDir, CALLS_FILE);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as RecordedCall) : [];
}

export function stateFileText(world: World, stack: string): string {
    const file = path.join(world.backendDir, ".pulumi", "stacks", PROJECT, `${stack}.json`);
    return fs.readFileSync(file, "utf8");
}

interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly id?: string;
    readonly inputs?: Record<string, unknown>;
    readonly outputs?: Record<string, unknown>;
    readonly pendingReplacement?: boolean;
}

export function stateResources(world: World, stack: string): StateResource[] {
    const state = JSON.parse(stateFileText(world, stack)) as { checkpoint: { latest?: { resources?: StateResource[]; pending_operations?: unknown[] } } };
    return state.checkpoint.latest?.resources ?? [];
}

export function pendingOperations(world: World, stack: string): unknown[] {
    const state = JSON.parse(stateFileText(world, stack)) as { checkpoint: { latest?: { pending_operations?: unknown[] } } };
    return state.checkpoint.latest?.pending_operations ?? [];
}

/** A client of the world's S3 server, as the tests (not the function) reach it. */
export function worldS3(world: World): S3Client {
    return new S3Client({ endpoint: world.s3.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true });
}

/** The double's view of the cloud, from the test process. */
export function doubleContext(world: World, region = "us-west-2"): DoubleContext {
    return createContext(cloudSettingsFromEnv(world.env), () => region);
}

export async function objectText(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<string> {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return got.Body === undefined ? "" : got.Body.transformToString();
}

export async function headObject(s3: S3Client, bucket: string, key: string): Promise<{ etag: string; versionId: string; metadata: Record<string, string> }> {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { etag: head.ETag ?? "", versionId: head.VersionId ?? "", metadata: head.Metadata ?? {} };
}

export async function putObjectText(s3: S3Client, bucket: string, key: string, text: string): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: "text/plain" }));
}

/** What EventBridge does on schedule: invokes the deployed function with the rule target's input. */
export async function scheduledRefresh(world: World, functionName: string): Promise<unknown> {
    return JSON.parse(await invokeFunction(doubleContext(world), functionName, { source: "schedule" })) as unknown;
}

/** A token file that pip can use: one index option line with credentials for the double's endpoint. */
export function assertIndexUrl(text: string, token: string, repository = "your_repo"): void {
    const encoded = encodeURIComponent(token);
    const line = text.split("\n").find((l) => l.startsWith("--index-url") || l.startsWith("--extra-index-url"));
    assert.ok(line, `no index option in the token file: ${JSON.stringify(text.slice(0, 80))}`);
    assert.match(line, new RegExp(`^--(extra-)?index-url https://aws:${escapeRegExp(encoded)}@\\S+/pypi/${repository}/simple/$`));
}

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Runs `operation`, whose inline program is expected to throw, and returns the reasons of the
 * promise rejections nobody handled meanwhile. A program that throws leaves rejected promises the
 * SDK derives from the stack's outputs and never awaits (`runtime/stack.js`); in a CLI's language
 * host they end with the process, here they would be blamed on the test that happens to be running.
 * Anything else still reaches the test runner's own handlers.
 */
export async function expectingProgramFailure(operation: () => Promise<unknown>, expected: RegExp): Promise<unknown[]> {
    const saved = process.listeners("unhandledRejection");
    const absorbed: unknown[] = [];
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", (reason, promise) => {
        if (reason instanceof Error && expected.test(reason.message)) absorbed.push(reason);
        else for (const listener of saved) listener(reason, promise);
    });
    try {
        await operation().catch(() => undefined);
        // Late rejections arrive within a few turns of the event loop.
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        return absorbed;
    } finally {
        process.removeAllListeners("unhandledRejection");
        for (const listener of saved) process.on("unhandledRejection", listener);
    }
}
