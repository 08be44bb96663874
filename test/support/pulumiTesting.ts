import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks } from "../../offline/mocks";

export const PROJECT = "mwaa-codeartifact-token";
export const ACCOUNT = "111122223333";

/** Installs recording mocks; call before any resource is constructed. */
export function installMocks(opts: { region?: string; stack?: string; config?: Record<string, string> } = {}): RecordingMocks {
    const region = opts.region ?? "us-west-2";
    const mocks = new RecordingMocks({ accountId: ACCOUNT, region });
    pulumi.runtime.setAllConfig({ "aws:region": region, ...opts.config });
    void pulumi.runtime.setMocks(mocks, PROJECT, opts.stack ?? "dev", false);
    return mocks;
}

/** The resolved value of an output (unknowns never occur under mocks outside preview). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Waits until every registration the program started has reached the mock engine. */
export async function settle(): Promise<void> {
    // waitForRPCs is the SDK's own drain of pending resource RPCs (used by disconnect); it is
    // internal, so reach it by path rather than re-implement it with timers.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
    await settings.waitForRPCs();
}
