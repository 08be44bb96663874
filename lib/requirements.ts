/**
 * Which `requirements` lines pip would look up in the index on MWAA, read as pip reads a
 * requirements file (pip `req_file.py`, `packaging` PEP 508): comments dropped, option lines and
 * per-requirement options (`--hash=…`) are not packages, nor are direct references (`name @ URL`),
 * paths, URLs and editables; extras are dropped; an environment marker that is false on MWAA's
 * Linux excludes its line. The result is what `pulumi up`'s check looks up (functions/indexCheck.ts).
 */
import { normalizeProjectName, type RequirementCheck } from "../functions/indexCheck";

/**
 * What every MWAA container is: Linux CPython. Other marker variables (the Python version, the
 * machine) depend on the environment's Airflow version and class, so a marker on them is undecided
 * and its line is looked up: a false alarm then names the line, and `indexCheck: token` skips it.
 */
export const MWAA_MARKER_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
    os_name: "posix",
    sys_platform: "linux",
    platform_system: "Linux",
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    // pip evaluates requirements-file markers with no extra selected.
    extra: "",
});

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const EXACT_PIN = /^\s*(===?)\s*(\S+?)\s*$/;

/** The requirement part of a line: the comment and the per-requirement options (from the first word starting with -) cut. */
function requirementText(line: string): string {
    const code = line.replace(/(^|\s)#.*/, "").trim();
    const words = code.split(/\s+/);
    const firstOption = words.findIndex((w) => w.startsWith("-"));
    return (firstOption < 0 ? words : words.slice(0, firstOption)).join(" ");
}

/** A line's lookup, or undefined when pip would not ask the index for it. */
export function requirementCheck(line: string): RequirementCheck | undefined {
    const text = requirementText(line);
    const name = NAME.exec(text)?.[0];
    if (name === undefined || /\.(whl|zip|tar\.gz|tgz|tar\.bz2)$/i.test(name)) return undefined;
    const [spec, marker] = splitMarker(text.slice(name.length));
    const rest = spec.replace(/^\s*\[[^\]]*\]/, "").trim();
    if (rest.startsWith("@") || /^[:/\\.]|:\/\//.test(rest)) return undefined;
    if (marker !== undefined && evaluateMarker(marker, MWAA_MARKER_ENVIRONMENT) === false) return undefined;
    const specifiers = rest.replace(/^\((.*)\)$/, "$1").split(",");
    const pin = specifiers.map((s) => EXACT_PIN.exec(s)).find((m) => m !== null);
    if (pin) return { name, pin: pin[1] === "===" ? `=${pin[2]}` : pin[2] };
    return { name };
}

/** Every line's lookup, once per project and pin, in order. */
export function requirementChecks(lines: readonly string[]): RequirementCheck[] {
    const seen = new Set<string>();
    const checks: RequirementCheck[] = [];
    for (const line of lines) {
        const check = requirementCheck(line);
        const key = check && `${normalizeProjectName(check.name)} ${check.pin ?? ""}`;
        if (check === undefined || key === undefined || seen.has(key)) continue;
        seen.add(key);
        checks.push(check);
    }
    return checks;
}

function splitMarker(text: string): [string, string | undefined] {
    const semicolon = text.indexOf(";");
    return semicolon < 0 ? [text, undefined] : [text.slice(0, semicolon), text.slice(semicolon + 1)];
}

type Tri = boolean | undefined;
const MARKER_TOKEN = /\s*(\(|\)|===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b|'[^']*'|"[^"]*"|[A-Za-z_][A-Za-z0-9_.]*)/y;

function markerTokens(marker: string): string[] | undefined {
    const tokens: string[] = [];
    MARKER_TOKEN.lastIndex = 0;
    while (MARKER_TOKEN.lastIndex < marker.length) {
        const start = MARKER_TOKEN.lastIndex;
        const m = MARKER_TOKEN.exec(marker);
        if (!m) return marker.slice(start).trim() === "" ? tokens : undefined;
        tokens.push(m[1].replace(/\s+/g, " "));
    }
    return tokens;
}

/**
 * A PEP 508 marker in three values: true, false, or undefined when it depends on a variable `known`
 * lacks (or cannot be read). Strings compare as strings; an ordering on them is undecided.
 */
export function evaluateMarker(marker: string, known: Readonly<Record<string, string>>): Tri {
    const tokens = markerTokens(marker);
    if (tokens === undefined) return undefined;
    let at = 0;
    const value = (): string | undefined => {
        const t = tokens[at++] ?? "";
        return /^['"]/.test(t) ? t.slice(1, -1) : known[t];
    };
    const comparison = (): Tri => {
        if (tokens[at] === "(") {
            at++;
            const inner = disjunction();
            at++;
            return inner;
        }
        const left = value();
        const op = tokens[at++];
        const right = value();
        if (left === undefined || right === undefined) return undefined;
        if (op === "==" || op === "===") return left === right;
        if (op === "!=") return left !== right;
        if (op === "in") return right.includes(left);
        if (op === "not in") return !right.includes(left);
        return undefined;
    };
    // `and` is decided by a false side, `or` by a true one; otherwise both sides must be decided.
    const chain = (word: string, operand: () => Tri, decisive: boolean): Tri => {
        let result = operand();
        while (tokens[at] === word) {
            at++;
            const next = operand();
            result = result === decisive || next === decisive ? decisive : result === undefined || next === undefined ? undefined : !decisive;
        }
        return result;
    };
    const conjunction = (): Tri => chain("and", comparison, false);
    const disjunction = (): Tri => chain("or", conjunction, true);
    const result = disjunction();
    return at === tokens.length ? result : undefined;
}
