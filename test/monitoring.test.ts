import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stalenessAlarmWindow } from "../lib/monitoring";
import { type AlarmState, type Datapoint, evaluateStalenessAlarm } from "./support/alarmModel";
import { STALE_ALARM_MISSING_DATA } from "../lib/component";

/** Token durations and intervals the settings accept: one missed refresh is always survivable. */
const acceptedSchedule = fc.integer({ min: 900, max: 43_200 }).chain((duration) =>
    fc.tuple(fc.constant(duration), fc.integer({ min: 5, max: Math.floor(duration / 120) })));

test("the defaults give a 1-hour period, 5 periods, and six hours of warning", () => {
    assert.deepEqual(stalenessAlarmWindow(43_200, 240), {
        periodSeconds: 3600, evaluationPeriods: 5, thresholdSeconds: 14_400, tokenSecondsLeftWhenAlarmFires: 21_600,
    });
});

test("for every accepted schedule the alarm stays quiet between healthy refreshes and fires before expiry", () => {
    fc.assert(fc.property(acceptedSchedule, ([duration, interval]) => {
        const w = stalenessAlarmWindow(duration, interval);
        // A healthy refresh lands in every window of evaluationPeriods periods.
        assert.ok(w.evaluationPeriods * w.periodSeconds > interval * 60);
        // Worst-case silence before the alarm is still shorter than the token's life.
        assert.ok((w.evaluationPeriods + 1) * w.periodSeconds < duration);
        assert.ok(w.tokenSecondsLeftWhenAlarmFires >= 300);
        assert.ok(w.evaluationPeriods * w.periodSeconds <= 86_400);
        assert.ok([60, 300, 900, 1800, 3600].includes(w.periodSeconds));
    }), { numRuns: 500 });
});

test("a schedule no alarm window can cover is refused with the key to change", () => {
    assert.throws(() => stalenessAlarmWindow(900, 14), /shorten refreshIntervalMinutes/);
});

// ---------------------------------------------------------------------------------------------
// Timeline of a first deploy: the alarm is created right after the deploy-time refresh, whose EMF
// datapoint CloudWatch ingests a few minutes later. Times in seconds from the start of `pulumi up`.
// ---------------------------------------------------------------------------------------------

const DEPLOY_REFRESH_AT = 40;
const ALARM_CREATED_AT = 45;
/** EMF extraction usually takes well under a minute; the timeline allows two. */
const INGESTION_DELAY = 120;

/** The alarm's state at each one-minute evaluation from its creation until `untilSeconds`. */
function timeline(
    treat: "breaching" | "missing", duration: number, interval: number, datapoints: Datapoint[], untilSeconds: number,
): { at: number; state: AlarmState }[] {
    const w = stalenessAlarmWindow(duration, interval);
    const states: { at: number; state: AlarmState }[] = [];
    for (let at = ALARM_CREATED_AT; at <= untilSeconds; at += 60) {
        states.push({ at, state: evaluateStalenessAlarm(w, treat, datapoints, at) });
    }
    return states;
}

/** Healthy refreshes: the deploy-time one, then one per interval, each ingested after INGESTION_DELAY. */
function healthyRefreshes(duration: number, interval: number, untilSeconds: number): Datapoint[] {
    const out: Datapoint[] = [];
    for (let t = DEPLOY_REFRESH_AT; t <= untilSeconds; t += interval * 60) {
        out.push({ timestampSeconds: t, ingestedAtSeconds: t + INGESTION_DELAY, value: duration });
    }
    return out;
}

/** The states an alarm notifies on: every change after its initial INSUFFICIENT_DATA. */
function notifications(states: { at: number; state: AlarmState }[]): { at: number; state: AlarmState }[] {
    let current: AlarmState = "INSUFFICIENT_DATA";
    return states.filter(({ state }) => {
        const changed = state !== current;
        current = state;
        return changed;
    });
}

