// Time limits of the refresh function, in one place: the SDK clients are built from them and the
// Lambda timeout is derived from them, so that a slow network ends in the SDK's own clear error
// rather than in "Task timed out". Serialized with the handler: plain constants and pure functions.

/** Per-request limits handed to @smithy/node-http-handler. */
const HTTP = { connectionTimeoutMs: 3000, requestTimeoutMs: 10000 } as const;
/** Attempts per SDK call (standard retry mode): the first try and three retries. */
const SDK_MAX_ATTEMPTS = 4;
/**
 * Upper bound of one backoff wait of the SDK's standard retry strategy: the throttling base delay
 * (1 s in @smithy/core 3.x "retries-2026", 500 ms before) doubled per retry, capped at 20 s, plus
 * the 5 s a Retry-After hint may add.
 */
const BACKOFF = { throttlingBaseMs: 1000, capMs: 20000, retryAfterExtraMs: 5000 } as const;
/**
 * How long the deploy-time invocation keeps retrying AccessDenied while a role policy created
 * seconds earlier propagates through IAM. Terraform's AWS provider waits up to 2 minutes for the
 * same reason (its `PropagationTimeout`).
 */
const IAM_PROPAGATION_WAIT_MS = 120000;
/** Pause between two attempts while waiting for IAM propagation. */
const IAM_PROPAGATION_RETRY_DELAY_MS = 5000;
/** Init (module load, client construction) and the EMF write, with room to spare. */
const INIT_AND_LOG_MARGIN_MS = 15000;
/**
 * The check of a new token against the repository's simple index (indexCheck.ts): each request is
 * bounded, a 5xx, 429 or network error is retried `retryDelayMs` later up to `attempts` in all, at
 * most `concurrency` requests run at once, and no request starts after `budgetMs` from the check's start.
 */
const INDEX_CHECK = { requestTimeoutMs: 10000, attempts: 3, retryDelayMs: 2000, concurrency: 4, budgetMs: 60000 } as const;
export { HTTP, SDK_MAX_ATTEMPTS, IAM_PROPAGATION_WAIT_MS, IAM_PROPAGATION_RETRY_DELAY_MS, INDEX_CHECK };

/** Worst case of one SDK call: every attempt times out at connect plus request, with the longest backoffs between. */
export function sdkCallBudgetMs(): number {
    let backoffs = 0;
    for (let retry = 0; retry < SDK_MAX_ATTEMPTS - 1; retry++) {
        backoffs += Math.min(BACKOFF.capMs, BACKOFF.throttlingBaseMs * 2 ** retry) + BACKOFF.retryAfterExtraMs;
    }
    return SDK_MAX_ATTEMPTS * (HTTP.connectionTimeoutMs + HTTP.requestTimeoutMs) + backoffs;
}

/** Worst case of the index check: its budget, then the requests already started running out their timeout. */
export function indexCheckBudgetMs(): number {
    return INDEX_CHECK.budgetMs + INDEX_CHECK.requestTimeoutMs;
}

/**
 * Worst case of one refresh: the two CodeArtifact calls (concurrent), the index check, then the S3
 * PutObject. The deploy-time invocation may spend the IAM propagation wait before its last attempt.
 */
export function refreshBudgetMs(): number {
    return 2 * sdkCallBudgetMs() + indexCheckBudgetMs();
}

/** The Lambda timeout: the propagation wait, then one full refresh, then the margin. */
export function functionTimeoutSeconds(): number {
    return Math.ceil((IAM_PROPAGATION_WAIT_MS + refreshBudgetMs() + INIT_AND_LOG_MARGIN_MS) / 1000);
}
