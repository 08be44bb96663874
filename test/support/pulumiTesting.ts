import * as pulumi from "@pulumi/pulumi";
import { drainRegistrations, RecordingMocks } from "../../tools/preview/mocks";

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
export const settle = drainRegistrations;
