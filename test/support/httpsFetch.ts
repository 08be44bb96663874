// The index check's HTTP client for tests in this process: what Node's fetch does for the check
// (GET, headers, an abort signal, the body read or cancelled), over node:https trusting one more CA
// (the local index's self-signed certificate). Node 20's fetch cannot be given a CA in-process
// (NODE_EXTRA_CA_CERTS is read at start), so children running the packaged function use the real
// fetch with NODE_EXTRA_CA_CERTS, and unit tests use this.
import { readFileSync } from "node:fs";
import https from "node:https";
import type { IndexFetch } from "../../functions/indexCheck";

export function fetchTrusting(caFile: string): IndexFetch {
    const ca = readFileSync(caFile);
    return (url, init) => new Promise((resolve, reject) => {
        const aborted = (): Error => (init.signal.reason instanceof Error ? init.signal.reason : new Error("aborted"));
        if (init.signal.aborted) {
            reject(aborted());
            return;
        }
        const req = https.request(url, { method: "GET", headers: init.headers, ca }, (res) => {
            const chunks: Buffer[] = [];
            const ended = new Promise<string>((done, fail) => {
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
                res.on("error", fail);
            });
            ended.catch(() => undefined);
            resolve({
                status: res.statusCode ?? 0,
                text: () => ended,
                body: { cancel: () => Promise.resolve(void res.destroy()) },
            });
        });
        const onAbort = (): void => {
            req.destroy();
            reject(aborted());
        };
        init.signal.addEventListener("abort", onAbort, { once: true });
        req.on("error", (err) => reject(err));
        req.on("close", () => init.signal.removeEventListener("abort", onAbort));
        req.end();
    });
}