test("first deploy, prod defaults: no ALARM notification, then OK once the datapoint is ingested", () => {
    const day = 86_400;
    const states = timeline(STALE_ALARM_MISSING_DATA, 43_200, 240, healthyRefreshes(43_200, 240, day), day);
    assert.deepEqual(notifications(states).map((n) => n.state), ["OK"]);
    // The model evaluates complete periods only, so OK follows within one period of ingestion.
    assert.ok(notifications(states)[0].at <= DEPLOY_REFRESH_AT + INGESTION_DELAY + 3600 + 60);
});

test("first deploy, dev stack (1 h tokens every 20 min): no ALARM notification, then OK", () => {
    const states = timeline(STALE_ALARM_MISSING_DATA, 3600, 20, healthyRefreshes(3600, 20, 86_400), 86_400);
    assert.deepEqual(notifications(states).map((n) => n.state), ["OK"]);
});

test("first deploy, every accepted schedule: healthy refreshes never reach ALARM (property)", () => {
    fc.assert(fc.property(acceptedSchedule, ([duration, interval]) => {
        const until = 2 * 86_400;
        const states = timeline(STALE_ALARM_MISSING_DATA, duration, interval, healthyRefreshes(duration, interval, until), until);
        assert.ok(!states.some((s) => s.state === "ALARM"), `${duration}s token every ${interval} min`);
    }), { numRuns: 100 });
});

test("the old setting, missing data as breaching, paged at every first deploy", () => {
    const states = timeline("breaching", 43_200, 240, healthyRefreshes(43_200, 240, 3600), 3600);
    assert.equal(states[0].state, "ALARM");
});

test("a function that stops running is reported (INSUFFICIENT_DATA) while its last token is still valid", () => {
    fc.assert(fc.property(acceptedSchedule, ([duration, interval]) => {
        // Healthy for a day, then silence: no datapoint after the last refresh.
        const datapoints = healthyRefreshes(duration, interval, 86_400);
        const lastRefresh = datapoints[datapoints.length - 1].timestampSeconds;
        const states = timeline(STALE_ALARM_MISSING_DATA, duration, interval, datapoints, lastRefresh + duration);
        const silence = notifications(states).find((n) => n.state !== "OK" && n.at > lastRefresh);
        assert.ok(silence, "the silence was never notified");
        assert.equal(silence.state, "INSUFFICIENT_DATA");
        assert.ok(silence.at < lastRefresh + duration, "notified only after the token had expired");
    }), { numRuns: 100 });
});

test("refreshes that succeed but return short-lived tokens go to ALARM", () => {
    const w = stalenessAlarmWindow(43_200, 240);
    const short: Datapoint[] = Array.from({ length: 12 }, (_, i) => ({ timestampSeconds: i * 1800, ingestedAtSeconds: i * 1800 + 60, value: 600 }));
    assert.equal(evaluateStalenessAlarm(w, STALE_ALARM_MISSING_DATA, short, 6 * 3600), "ALARM");
});

test("the longest period wins when the token outlasts the worst silence by exactly the 5-minute lead", () => {
    // 20-minute refreshes, 1-hour periods: 2 periods evaluated, silence up to 3 h; 11 100 s leaves 300 s.
    assert.deepEqual(stalenessAlarmWindow(11_100, 20), {
        periodSeconds: 3600, evaluationPeriods: 2, thresholdSeconds: 1200, tokenSecondsLeftWhenAlarmFires: 300,
    });
});

test("a window of exactly one day is allowed; none longer is ever returned", () => {
    // 23-hour refreshes: 24 one-hour periods, the day CloudWatch allows.
    assert.deepEqual(stalenessAlarmWindow(90_300, 1380), {
        periodSeconds: 3600, evaluationPeriods: 24, thresholdSeconds: 82_800, tokenSecondsLeftWhenAlarmFires: 300,
    });
    // Daily refreshes need 25 periods of any length: every window would exceed the day.
    assert.throws(() => stalenessAlarmWindow(10 * 86_400, 1440), /no staleness alarm window fits/);
});

test("the refusal names the schedule", () => {
    assert.throws(() => stalenessAlarmWindow(900, 14),
        (err: Error) => err.message === "no staleness alarm window fits a 900s token refreshed every 14 minutes; shorten refreshIntervalMinutes");
});
