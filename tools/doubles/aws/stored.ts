/**
 * Resource types whose only effect, for this program, is to exist with the attributes AWS would
 * give them (IAM, logs, EventBridge, alarms, SNS): kept in the cloud store under the id the real
 * provider uses, with the ARNs AWS would compute. Updates are in place; a Read of something deleted
 * outside Pulumi reports it gone.
 */
import { randomBytes } from "node:crypto";
import type { DoubleContext, ResourceModel } from "./context";
import { requireStr, str, type Props } from "./wire";

type Computed = (ctx: DoubleContext, inputs: Props) => { id: string; attributes: Props };

function arn(ctx: DoubleContext, service: string, resource: string, regional = true): string {
    return `arn:${ctx.partition()}:${service}:${regional ? ctx.region() : ""}:${ctx.settings.accountId}:${resource}`;
}

/** A name that the program left to the provider; Check has filled it in (see autoname in provider.ts). */
function named(inputs: Props): string {
    return requireStr(inputs, "name");
}

const COMPUTED: Readonly<Record<string, Computed>> = {
    "aws:iam/role:Role": (ctx, inputs) => ({
        id: named(inputs),
        attributes: {
            arn: `arn:${ctx.partition()}:iam::${ctx.settings.accountId}:role/${named(inputs)}`,
            uniqueId: `AROA${randomBytes(8).toString("hex").toUpperCase()}`,
            createDate: new Date().toISOString(),
        },
    }),
    "aws:iam/rolePolicy:RolePolicy": (_ctx, inputs) => ({ id: `${requireStr(inputs, "role")}:${named(inputs)}`, attributes: {} }),
    "aws:cloudwatch/logGroup:LogGroup": (ctx, inputs) => ({
        id: named(inputs), attributes: { arn: arn(ctx, "logs", `log-group:${named(inputs)}`) },
    }),
    "aws:cloudwatch/eventRule:EventRule": (ctx, inputs) => ({
        id: named(inputs), attributes: { arn: arn(ctx, "events", `rule/${named(inputs)}`), eventBusName: "default", state: "ENABLED" },
    }),
    "aws:cloudwatch/eventTarget:EventTarget": (_ctx, inputs) => {
        const targetId = str(inputs, "targetId") ?? `terraform-${randomBytes(13).toString("hex")}`;
        return { id: `${requireStr(inputs, "rule")}-${targetId}`, attributes: { targetId, eventBusName: "default" } };
    },
    "aws:lambda/permission:Permission": (_ctx, inputs) => {
        const statementId = str(inputs, "statementId") ?? `terraform-${randomBytes(13).toString("hex")}`;
        return { id: statementId, attributes: { statementId } };
    },
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (_ctx, inputs) => ({
        id: requireStr(inputs, "functionName"), attributes: {},
    }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (ctx, inputs) => ({
        id: named(inputs), attributes: { arn: arn(ctx, "cloudwatch", `alarm:${named(inputs)}`) },
    }),
    "aws:sns/topic:Topic": (ctx, inputs) => {
        const topicArn = arn(ctx, "sns", named(inputs));
        return { id: topicArn, attributes: { arn: topicArn, owner: ctx.settings.accountId } };
    },
    "aws:sns/topicSubscription:TopicSubscription": (_ctx, inputs) => {
        const subscriptionArn = `${requireStr(inputs, "topic")}:${randomBytes(16).toString("hex")}`;
        // An email subscription waits for the recipient's confirmation.
        return { id: subscriptionArn, attributes: { arn: subscriptionArn, pendingConfirmation: str(inputs, "protocol") === "email" } };
    },
};

export const STORED_TYPES: readonly string[] = Object.keys(COMPUTED);

/** Tags as AWS reports them: the resource's tags (the program sets no provider default tags). */
function withTagsAll(props: Props): Props {
    return props.tags === undefined ? props : { ...props, tagsAll: props.tags };
}

export function storedModel(type: string): ResourceModel {
    const computed = COMPUTED[type];
    if (computed === undefined) throw new Error(`the aws double does not model ${type}`);
    return {
        create(ctx, inputs) {
            const { id, attributes } = computed(ctx, inputs);
            if (ctx.cloud.get(type, id) !== undefined) throw new Error(`${type} ${id} already exists`);
            const outs = withTagsAll({ ...inputs, ...attributes });
            ctx.cloud.put(type, id, outs);
            return { id, outs };
        },
        read(ctx, id) {
            return ctx.cloud.get(type, id);
        },
        update(ctx, id, olds, news) {
            // Computed attributes (ARNs, generated ids) stay as created; inputs take the new values.
            const attributeKeys = Object.keys(computed(ctx, olds).attributes);
            const attributes = Object.fromEntries(attributeKeys.map((k) => [k, olds[k]]));
            const outs = withTagsAll({ ...attributes, ...news });
            ctx.cloud.put(type, id, outs);
            return outs;
        },
        delete(ctx, id) {
            ctx.cloud.remove(type, id);
        },
    };
}
