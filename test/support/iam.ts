// The CI roles' IAM documents (deploy/iam/*.json): loading, filling in their placeholders for one
// stack, and a small evaluator of Allow statements — exact actions, `*`/`?` resource patterns,
// StringEquals conditions — enough to ask "may this role call X on Y?" without AWS.
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const IAM_DIR = path.join(REPO_ROOT, "deploy", "iam");

export interface Statement {
    readonly Sid: string;
    readonly Effect: string;
    readonly Action: string | readonly string[];
    readonly Resource?: string | readonly string[];
    readonly Principal?: Readonly<Record<string, string>>;
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface Document {
    readonly Version: string;
    readonly Statement: readonly Statement[];
}

/** The values a stack's deploy/drift roles are created with; KMS_KEY_ARN only for a stack that sets `kmsKeyArn`. */
export interface Placeholders {
    readonly ACCOUNT_ID: string;
    readonly REGION: string;
    readonly STACK: string;
    readonly BUCKET: string;
    readonly REQUIREMENTS_KEY: string;
    readonly TOKEN_KEY: string;
    readonly KMS_KEY_ARN?: string;
}

export const PLACEHOLDER = /\b(ACCOUNT_ID|REGION|STACK|BUCKET|REQUIREMENTS_KEY|TOKEN_KEY|KMS_KEY_ARN)\b/g;

export function loadDocument(file: string): Document {
    return JSON.parse(fs.readFileSync(path.join(IAM_DIR, file), "utf8")) as Document;
}

export function list<T>(value: T | readonly T[] | undefined): readonly T[] {
    return value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/**
 * The document as one stack's role holds it: every placeholder replaced, and the statements about
 * the KMS key dropped when the stack has none (as the README tells the reader to do).
 */
export function render(doc: Document, values: Placeholders): Document {
    const text = JSON.stringify(doc.Statement.filter((s) => values.KMS_KEY_ARN !== undefined || !JSON.stringify(s).includes("KMS_KEY_ARN")));
    const filled = text.replace(PLACEHOLDER, (name: string) => {
        const value = values[name as keyof Placeholders];
        if (value === undefined) throw new Error(`no value for placeholder ${name}`);
        return value;
    });
    return { Version: doc.Version, Statement: JSON.parse(filled) as Statement[] };
}

function globToRegExp(pattern: string): RegExp {
    const body = pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&"))).join("");
    return new RegExp(`^${body}$`);
}

export interface Request {
    readonly action: string;
    readonly resource: string;
    /** Condition keys the request carries, e.g. `iam:PassedToService`. */
    readonly context?: Readonly<Record<string, string>>;
}

function conditionHolds(condition: Statement["Condition"], context: Readonly<Record<string, string>>): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        if (operator !== "StringEquals") throw new Error(`the test evaluator does not know the condition operator ${operator}`);
        for (const [key, allowed] of Object.entries(keys)) {
            const value = context[key];
            if (value === undefined || !list(allowed).includes(value)) return false;
        }
    }
    return true;
}

/** The statement that allows the request in any of `docs` (IAM actions are case-insensitive), or undefined. */
export function allowingStatement(docs: readonly Document[], request: Request): Statement | undefined {
    for (const doc of docs) {
        for (const s of doc.Statement) {
            if (s.Effect !== "Allow") continue;
            if (!list(s.Action).some((a) => a.toLowerCase() === request.action.toLowerCase())) continue;
            if (!list(s.Resource).some((r) => globToRegExp(r).test(request.resource))) continue;
            if (conditionHolds(s.Condition, request.context ?? {})) return s;
        }
    }
    return undefined;
}
