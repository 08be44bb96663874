/**
 * The committed stack files (Pulumi.dev.yaml, Pulumi.prod.yaml) hold sample values: AWS's
 * documentation account 111122223333 and placeholder names. They are pinned to that account with
 * `aws:allowedAccountIds`, so the AWS provider refuses to deploy them anywhere real. A stack that
 * drops or changes the pin must have replaced every sample value: a sample left behind (say
 * `domainOwner: "111122223333"`) would deploy IAM permissions naming an account that is not yours.
 */
import type { Settings } from "../lib/settings";

/** AWS's documentation account (docs.aws.amazon.com examples); nobody deploys into it. */
export const SAMPLE_ACCOUNT = "111122223333";
const SAMPLE_NAMES: Readonly<Record<string, string>> = { domain: "your-domain", repository: "your_repo" };
const SAMPLE_PACKAGE = /^your-package\b/;
const SAMPLE_EMAIL_DOMAIN = /@example\.com$/i;

export interface SampleValue {
    /** Config key without namespace; requirements items as `requirements[2]`. */
    readonly key: string;
    readonly value: string;
}

/** The settings that still hold a sample value, in Pulumi.yaml's key order. */
export function sampleValues(settings: Settings): SampleValue[] {
    const found: SampleValue[] = [];
    const check = (key: string, value: string | undefined, isSample: (v: string) => boolean): void => {
        if (value !== undefined && isSample(value)) found.push({ key, value });
    };
    const mentionsSampleAccount = (v: string) => v.includes(SAMPLE_ACCOUNT);
    check("bucket", settings.bucket, mentionsSampleAccount);
    settings.requirements.forEach((line, i) => check(`requirements[${i}]`, line, (v) => SAMPLE_PACKAGE.test(v)));
    check("domain", settings.domain, (v) => v === SAMPLE_NAMES.domain);
    check("domainOwner", settings.domainOwner, mentionsSampleAccount);
    check("repository", settings.repository, (v) => v === SAMPLE_NAMES.repository);
    check("kmsKeyArn", settings.kmsKeyArn, mentionsSampleAccount);
    check("alarmTopicArn", settings.alarmTopicArn, mentionsSampleAccount);
    check("alarmEmail", settings.alarmEmail, (v) => SAMPLE_EMAIL_DOMAIN.test(v));
    return found;
}

/** True when `aws:allowedAccountIds` (its JSON text) pins the stack to the documentation account alone. */
export function pinnedToSampleAccount(allowedAccountIds: string | undefined): boolean {
    if (allowedAccountIds === undefined) return false;
    try {
        const ids: unknown = JSON.parse(allowedAccountIds);
        return Array.isArray(ids) && ids.length === 1 && String(ids[0]) === SAMPLE_ACCOUNT;
    } catch {
        return false;
    }
}
