/**
 * Pure sizing of the staleness alarm. The handler emits `TokenSecondsLeft` after every successful
 * refresh. The alarm treats missing data as "missing": a window with no datapoint at all moves it
 * to INSUFFICIENT_DATA, which notifies like ALARM, so it also reports a function that stopped being
 * invoked; and a brand-new alarm, which has seen nothing yet, stays in its initial INSUFFICIENT_DATA
 * instead of paging ("breaching" would put it in ALARM at every first deploy). The window must be
 * longer than one refresh interval (no false alarm between two healthy refreshes) and short enough
 * that the alarm fires while the last token is still valid.
 */

export interface StalenessAlarmWindow {
    /** CloudWatch period in seconds. */
    readonly periodSeconds: number;
    /** Consecutive breaching periods needed (and evaluated). */
    readonly evaluationPeriods: number;
    /** A fresh token must have more than this many seconds left: it must outlast the next refresh. */
    readonly thresholdSeconds: number;
    /**
     * Worst case, seconds of validity the last good token still has when the alarm fires
     * (ignoring CloudWatch's own evaluation delay of a few minutes).
     */
    readonly tokenSecondsLeftWhenAlarmFires: number;
}

/** Candidate periods, longest first: fewer datapoints to pay for, as long as they fit. */
const PERIODS = [3600, 1800, 900, 300, 60] as const;
/** CloudWatch refuses EvaluationPeriods × Period above one day. */
const MAX_WINDOW_SECONDS = 86_400;
/** Head start kept for a human to react before the token expires. */
const MIN_LEAD_SECONDS = 300;

export function stalenessAlarmWindow(tokenDurationSeconds: number, refreshIntervalMinutes: number): StalenessAlarmWindow {
    const intervalSeconds = refreshIntervalMinutes * 60;
    for (const periodSeconds of PERIODS) {
        // The newest datapoint may sit anywhere in a period, so the silence that trips the alarm
        // lasts between (evaluationPeriods) and (evaluationPeriods + 1) periods.
        const evaluationPeriods = Math.ceil(intervalSeconds / periodSeconds) + 1;
        const worstSilence = (evaluationPeriods + 1) * periodSeconds;
        const lead = tokenDurationSeconds - worstSilence;
        if (evaluationPeriods * periodSeconds <= MAX_WINDOW_SECONDS && lead >= MIN_LEAD_SECONDS) {
            return { periodSeconds, evaluationPeriods, thresholdSeconds: intervalSeconds, tokenSecondsLeftWhenAlarmFires: lead };
        }
    }
    throw new Error(
        `no staleness alarm window fits a ${tokenDurationSeconds}s token refreshed every ${refreshIntervalMinutes} minutes; ` +
            `shorten refreshIntervalMinutes`,
    );
}
