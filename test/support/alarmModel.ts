// A model of CloudWatch's evaluation of the staleness alarm, for reasoning about its timeline in
// tests; the alarm's sizing itself is lib/monitoring.ts.
import type { StalenessAlarmWindow } from "../../lib/monitoring";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** A datapoint of `TokenSecondsLeft`: when it was measured and when CloudWatch made it visible. */
export interface Datapoint {
    readonly timestampSeconds: number;
    readonly ingestedAtSeconds: number;
    readonly value: number;
}

/**
 * A model of one CloudWatch evaluation of the staleness alarm at `atSeconds`, enough to reason
 * about its timeline: the N complete periods before `atSeconds`, each the Maximum of the datapoints
 * visible by then; an alarm with DatapointsToAlarm = EvaluationPeriods = N.
 * - all periods missing: ALARM under "breaching", INSUFFICIENT_DATA under "missing";
 * - otherwise ALARM when every period that counts breaches ("breaching" counts missing periods as
 *   breaching, "missing" leaves them out), else OK.
 */
export function evaluateStalenessAlarm(
    window: StalenessAlarmWindow,
    treatMissingData: "breaching" | "missing",
    datapoints: readonly Datapoint[],
    atSeconds: number,
): AlarmState {
    const end = Math.floor(atSeconds / window.periodSeconds) * window.periodSeconds;
    const periods: (number | undefined)[] = [];
    for (let i = window.evaluationPeriods; i >= 1; i--) {
        const start = end - i * window.periodSeconds;
        const values = datapoints
            .filter((d) => d.ingestedAtSeconds <= atSeconds && d.timestampSeconds >= start && d.timestampSeconds < start + window.periodSeconds)
            .map((d) => d.value);
        periods.push(values.length === 0 ? undefined : Math.max(...values));
    }
    const present = periods.filter((v): v is number => v !== undefined);
    if (present.length === 0) return treatMissingData === "breaching" ? "ALARM" : "INSUFFICIENT_DATA";
    const counted = treatMissingData === "breaching" ? periods : present;
    return counted.every((v) => v === undefined || v < window.thresholdSeconds) ? "ALARM" : "OK";
}
