import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
    MIN_INTERVAL_MINUTES,
    defaultRefreshIntervalMinutes,
    failedRefreshesSurvived,
    maxIntervalMinutesSurviving,
    scheduleExpression,
    worstCaseTokenSecondsLeft,
} from "../lib/schedule";

const RATE = /^rate\((1 (minute|hour|day)|\d+ (minutes|hours|days))\)$/;
const duration = fc.integer({ min: 900, max: 43200 });

/** Independent model: simulate attempts after a success at t = 0 and count failures survived. */
function simulateFailuresSurvived(durationSeconds: number, intervalMinutes: number): number {
    let failures = -1;
    // The (k+1)-th attempt after the last success still finds a valid token: (k+1)·I·60 ≤ D.
    while ((failures + 2) * intervalMinutes * 60 <= durationSeconds) failures++;
    return failures;
}

describe("schedule: worked examples", () => {
    test("the defaults: 43200 s → 240 min, surviving 2 failed refreshes", () => {
        assert.equal(defaultRefreshIntervalMinutes(43200), 240);
        assert.equal(failedRefreshesSurvived(43200, 240), 2);
        assert.equal(failedRefreshesSurvived(43200, 241), 1);
        assert.equal(worstCaseTokenSecondsLeft(43200, 240), 28800);
        assert.equal(scheduleExpression(240), "rate(4 hours)");
    });

    test("the shortest token: 900 s → the minimum interval", () => {
        assert.equal(defaultRefreshIntervalMinutes(900), 5);
        assert.equal(defaultRefreshIntervalMinutes(900), MIN_INTERVAL_MINUTES);
        assert.equal(failedRefreshesSurvived(900, 5), 2);
    });

    test("one-hour token → 20 minutes", () => {
        assert.equal(defaultRefreshIntervalMinutes(3600), 20);
        assert.equal(scheduleExpression(20), "rate(20 minutes)");
    });

    test("failures survived can be 0 and -1", () => {
        assert.equal(failedRefreshesSurvived(43200, 720), 0);
        assert.equal(failedRefreshesSurvived(43200, 721), -1);
        assert.equal(worstCaseTokenSecondsLeft(43200, 721), -60);
    });

    test("largest interval surviving one failure", () => {
        assert.equal(maxIntervalMinutesSurviving(43200, 1), 360);
        assert.equal(maxIntervalMinutesSurviving(3600, 1), 30);
        assert.equal(maxIntervalMinutesSurviving(900, 1), 7);
    });

    test("rate expressions use singular units for 1 and the largest exact unit", () => {
        assert.equal(scheduleExpression(1), "rate(1 minute)");
        assert.equal(scheduleExpression(5), "rate(5 minutes)");
        assert.equal(scheduleExpression(60), "rate(1 hour)");
        assert.equal(scheduleExpression(90), "rate(90 minutes)");
        assert.equal(scheduleExpression(120), "rate(2 hours)");
        assert.equal(scheduleExpression(1440), "rate(1 day)");
        assert.equal(scheduleExpression(1500), "rate(25 hours)");
        assert.equal(scheduleExpression(2880), "rate(2 days)");
    });

    test("invalid inputs throw RangeError", () => {
        for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
            assert.throws(() => scheduleExpression(bad), RangeError);
            assert.throws(() => failedRefreshesSurvived(43200, bad), RangeError);
            assert.throws(() => failedRefreshesSurvived(bad, 5), RangeError);
            assert.throws(() => worstCaseTokenSecondsLeft(bad, 5), RangeError);
        }
        assert.throws(() => defaultRefreshIntervalMinutes(179), RangeError);
        assert.equal(defaultRefreshIntervalMinutes(180), 1);
    });
});

