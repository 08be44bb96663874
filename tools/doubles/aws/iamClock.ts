/**
 * Preloaded (node --require) into the double's Lambda child. The deploy-time invocation waits out
 * IAM propagation in pauses of IAM_PROPAGATION_RETRY_DELAY_MS for up to two minutes; here those
 * pauses pass 100 times faster and Date.now moves on by the time skipped, so the handler counts
 * its attempts and elapsed seconds exactly as on AWS while a test waits about a second. Every
 * other timer (the SDK's connect and request timeouts) runs at its real length.
 */
import { IAM_PROPAGATION_RETRY_DELAY_MS } from "../../../functions/limits";

const SPEEDUP = 100;
let skippedMs = 0;
const realNow = Date.now.bind(Date);
const realSetTimeout = globalThis.setTimeout;

Date.now = () => realNow() + skippedMs;

function warpedSetTimeout(callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]): NodeJS.Timeout {
    if (delay !== IAM_PROPAGATION_RETRY_DELAY_MS) return realSetTimeout(callback, delay, ...args);
    const shortened = delay / SPEEDUP;
    return realSetTimeout(() => {
        skippedMs += delay - shortened;
        callback(...args);
    }, shortened);
}

Object.assign(globalThis, { setTimeout: warpedSetTimeout });
