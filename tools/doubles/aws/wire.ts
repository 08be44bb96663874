/**
 * Property values as the SDK's provider server hands them to the double: `Struct.toJavaScript()` of
 * the engine's wire format, where secrets, assets, archives and unknowns are objects tagged with a
 * signature key (`@pulumi/pulumi/runtime/rpc`). The double stores plain values and re-marks the
 * secrets it was given, as the real provider does.
 */
import { specialArchiveSig, specialAssetSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

function signatureOf(value: unknown): unknown {
    return typeof value === "object" && value !== null ? (value as Props)[specialSigKey] : undefined;
}

/** True for an unknown value (a preview's "known after apply"), anywhere inside `value`. */
export function containsUnknown(value: unknown): boolean {
    if (value === unknownValue) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
    return false;
}

/** The value with every secret wrapper removed (assets and archives are kept as given). */
export function unwrapSecrets(value: unknown): unknown {
    if (signatureOf(value) === specialSecretSig) return unwrapSecrets((value as Props).value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null && signatureOf(value) === undefined) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** The top-level properties that arrived as secrets, so outputs can carry them back as secrets. */
export function secretKeys(props: Props): string[] {
    return Object.keys(props).filter((k) => signatureOf(props[k]) === specialSecretSig);
}

/** Wraps `value` as a secret in the wire format. */
export function secret(value: unknown): Props {
    return { [specialSigKey]: specialSecretSig, value };
}

/** A plain string property, or undefined when absent; throws when it is something else. */
export function str(props: Props, key: string): string | undefined {
    const value = props[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw new Error(`${key}: expected a string, got ${JSON.stringify(value)}`);
    return value;
}

/** A required string property. */
export function requireStr(props: Props, key: string): string {
    const value = str(props, key);
    if (value === undefined || value === "") throw new Error(`${key} is required`);
    return value;
}

/** The text files of an AssetArchive whose members are StringAssets (what the program's Lambda code is). */
export function archiveFiles(archive: unknown): Record<string, string> {
    if (signatureOf(archive) !== specialArchiveSig) throw new Error("code: expected an archive");
    const assets = (archive as { assets?: Props }).assets;
    if (assets === undefined) throw new Error("code: only AssetArchives of StringAssets are modelled by the double");
    const files: Record<string, string> = {};
    for (const [name, asset] of Object.entries(assets)) {
        const text = (asset as { text?: unknown }).text;
        if (signatureOf(asset) !== specialAssetSig || typeof text !== "string") {
            throw new Error(`code: ${name} is not a StringAsset; the double models only those`);
        }
        files[name] = text;
    }
    return files;
}
