// A tiny, valid, pure-Python wheel (PEP 427 / PEP 491), built in memory with fflate: one package
// `<module>/__init__.py`, and `<dist>-<version>.dist-info/` with METADATA, WHEEL and a RECORD that
// lists every other file with its urlsafe-base64 (unpadded) sha256 digest and size.
import { createHash } from "node:crypto";
import { zipSync } from "fflate";

export interface Wheel {
    /** The PEP 503 normalized project name, e.g. "your-package". */
    readonly project: string;
    readonly version: string;
    /** Importable module name, e.g. "your_package". */
    readonly module: string;
    /** `<dist>-<version>-py3-none-any.whl` */
    readonly filename: string;
    readonly data: Uint8Array;
    /** Lowercase hex sha256 of the whole file, for the index's `#sha256=` fragment. */
    readonly sha256: string;
    /** The value `<module>.VALUE` holds once imported. */
    readonly marker: string;
}

/** PEP 503 normalization: runs of `-`, `_`, `.` become one `-`, lowercased. */
export function normalizeProjectName(name: string): string {
    return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** The distribution name as wheel file names spell it (PEP 427 escaping, normalized): `your-package` → `your_package`. */
function wheelDistName(name: string): string {
    return name.replace(/[-_.]+/g, "_").toLowerCase();
}

function recordDigest(data: Uint8Array): string {
    return "sha256=" + createHash("sha256").update(data).digest("base64url");
}

/** Builds `<name>-<version>-py3-none-any.whl` holding `<module>/__init__.py` with `VALUE = "<marker>"`. */
export function buildWheel(name: string, version = "0.1.0"): Wheel {
    if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name)) throw new Error(`invalid project name ${JSON.stringify(name)}`);
    if (!/^\d+(\.\d+)*$/.test(version)) throw new Error(`use a plain release version, got ${JSON.stringify(version)}`);
    const dist = wheelDistName(name);
    const module = dist;
    const distInfo = `${dist}-${version}.dist-info`;
    const marker = `${module} ${version} from the local test index`;
    const enc = (s: string) => new TextEncoder().encode(s);
    const files: [string, Uint8Array][] = [
        [`${module}/__init__.py`, enc(`VALUE = ${JSON.stringify(marker)}\n`)],
        [`${distInfo}/METADATA`, enc(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: Test wheel served by a local index\n\n`)],
        [`${distInfo}/WHEEL`, enc("Wheel-Version: 1.0\nGenerator: mwaa-codeartifact-token tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n")],
    ];
    const record = files.map(([p, d]) => `${p},${recordDigest(d)},${d.byteLength}`).concat(`${distInfo}/RECORD,,`).join("\n") + "\n";
    files.push([`${distInfo}/RECORD`, enc(record)]);
    // A fixed timestamp keeps the bytes (and so the sha256) reproducible.
    const mtime = new Date("2024-01-01T00:00:00Z");
    const data = zipSync(Object.fromEntries(files.map(([p, d]) => [p, [d, { mtime }]])), { level: 9 });
    return {
        project: normalizeProjectName(name),
        version,
        module,
        filename: `${dist}-${version}-py3-none-any.whl`,
        data,
        sha256: createHash("sha256").update(data).digest("hex"),
        marker,
    };
}
