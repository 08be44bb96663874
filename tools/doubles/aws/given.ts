/**
 * Resource types the program does not depend on the behaviour of (the MWAA environment, the
 * CodeArtifact domain and repositories, bucket settings): kept as given in the cloud store, with
 * an ARN where the type has one, so an example that declares them can go through `up` and
 * `destroy`. Nothing here claims how AWS would treat them.
 */
import { randomBytes } from "node:crypto";
import type { DoubleContext, ResourceModel } from "./context";
import { outputProperties } from "./schema";
import { str, type Props } from "./wire";

/** `aws:mwaa/environment:Environment` → `mwaa`, `environment`. */
function serviceAndKind(type: string): { service: string; kind: string } {
    const match = /^aws:([^/]+)\/([^:]+):/.exec(type);
    return { service: match?.[1] ?? "unknown", kind: match?.[2] ?? "resource" };
}

export function givenModel(type: string): ResourceModel {
    const { service, kind } = serviceAndKind(type);
    return {
        create(ctx: DoubleContext, inputs: Props) {
            const id = str(inputs, "name") ?? `${kind}-${randomBytes(4).toString("hex")}`;
            const arn = outputProperties(type).includes("arn")
                ? { arn: `arn:${ctx.partition()}:${service}:${ctx.region()}:${ctx.settings.accountId}:${kind}/${id}` }
                : {};
            const outs = { ...inputs, ...arn };
            ctx.cloud.put(type, id, outs);
            return { id, outs };
        },
        read: (ctx, id) => ctx.cloud.get(type, id),
        update(ctx, id, olds, news) {
            const outs = { ...news, ...(olds.arn === undefined ? {} : { arn: olds.arn }) };
            ctx.cloud.put(type, id, outs);
            return outs;
        },
        delete: (ctx, id) => ctx.cloud.remove(type, id),
    };
}
