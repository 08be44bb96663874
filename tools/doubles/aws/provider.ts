/**
 * The double's `aws` provider, served by `@pulumi/pulumi/provider`. It leaves diffing to the engine
 * (Diff answers "unknown", so the engine compares old and new inputs after `ignoreChanges`) except
 * where terraform-provider-aws forces replacement, which it reports for the properties listed in
 * providerFacts.ts. Read returns the live state and, as the bridged provider does on refresh, the
 * old inputs updated from it (pulumi-terraform-bridge pkg/tfbridge/provider.go Read →
 * ExtractInputsFromOutputs), so a hand edit shows up as a difference of inputs.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type * as provider from "@pulumi/pulumi/provider";
import type { DoubleContext, ResourceModel } from "./context";
import { givenModel } from "./given";
import { functionModel, invocationModel } from "./lambda";
import { s3BucketModel } from "./s3Bucket";
import { AUTONAMED, FORCE_NEW } from "./providerFacts";
import { s3ObjectModel } from "./s3Object";
import { withEveryOutput } from "./schema";
import { STORED_TYPES, storedModel } from "./stored";
import { containsUnknown, secret, secretKeys, unwrapSecrets, type Props } from "./wire";

const DEFAULTS_KEY = "__defaults";

const MODELS: Readonly<Record<string, ResourceModel>> = {
    "aws:s3/bucket:Bucket": s3BucketModel,
    "aws:s3/bucketObjectv2:BucketObjectv2": s3ObjectModel,
    "aws:lambda/function:Function": functionModel,
    "aws:lambda/invocation:Invocation": invocationModel,
    ...Object.fromEntries(STORED_TYPES.map((type) => [type, storedModel(type)])),
};

/** `urn:pulumi:<stack>::<project>::<parent types$>type::<name>` → type and logical name. */
export function parseUrn(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const types = parts[2] ?? "";
    return { type: types.split("$").pop() ?? types, name: parts.slice(3).join("::") };
}

/** The model of a type; a type the program's behaviour does not depend on is kept as given. */
function modelOf(urn: string): ResourceModel {
    const { type } = parseUrn(urn);
    return MODELS[type] ?? givenModel(type);
}

/** The bridged provider's autoname: `<logical name>-<7 hex>`, never truncated (providerFacts.ts). */
export function autoname(logicalName: string): string {
    return `${logicalName}-${randomBytes(4).toString("hex").slice(0, 7)}`;
}

type Checked = { inputs: Props; failures?: undefined } | { inputs?: undefined; failures: { property: string; reason: string }[] };

/** Fills the autonamed property, keeping the old name on updates as the bridge does (its `__defaults`). */
function withAutoname(urn: string, olds: Props | undefined, news: Props): Checked {
    const { type, name } = parseUrn(urn);
    const spec = AUTONAMED[type];
    if (spec === undefined || news[spec.property] !== undefined) return { inputs: news };
    const oldDefaults = olds?.[DEFAULTS_KEY];
    const oldName = olds?.[spec.property];
    const reuse = Array.isArray(oldDefaults) && oldDefaults.includes(spec.property) && typeof oldName === "string";
    const value = reuse ? oldName : autoname(name);
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        const reason = `name '${name}-' plus 7 random chars is longer than maximum length ${spec.maxLength}`;
        return { failures: [{ property: spec.property, reason }] };
    }
    return { inputs: { ...news, [spec.property]: value, [DEFAULTS_KEY]: [spec.property] } };
}

/** The properties that force replacement (ForceNew) and differ; unknown new values count as different. */
export function replacedProperties(type: string, olds: Props, news: Props): string[] {
    return (FORCE_NEW[type] ?? [])
        .map((fact) => fact.property)
        .filter((p) => news[p] !== undefined && (containsUnknown(news[p]) || !isDeepStrictEqual(unwrapSecrets(olds[p]), unwrapSecrets(news[p]))));
}

