// The new token checked against the repository's PEP 503 simple index before it is written, sent as
// pip sends it (HTTP Basic auth, user `aws`), so that a token pip would be refused, or a requirement
// the repository does not have, fails `pulumi up` in seconds instead of an MWAA update 20 minutes
// later. Serialized into the Lambda with refresh.ts (same rules: Node's own fetch, no imports but
// limits.ts and contract.ts, values exported through `export { }`, no comments inside function bodies).
// The token never appears in a URL, a message or the result: it travels in the Authorization header only.
import { INDEX_CHECK } from "./limits";

/** pip's user name for a CodeArtifact token. */
const INDEX_USER = "aws";
export { INDEX_USER };

/** One requirement the deploy-time check looks up: the project as written, and an exact pin (`==V`, `==V.*` or `===V`). */
export interface RequirementCheck {
    readonly name: string;
    readonly pin?: string;
}

/** Where the token is checked, and who to name when it is refused. */
export interface IndexTarget {
    /** The repository endpoint GetRepositoryEndpoint returned (…/pypi/<repository>/). */
    readonly endpoint: string;
    readonly domain: string;
    readonly domainOwner: string;
    readonly repository: string;
    readonly region: string;
    /** The function's execution role, when its environment names it. */
    readonly roleArn?: string;
}

/** The part of a fetch Response the check reads. */
export interface IndexResponse {
    readonly status: number;
    text(): Promise<string>;
    readonly body?: { cancel(): Promise<void> } | null;
}
export type IndexFetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<IndexResponse>;

export interface IndexCheckDeps {
    readonly fetch?: IndexFetch;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}

