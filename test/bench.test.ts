// The benchmark's pure helpers (tools/bench/bench.ts): statistics and table formatting. Nothing here is
// timed and no bench number is asserted; importing the module runs nothing (main is guarded).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
    formatBytes, formatCount, formatMs, formatRatio, formatTable, median, parseBenchArgs, percentile, summarize, timedRow, valueRow,
    DEFAULT_CALLS, DEFAULT_RUNS,
} from "../tools/bench/bench";

describe("bench statistics", () => {
    test("median of odd and even counts, in any input order", () => {
        assert.equal(median([5]), 5);
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 2.5);
        assert.equal(median([10, 10, 1, 1000]), 10);
    });

    test("percentile interpolates linearly between closest ranks", () => {
        const oneToTwenty = Array.from({ length: 20 }, (_, i) => 20 - i);
        assert.equal(percentile(oneToTwenty, 0), 1);
        assert.equal(percentile(oneToTwenty, 100), 20);
        assert.equal(percentile(oneToTwenty, 50), 10.5);
        assert.ok(Math.abs(percentile(oneToTwenty, 95) - 19.05) < 1e-9);
        assert.equal(percentile([7, 7, 7], 95), 7);
        assert.equal(percentile(oneToTwenty, 50), median(oneToTwenty));
    });

    test("percentile refuses no values and p outside 0..100", () => {
        assert.throws(() => percentile([], 50), RangeError);
        assert.throws(() => percentile([1], -1), RangeError);
        assert.throws(() => percentile([1], 101), RangeError);
        assert.throws(() => percentile([1], Number.NaN), RangeError);
    });

    test("percentile and summarize leave the input untouched", () => {
        const values = [3, 1, 2];
        assert.deepEqual(summarize(values), { n: 3, median: 2, p95: 2.9, min: 1, max: 3 });
        assert.deepEqual(values, [3, 1, 2]);
    });
});

describe("bench formatting", () => {
    test("numbers", () => {
        assert.equal(formatMs(1.234), "1.23 ms");
        assert.equal(formatMs(12.34), "12.3 ms");
        assert.equal(formatMs(1234.5), "1235 ms");
        assert.equal(formatCount(0), "0");
        assert.equal(formatCount(999), "999");
        assert.equal(formatCount(1000), "1,000");
        assert.equal(formatCount(3334843), "3,334,843");
        assert.equal(formatBytes(3505), "3,505 B");
        assert.equal(formatRatio(2.137), "2.14x");
        assert.equal(formatRatio(951.4), "951x");
        assert.equal(formatRatio(3650), "3,650x");
    });

    test("timed rows: p95 only from 20 samples, n shown", () => {
        const few = timedRow("few", [3, 1, 2], "a note");
        assert.deepEqual(few, { label: "few", median: "2.00 ms", min: "1.00 ms", max: "3.00 ms", n: "3", note: "a note" });
        const many = timedRow("many", Array.from({ length: 20 }, (_, i) => i + 1));
        assert.equal(many.p95, "19.1 ms");
        assert.equal(many.median, "10.5 ms");
        assert.equal(many.note, undefined);
    });

    test("the table is aligned: every column starts at the same offset on every line", () => {
        const text = formatTable([
            valueRow("Lambda package, ours: zipped", "3,505 B", "note one"),
            timedRow("short", [100, 200, 300]),
            valueRow("  ratio", "2.14x"),
        ]);
        assert.ok(text.endsWith("\n"));
        const lines = text.trimEnd().split("\n");
        assert.equal(lines.length, 5);
        assert.match(lines[0], /^measurement\s+median\s+p95\s+min\s+max\s+n\s+note$/);
        assert.match(lines[1], /^-+( {2}-+){6}$/);
        for (const line of lines) assert.equal(line, line.trimEnd(), "no trailing spaces");
        // Right-aligned median column: each value ends where the header's "median" ends.
        const medianEnd = lines[0].indexOf("median") + "median".length;
        const rule = lines[1].split("  ").map((dashes) => dashes.length);
        assert.equal(medianEnd, rule[0] + 2 + rule[1]);
        assert.equal(lines[2].slice(0, medianEnd).trimEnd().endsWith("3,505 B"), true);
        assert.equal(lines[3].slice(0, medianEnd).trimEnd().endsWith("200 ms"), true);
        assert.equal(lines[4].slice(0, medianEnd).trimEnd().endsWith("2.14x"), true);
        // Absent cells print "-", the absent note nothing; the note column starts at one offset.
        const noteStart = lines[0].indexOf("note");
        assert.equal(lines[2].slice(noteStart), "note one");
        assert.equal(lines[4].length < noteStart, true);
        assert.match(lines[4], /2\.14x\s+-\s+-\s+-\s+-$/);
        // Left-aligned labels keep their leading spaces.
        assert.ok(lines[4].startsWith("  ratio "));
    });
});

describe("bench arguments and archive walk", () => {
    test("--runs and --calls, with defaults and refusals", () => {
        assert.deepEqual(parseBenchArgs([]), { runs: DEFAULT_RUNS, calls: DEFAULT_CALLS, help: false });
        assert.deepEqual(parseBenchArgs(["--runs", "5", "--calls", "20"]), { runs: 5, calls: 20, help: false });
        assert.throws(() => parseBenchArgs(["--runs", "0"]), /--runs must be an integer >= 1/);
        assert.throws(() => parseBenchArgs(["--calls", "1"]), /--calls must be an integer >= 2/);
        assert.throws(() => parseBenchArgs(["--runs", "2.5"]), /--runs/);
        assert.throws(() => parseBenchArgs(["--bogus"]));
    });
});
