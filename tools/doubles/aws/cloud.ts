/**
 * The double's "AWS account": what exists outside S3, kept in one JSON file in a folder per test so
 * it outlives each CLI run (every `pulumi` command starts the provider afresh). S3 objects are not
 * here: they live in the S3 server, the one the deployed function writes to as well.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Props } from "./wire";

/** Where the double finds its world; the engine passes the CLI's environment on to the provider. */
export const DOUBLE_ENV = Object.freeze({
    cloudDir: "MWAA_DOUBLE_CLOUD_DIR",
    s3Endpoint: "MWAA_DOUBLE_S3_ENDPOINT",
    codeartifactEndpoint: "MWAA_DOUBLE_CODEARTIFACT_ENDPOINT",
    accountId: "MWAA_DOUBLE_ACCOUNT_ID",
    /** The CA certificate of the repository's local HTTPS index, which the deployed function trusts. */
    caFile: "MWAA_DOUBLE_CA_FILE",
});

export const DEFAULT_ACCOUNT_ID = "111122223333";

export interface CloudSettings {
    readonly dir: string;
    readonly s3Endpoint: string;
    readonly codeartifactEndpoint: string;
    readonly accountId: string;
    readonly caFile?: string;
}

export function cloudSettingsFromEnv(env: NodeJS.ProcessEnv): CloudSettings {
    const need = (name: string): string => {
        const value = env[name];
        if (!value) throw new Error(`the aws double needs ${name} in its environment`);
        return value;
    };
    return {
        dir: need(DOUBLE_ENV.cloudDir),
        s3Endpoint: need(DOUBLE_ENV.s3Endpoint),
        codeartifactEndpoint: need(DOUBLE_ENV.codeartifactEndpoint),
        accountId: env[DOUBLE_ENV.accountId] || DEFAULT_ACCOUNT_ID,
        ...(env[DOUBLE_ENV.caFile] ? { caFile: env[DOUBLE_ENV.caFile] } : {}),
    };
}

interface CloudFile {
    /** type token → physical id → stored properties */
    resources: Record<string, Record<string, Props>>;
}

/** A record of live resources by type and physical id; every change is written through at once. */
export class CloudStore {
    private readonly file: string;

    constructor(readonly dir: string) {
        fs.mkdirSync(dir, { recursive: true });
        this.file = path.join(dir, "cloud.json");
    }

    private load(): CloudFile {
        if (!fs.existsSync(this.file)) return { resources: {} };
        return JSON.parse(fs.readFileSync(this.file, "utf8")) as CloudFile;
    }

    private save(data: CloudFile): void {
        const partial = `${this.file}.partial-${process.pid}`;
        fs.writeFileSync(partial, JSON.stringify(data, null, 1));
        fs.renameSync(partial, this.file);
    }

    /**
     * Read-modify-write under a lock file: a program in another language has two default aws
     * providers (its own and the component's), two double processes sharing this cloud.
     */
    private update(change: (data: CloudFile) => void): void {
        const lock = `${this.file}.lock`;
        for (let attempt = 0; ; attempt++) {
            try {
                fs.closeSync(fs.openSync(lock, "wx"));
                break;
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 2000) throw err;
                Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            }
        }
        try {
            const data = this.load();
            change(data);
            this.save(data);
        } finally {
            fs.rmSync(lock, { force: true });
        }
    }

    get(type: string, id: string): Props | undefined {
        return this.load().resources[type]?.[id];
    }

    put(type: string, id: string, props: Props): void {
        this.update((data) => {
            (data.resources[type] ??= {})[id] = props;
        });
    }

    remove(type: string, id: string): void {
        this.update((data) => {
            delete data.resources[type]?.[id];
        });
    }

    /** Every live resource of a type, by id. */
    list(type: string): Record<string, Props> {
        return { ...this.load().resources[type] };
    }

    /** The ids of every live resource, by type; types with none left out. */
    liveIds(): Record<string, string[]> {
        const live: Record<string, string[]> = {};
        for (const [type, byId] of Object.entries(this.load().resources)) {
            if (Object.keys(byId).length > 0) live[type] = Object.keys(byId);
        }
        return live;
    }

    /** The folder that holds a function's deployed code, one per function name. */
    codeDir(functionName: string): string {
        return path.join(this.dir, "functions", functionName);
    }
}