/** PEP 503 normalization: runs of `-`, `_` and `.` become one `-`, lowercased. */
export function normalizeProjectName(name: string): string {
    return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** A PEP 440 version split into what pip compares; undefined when it is not one. */
export interface ParsedVersion {
    readonly epoch: number;
    readonly release: readonly number[];
    /** Pre-, post- and dev-release segments in canonical spelling, e.g. `rc1.post0.dev2`. */
    readonly suffix: string;
    /** The local label, `.`-separated, lowercased; "" when none. */
    readonly local: string;
}

const VERSION_PATTERN = /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/;

/** Parses a version as PEP 440 normalizes it (`1.0` = `1.0.0`, `1.0-RC1` = `1.0rc1`, `1.0-1` = `1.0.post1`, `v1.0`). */
export function parseVersion(text: string): ParsedVersion | undefined {
    const m = VERSION_PATTERN.exec(text.trim().toLowerCase());
    if (!m) return undefined;
    const [, epoch, release, preKind, preNumber, postImplicit, postKind, postNumber, devNumber, local] = m;
    const pre = preKind === undefined ? "" : `${"ab".includes(preKind[0]) ? preKind[0] : "rc"}${Number(preNumber || 0)}`;
    const postValue = postImplicit ?? (postKind === undefined ? undefined : postNumber || "0");
    const post = postValue === undefined ? "" : `.post${Number(postValue)}`;
    const dev = devNumber === undefined ? "" : `.dev${Number(devNumber || 0)}`;
    return {
        epoch: Number(epoch ?? 0),
        release: release.split(".").map(Number),
        suffix: pre + post + dev,
        local: (local ?? "").replace(/[-_]/g, "."),
    };
}

/**
 * Whether `candidate` satisfies the pin as pip's `==` does: release segments padded with zeros, a
 * local label ignored unless the pin has one, `V.*` a prefix match. `===V` compares the text.
 */
export function versionMatchesPin(candidate: string, pin: string): boolean {
    if (pin.startsWith("=")) return candidate.trim().toLowerCase() === pin.slice(1).trim().toLowerCase();
    const wildcard = pin.endsWith(".*");
    const want = parseVersion(wildcard ? pin.slice(0, -2) : pin);
    const have = parseVersion(candidate);
    if (!want || !have || want.epoch !== have.epoch) return false;
    const length = wildcard ? want.release.length : Math.max(want.release.length, have.release.length);
    const sameRelease = Array.from({ length }, (_, i) => i).every((i) => (have.release[i] ?? 0) === (want.release[i] ?? 0));
    if (wildcard) return sameRelease && want.suffix === "" && want.local === "";
    return sameRelease && have.suffix === want.suffix && (want.local === "" || have.local === want.local);
}

/**
 * The versions a project page (PEP 503 HTML) links to, read from each anchor's text, the file name:
 * a wheel's second `-` field (PEP 427 escapes `-` in names), an sdist's last one (PEP 625 names
 * are `<name>-<version>`; a legacy sdist whose version holds a `-`, such as `1.0-1`, is misread).
 */
export function versionsOnPage(html: string): string[] {
    const versions = new Set<string>();
    for (const m of html.matchAll(/<a\b[^>]*>([^<]*)<\/a\s*>/gi)) {
        const [, stem, suffix] = /^(.+-.+)\.(whl|tar\.gz|zip)$/i.exec(m[1].trim()) ?? [];
        if (stem) versions.add(suffix.toLowerCase() === "whl" ? stem.split("-")[1] : stem.slice(stem.lastIndexOf("-") + 1));
    }
    return [...versions];
}

/**
 * A failed check is an Error whose `kind` says which: "refused" (its cause is an access denial, so
 * the deploy-time refresh retries it while IAM propagates), "missing" or "unreachable".
 */
export type IndexCheckFailureKind = "refused" | "missing" | "unreachable";

interface Fetched {
    readonly status?: number;
    readonly page?: string;
    readonly problem?: string;
    readonly attempts: number;
}

/** Outcome of one URL after retries: a status (with the page for a 200 when asked), or the last problem. */
async function fetchWithRetries(url: string, token: string, wantPage: boolean, deadline: number, deps: Required<IndexCheckDeps>): Promise<Fetched> {
    const authorization = `Basic ${btoa(`${INDEX_USER}:${token}`)}`;
    let problem = "no request made before the check's time budget ran out";
    for (let attempt = 0; ; attempt++) {
        const timeoutMs = Math.min(INDEX_CHECK.requestTimeoutMs, deadline - deps.now());
        if (timeoutMs <= 0) return { problem, attempts: attempt };
        try {
            const res = await deps.fetch(url, { headers: { authorization, accept: "text/html" }, signal: AbortSignal.timeout(timeoutMs) });
            const answered = res.status < 500 && res.status !== 429;
            const page = answered && wantPage && res.status === 200 ? await res.text() : await res.body?.cancel().catch(() => undefined);
            if (answered) return { status: res.status, page: page ?? undefined, attempts: attempt + 1 };
            problem = `HTTP ${res.status}`;
        } catch (err) {
            const e = (err ?? {}) as { name?: string; message?: string; cause?: { code?: string } };
            problem = e.name === "TimeoutError" || e.name === "AbortError"
                ? `no answer within ${+(timeoutMs / 1000).toFixed(1)} s`
                : `${e.message ?? String(err)}${e.cause?.code ? ` (${e.cause.code})` : ""}`.split(token).join("***");
        }
        if (attempt + 1 >= INDEX_CHECK.attempts) return { problem, attempts: attempt + 1 };
        await deps.sleep(INDEX_CHECK.retryDelayMs);
    }
}

function refusedMessage(t: IndexTarget, status: number, url: string): string {
    const [, partition = "aws", roleAccount] = /^arn:([^:]+):iam::(\d{12}):/.exec(t.roleArn ?? "") ?? [];
    const where = roleAccount && roleAccount !== t.domainOwner
        ? ` in the repository's resource policy (the domain is in account ${t.domainOwner}, the role in ${roleAccount})`
        : "; the role's own policy allows it, so look for a Deny in the repository or domain policy, a permissions boundary or an SCP";
    return `CodeArtifact repository ${t.repository} (domain ${t.domain}, owner ${t.domainOwner}) refused the new token (HTTP ${status} for ${url}), as it would refuse pip on MWAA. ` +
        `Allow this function's role ${t.roleArn ?? ""} codeartifact:ReadFromRepository on arn:${partition}:codeartifact:${t.region}:${t.domainOwner}:repository/${t.domain}/${t.repository}${where}.`;
}

/** What one requirement lacks in the repository ("" when present), from its project page. */
function lacking(requirement: RequirementCheck, fetched: Fetched): string {
    const shown = JSON.stringify(requirement.pin === undefined ? requirement.name : `${requirement.name}==${requirement.pin}`);
    if (fetched.status === 404) return `${shown}: no such project`;
    if (requirement.pin === undefined || fetched.page === undefined) return "";
    const versions = versionsOnPage(fetched.page);
    const pin = requirement.pin;
    if (versions.some((v) => versionMatchesPin(v, pin))) return "";
    return `${shown}: no version ${pin.replace(/^=/, "")} (the repository lists ${versions.slice(-8).join(", ") || "no distributions"})`;
}

/**
 * Checks `token` against the repository: the index root (a refused token throws "refused"; 5xx and
 * network errors are retried, then throw "unreachable"), then each requirement's project page when
 * `requirements` is given (404s and absent pins throw "missing", all named at once). Returns what was checked.
 */
export async function checkIndex(target: IndexTarget, token: string, requirements: readonly RequirementCheck[] | undefined, deps: IndexCheckDeps = {}): Promise<string> {
    const d: Required<IndexCheckDeps> = {
        fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
        now: deps.now ?? Date.now,
        sleep: deps.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
    };
    const deadline = d.now() + INDEX_CHECK.budgetMs;
    const root = target.endpoint.replace(/\/+$/, "") + "/simple/";
    const urls = requirements === undefined ? [root] : [root, ...requirements.map((r) => `${root}${normalizeProjectName(r.name)}/`)];
    const fetched: Fetched[] = [];
    for (let i = 0; i < urls.length; i += INDEX_CHECK.concurrency) {
        fetched.push(...await Promise.all(urls.slice(i, i + INDEX_CHECK.concurrency).map((url) => fetchWithRetries(url, token, url !== root, deadline, d))));
    }
    const fail = (kind: IndexCheckFailureKind, message: string, cause?: unknown): Error => Object.assign(new Error(message, { cause }), { kind });
    const refusedAt = fetched.findIndex((f) => f.status === 401 || f.status === 403);
    if (refusedAt >= 0) {
        const status = fetched[refusedAt].status;
        throw fail("refused", refusedMessage(target, status ?? 0, urls[refusedAt]), { name: "RepositoryAccessDenied", $metadata: { httpStatusCode: status } });
    }
    const lost = fetched.findIndex((f, i) => f.status === undefined || (i > 0 && f.status !== 200 && f.status !== 404));
    if (lost >= 0) {
        const { status, problem, attempts } = fetched[lost];
        throw fail("unreachable", `Could not check the new token against ${urls[lost]}: ${status ? `HTTP ${status}` : problem} (${attempts} attempt${attempts === 1 ? "" : "s"}). ` +
            'If only MWAA can reach the repository (a policy limited to its VPC endpoint), set indexCheck to "none".');
    }
    const total = requirements?.length ?? 0;
    const missing = (requirements ?? []).map((r, i) => lacking(r, fetched[i + 1])).filter((m) => m !== "");
    if (missing.length > 0) {
        throw fail("missing", `${missing.length} of ${total} requirement${total === 1 ? "" : "s"} not found in CodeArtifact repository ${target.repository} ` +
            `(domain ${target.domain}, owner ${target.domainOwner}), pip's only index (indexOption index-url): ${missing.join("; ")}. ` +
            "Publish them to the repository, or give it an upstream repository connected to public:pypi. pip never looks up a line " +
            'that MWAA\'s preinstalled packages (Airflow, its providers) already satisfy: for such lines set indexCheck to "token".');
    }
    return requirements === undefined ? "token accepted" : `token accepted; ${total} requirement${total === 1 ? "" : "s"} found`;
}
