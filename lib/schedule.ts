/**
 * Refresh-interval arithmetic for the CodeArtifact token refresher. Pure: no Pulumi, no AWS.
 *
 * Model. A refresh that succeeds at time t writes a token valid until t + duration. Refreshes are
 * attempted every `interval` minutes (an EventBridge `rate(...)` rule). After a success at t, the
 * attempts at t + 1·interval, …, t + k·interval may fail; the token "survives" k failures when it is
 * still valid at the next attempt, t + (k+1)·interval, i.e. (k+1)·interval·60 ≤ duration. The
 * boundary is inclusive: an attempt that runs at the very second the old token expires counts as
 * "in time" (it writes a fresh token before any new container reads the file).
 *
 * Worked example (the defaults): duration 43 200 s = 12 h, interval 240 min = 4 h →
 * refreshes at 0 h (ok), 4 h (fail), 8 h (fail), 12 h (runs as the old token expires) → 2 failures
 * survived; 4 h is the largest whole-minute interval that survives two, so it is the default.
 */

/** EventBridge can fire every minute, but a refresher this frequent only burns API calls. */
export const MIN_INTERVAL_MINUTES = 5;

/** How many consecutive failed refreshes the default interval must survive. */
export const DEFAULT_FAILURES_SURVIVED = 2;

/** Smallest number of failed refreshes an accepted interval must survive (see parseSettings). */
export const REQUIRED_FAILURES_SURVIVED = 1;

function requirePositiveInteger(name: string, value: number): void {
    if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
    }
}

/**
 * Consecutive failed scheduled refreshes after which the token is still valid when the next
 * attempt runs: floor(duration / (interval·60)) − 1. 43 200 s / 240 min → 2.
 * Returns 0 when the schedule keeps the token valid only if no refresh fails, and −1 when the token
 * expires before the next scheduled refresh even without a failure.
 */
export function failedRefreshesSurvived(tokenDurationSeconds: number, intervalMinutes: number): number {
    requirePositiveInteger("tokenDurationSeconds", tokenDurationSeconds);
    requirePositiveInteger("intervalMinutes", intervalMinutes);
    return Math.floor(tokenDurationSeconds / (intervalMinutes * 60)) - 1;
}

/**
 * Largest whole-minute interval I with failedRefreshesSurvived(duration, I) ≥ `failures`, i.e.
 * floor(duration / (60·(failures+1))). Throws when not even a one-minute interval qualifies.
 */
export function maxIntervalMinutesSurviving(tokenDurationSeconds: number, failures: number): number {
    requirePositiveInteger("tokenDurationSeconds", tokenDurationSeconds);
    if (!Number.isSafeInteger(failures) || failures < 0) {
        throw new RangeError(`failures must be a non-negative integer, got ${String(failures)}`);
    }
    const minutes = Math.floor(tokenDurationSeconds / (60 * (failures + 1)));
    if (minutes < 1) {
        throw new RangeError(
            `a ${tokenDurationSeconds} s token cannot survive ${failures} failed refresh(es) at any whole-minute interval`,
        );
    }
    return minutes;
}

/**
 * Largest whole-minute interval such that at least TWO consecutive failed refreshes still leave a
 * valid token: floor(duration / 180). 43 200 s → 240; 900 s → 5 (= MIN_INTERVAL_MINUTES).
 */
export function defaultRefreshIntervalMinutes(tokenDurationSeconds: number): number {
    return maxIntervalMinutesSurviving(tokenDurationSeconds, DEFAULT_FAILURES_SURVIVED);
}

/**
 * Token life left (seconds) for a container that starts just before a refresh is due, with no
 * failure: duration − interval·60. Negative means the token has already expired by then.
 */
export function worstCaseTokenSecondsLeft(tokenDurationSeconds: number, intervalMinutes: number): number {
    requirePositiveInteger("tokenDurationSeconds", tokenDurationSeconds);
    requirePositiveInteger("intervalMinutes", intervalMinutes);
    return tokenDurationSeconds - intervalMinutes * 60;
}

/**
 * EventBridge rate expression for a whole-minute interval, in the largest unit that divides it
 * exactly; the unit is singular for a value of 1 and plural otherwise (EventBridge rejects
 * `rate(1 hours)` and `rate(5 hour)`). 240 → "rate(4 hours)", 60 → "rate(1 hour)",
 * 90 → "rate(90 minutes)", 1 → "rate(1 minute)", 1440 → "rate(1 day)".
 */
export function scheduleExpression(intervalMinutes: number): string {
    requirePositiveInteger("intervalMinutes", intervalMinutes);
    const [value, unit] =
        intervalMinutes % 1440 === 0
            ? [intervalMinutes / 1440, "day"]
            : intervalMinutes % 60 === 0
              ? [intervalMinutes / 60, "hour"]
              : [intervalMinutes, "minute"];
    return `rate(${value} ${value === 1 ? unit : `${unit}s`})`;
}