describe("schedule: properties", () => {
    test("default interval survives ≥ 2 failures and is maximal (interval+1 survives fewer)", () => {
        fc.assert(
            fc.property(duration, (d) => {
                const interval = defaultRefreshIntervalMinutes(d);
                assert.ok(interval >= MIN_INTERVAL_MINUTES);
                assert.ok(failedRefreshesSurvived(d, interval) >= 2);
                assert.ok(failedRefreshesSurvived(d, interval + 1) < 2);
            }),
            { numRuns: 2000 },
        );
    });

    test("every duration 900..43200 (exhaustive): default survives 2, default+1 does not", () => {
        for (let d = 900; d <= 43200; d++) {
            const interval = defaultRefreshIntervalMinutes(d);
            assert.ok(interval >= MIN_INTERVAL_MINUTES && failedRefreshesSurvived(d, interval) >= 2, `d=${d}`);
            assert.ok(failedRefreshesSurvived(d, interval + 1) < 2, `d=${d}`);
        }
    });

    test("failedRefreshesSurvived agrees with a step-by-step simulation", () => {
        fc.assert(
            fc.property(duration, fc.integer({ min: 1, max: 1000 }), (d, i) => {
                assert.equal(failedRefreshesSurvived(d, i), simulateFailuresSurvived(d, i));
            }),
            { numRuns: 2000 },
        );
    });

    test("failedRefreshesSurvived never increases with the interval", () => {
        fc.assert(
            fc.property(duration, fc.integer({ min: 1, max: 1000 }), (d, i) => {
                assert.ok(failedRefreshesSurvived(d, i + 1) <= failedRefreshesSurvived(d, i));
            }),
        );
    });

    test("worstCaseTokenSecondsLeft = duration − interval·60", () => {
        fc.assert(
            fc.property(duration, fc.integer({ min: 1, max: 1000 }), (d, i) => {
                assert.equal(worstCaseTokenSecondsLeft(d, i), d - i * 60);
            }),
        );
    });

    test("scheduleExpression is valid EventBridge syntax and denotes the interval", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 10_000_000 }), (i) => {
                const expr = scheduleExpression(i);
                assert.match(expr, RATE);
                assert.doesNotMatch(expr, /^rate\(1 (minutes|hours|days)\)$/);
                assert.doesNotMatch(expr, /^rate\(([02-9]|\d{2,}) (minute|hour|day)\)$/);
                const [, value, unit] = /^rate\((\d+) (\w+?)s?\)$/.exec(expr) ?? [];
                const factor = { minute: 1, hour: 60, day: 1440 }[unit as "minute" | "hour" | "day"];
                assert.equal(Number(value) * factor, i);
            }),
            { numRuns: 2000 },
        );
    });

    test("scheduleExpression of every default interval", () => {
        fc.assert(
            fc.property(duration, (d) => {
                assert.match(scheduleExpression(defaultRefreshIntervalMinutes(d)), RATE);
            }),
        );
    });
});

describe("schedule: messages", () => {
    test("a bad argument is named with its value", () => {
        const cases: ReadonlyArray<readonly [() => unknown, string]> = [
            [() => failedRefreshesSurvived(0, 5), "tokenDurationSeconds must be a positive integer, got 0"],
            [() => failedRefreshesSurvived(43200, 1.5), "intervalMinutes must be a positive integer, got 1.5"],
            [() => maxIntervalMinutesSurviving(-1, 2), "tokenDurationSeconds must be a positive integer, got -1"],
            [() => maxIntervalMinutesSurviving(43200, -1), "failures must be a non-negative integer, got -1"],
            [() => maxIntervalMinutesSurviving(43200, 0.5), "failures must be a non-negative integer, got 0.5"],
            [() => maxIntervalMinutesSurviving(120, 2), "a 120 s token cannot survive 2 failed refresh(es) at any whole-minute interval"],
            [() => worstCaseTokenSecondsLeft(Number.NaN, 5), "tokenDurationSeconds must be a positive integer, got NaN"],
            [() => worstCaseTokenSecondsLeft(900, 0), "intervalMinutes must be a positive integer, got 0"],
            [() => scheduleExpression(-5), "intervalMinutes must be a positive integer, got -5"],
        ];
        for (const [call, message] of cases) {
            assert.throws(call, (err: Error) => err instanceof RangeError && err.message === message, message);
        }
    });

    test("surviving no failure at all is a valid request", () => {
        assert.equal(maxIntervalMinutesSurviving(43200, 0), 720);
    });
});
