/**
 * The Lambda deployment package of a Function's `code` input, as a file map and a deterministic
 * zip: the same bytes for the same files, in any time zone, on any day.
 *
 * Under the mock engine `code` is a `pulumi.asset.AssetArchive` whose `assets` is a promise of
 * name → asset: StringAsset (`text`, a promise) or FileAsset (`path`, read relative to the current
 * directory, as the engine would). Nested archives and remote assets are refused: the package of
 * this project never contains them, so meeting one means the program changed.
 */
import * as fs from "node:fs/promises";
import * as pulumi from "@pulumi/pulumi";
import { zipSync, type Zippable } from "fflate";

export interface LambdaPackage {
    /** Archive path → file text, sorted by path. */
    readonly files: Record<string, string>;
    /** The package zipped with deflate level 9 and a fixed timestamp. */
    readonly zip: Uint8Array;
    readonly zippedBytes: number;
}

/**
 * Every entry's DOS timestamp. fflate encodes it from local-time fields, so it is built from local
 * fields too: 1980-01-01 00:00:00 (the earliest DOS date) in whatever zone the process runs.
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export class LambdaPackageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "LambdaPackageError";
    }
}

function describe(value: unknown): string {
    if (value === null || typeof value !== "object") return String(value);
    return value.constructor?.name ?? "object";
}

/** Resolves the archive's assets, then zips them. */
export async function lambdaPackage(code: unknown): Promise<LambdaPackage> {
    if (!pulumi.asset.Archive.isInstance(code) || !("assets" in code)) {
        throw new LambdaPackageError(`expected the Function's code to be an AssetArchive, got ${describe(code)}`);
    }
    const assets = (await (code as pulumi.asset.AssetArchive).assets) as Record<string, unknown>;
    const bytes = new Map<string, Uint8Array>();
    for (const name of Object.keys(assets).sort()) {
        const entry = assets[name];
        if (pulumi.asset.Archive.isInstance(entry)) {
            throw new LambdaPackageError(`${name}: nested archives are not supported in the Lambda package`);
        }
        if (!pulumi.asset.Asset.isInstance(entry)) {
            throw new LambdaPackageError(`${name}: expected an asset, got ${describe(entry)}`);
        }
        if ("text" in entry) {
            bytes.set(name, new TextEncoder().encode(await (entry as pulumi.asset.StringAsset).text));
        } else if ("path" in entry) {
            const file = await (entry as pulumi.asset.FileAsset).path;
            bytes.set(name, new Uint8Array(await fs.readFile(file)));
        } else {
            throw new LambdaPackageError(`${name}: only string and file assets are supported, got ${describe(entry)}`);
        }
    }
    const decoder = new TextDecoder();
    const files: Record<string, string> = {};
    const zippable: Zippable = {};
    for (const [name, data] of bytes) {
        files[name] = decoder.decode(data);
        zippable[name] = [data, { level: 9, mtime: FIXED_MTIME }];
    }
    const zip = zipSync(zippable, { level: 9, mtime: FIXED_MTIME });
    return { files, zip, zippedBytes: zip.byteLength };
}