/** Plain values for the models: no secret wrappers, no bridge bookkeeping. */
function plain(props: Props): Props {
    const rest = { ...(unwrapSecrets(props) as Props) };
    delete rest[DEFAULTS_KEY];
    return rest;
}

/**
 * Marks as secret in `outs` every property that was secret in any of `sources`, and drops the
 * undefined values a protobuf Struct cannot carry (an attribute AWS did not report).
 */
function resecret(outs: Props, ...sources: Props[]): Props {
    const keys = new Set(sources.flatMap(secretKeys));
    const marked = Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, keys.has(k) && v !== undefined ? secret(v) : v]));
    return JSON.parse(JSON.stringify(marked)) as Props;
}

/** The refreshed inputs: the keys the old inputs had, with live values where the live state has them. */
export function refreshedInputs(oldInputs: Props, live: Props): Props {
    return Object.fromEntries(Object.entries(oldInputs).map(([k, v]) => [k, k in live && k !== DEFAULTS_KEY ? live[k] : v]));
}

/** In the cloud folder: one JSON line `{op, type, id, urn}` per create, read, update and delete the engine asks for. */
export const CALLS_FILE = "calls.jsonl";

export interface RecordedCall {
    readonly op: "create" | "read" | "update" | "delete";
    readonly type: string;
    readonly id: string;
    readonly urn: string;
}

/** Appends a call to CALLS_FILE: a create once it returns its id, the others as they arrive. */
function recordCall(ctx: DoubleContext, op: RecordedCall["op"], urn: string, id: string): void {
    const call: RecordedCall = { op, type: parseUrn(urn).type, id, urn };
    fs.appendFileSync(path.join(ctx.cloud.dir, CALLS_FILE), `${JSON.stringify(call)}\n`);
}

export interface DoubleProviderOptions {
    readonly version: string;
    readonly context: DoubleContext;
    /** Old inputs of a Read, by URN: the SDK's server does not pass them on (see main.ts). */
    readonly readInputs: (urn: string) => Props | undefined;
    readonly invoke: (token: string, inputs: Props) => Props;
}

export function doubleProvider(opts: DoubleProviderOptions): provider.Provider {
    const ctx = opts.context;
    return {
        version: opts.version,
        check: (urn, olds, news) => Promise.resolve(withAutoname(urn, olds as Props | undefined, news as Props)),
        diff(_id, urn, olds, news) {
            const replaces = replacedProperties(parseUrn(urn).type, olds as Props, news as Props);
            return Promise.resolve(replaces.length > 0 ? { replaces } : {});
        },
        async create(urn, inputs) {
            const { id, outs } = await modelOf(urn).create(ctx, plain(inputs as Props));
            recordCall(ctx, "create", urn, id);
            return { id, outs: resecret(withEveryOutput(parseUrn(urn).type, outs), inputs as Props) };
        },
        async read(id, urn, props) {
            recordCall(ctx, "read", urn, id);
            const found = await modelOf(urn).read(ctx, id, plain(props as Props));
            if (found === undefined) return { id: "", props: {} };
            const live = withEveryOutput(parseUrn(urn).type, found);
            const oldInputs = opts.readInputs(urn);
            return {
                id,
                props: resecret(live, props as Props),
                ...(oldInputs === undefined ? {} : { inputs: resecret(refreshedInputs(oldInputs, live), oldInputs) }),
            };
        },
        async update(id, urn, olds, news) {
            recordCall(ctx, "update", urn, id);
            const outs = await modelOf(urn).update(ctx, id, plain(olds as Props), plain(news as Props));
            return { outs: resecret(withEveryOutput(parseUrn(urn).type, outs), olds as Props, news as Props) };
        },
        async delete(id, urn, props) {
            recordCall(ctx, "delete", urn, id);
            await modelOf(urn).delete(ctx, id, plain(props as Props));
        },
        invoke: (token, inputs) => Promise.resolve({ outputs: opts.invoke(token, inputs as Props) }),
    };
}
