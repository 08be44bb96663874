/**
 * A child of `npm run bench`: evaluates a program declaring N refreshers (one platform team, many
 * MWAA environments) under the mock engine and prints its evaluation time, from the first
 * constructor to the last registration, as one `BENCH_RESULT {"ms": ...}` line.
 *
 *   node scripts/ts.js tools/bench/manyRefreshers.ts <N>
 */
import * as pulumi from "@pulumi/pulumi";
import { CodeArtifactTokenRefresher } from "../../lib/component";
import { drainRegistrations, RecordingMocks } from "../preview/mocks";

export const MANY_RESULT_MARKER = "BENCH_RESULT ";

/** Declares `count` refreshers, one bucket each, and resolves with the wall time in ms. */
export async function evaluateRefreshers(count: number): Promise<number> {
    const mocks = new RecordingMocks({ accountId: "111122223333", region: "us-west-2" });
    pulumi.runtime.setAllConfig({ "aws:region": "us-west-2" });
    await pulumi.runtime.setMocks(mocks, "mwaa-codeartifact-token", "bench", false);
    const start = process.hrtime.bigint();
    const refreshers = Array.from({ length: count }, (_, i) => new CodeArtifactTokenRefresher(`env${i}`, {
        bucket: `airflow-env${i}-111122223333-us-west-2`, domain: "your-domain", repository: "your_repo",
    }));
    await Promise.all(refreshers.map((r) => new Promise((resolve) => r.alarmNames.apply(resolve))));
    await drainRegistrations();
    const functions = mocks.ofType("aws:lambda/function:Function").length;
    if (functions !== count) throw new Error(`expected ${count} functions, registered ${functions}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
}

if (require.main === module) {
    const count = Number(process.argv[2]);
    if (!Number.isInteger(count) || count < 1) {
        process.stderr.write("usage: manyRefreshers.ts <number of refreshers, at least 1>\n");
        process.exitCode = 2;
    } else {
        evaluateRefreshers(count).then(
            (ms) => process.stdout.write(`${MANY_RESULT_MARKER}${JSON.stringify({ ms })}\n`),
            (err: unknown) => {
                process.stdout.write(`${MANY_RESULT_MARKER}${JSON.stringify({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) })}\n`);
                process.exitCode = 1;
            });
    }
}
