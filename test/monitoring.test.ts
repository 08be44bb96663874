import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { stalenessAlarmWindow } from "../monitoring";

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
