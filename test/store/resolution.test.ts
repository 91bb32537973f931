import { describe, expect, test } from "bun:test";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { chooseResolution, MAX_POINTS } from "../../src/store/resolution.ts";

const NOW = Date.UTC(2025, 0, 31);
const DAY = 24 * HOUR_MS;
const RAW = DAY;
const ago = (ms: number) => ({ from: NOW - ms, to: NOW });

describe("chooseResolution", () => {
  test.each([
    ["the last hour, no step: raw points as stored", ago(HOUR_MS), undefined, { resolution: "raw", step: 0 }],
    ["the last 6 hours, step 10 s: raw, bucketed by 10 s", ago(6 * HOUR_MS), 10_000, { resolution: "raw", step: 10_000 }],
    ["the last day, no step: 1-minute roll-ups in 2-minute steps", ago(DAY), undefined, { resolution: "1m", step: 2 * MINUTE_MS }],
    ["the last day, step 1 min: 1-minute roll-ups", ago(DAY), MINUTE_MS, { resolution: "1m", step: MINUTE_MS }],
    ["a week, no step: 1-minute roll-ups in 14-minute steps", ago(7 * DAY), undefined, { resolution: "1m", step: 14 * MINUTE_MS }],
    ["30 days, no step: 1-hour roll-ups", ago(30 * DAY), undefined, { resolution: "1h", step: HOUR_MS }],
    ["a day, step 1 h: 1-hour roll-ups", ago(DAY), HOUR_MS, { resolution: "1h", step: HOUR_MS }],
    ["a day, step 90 s: 1-minute roll-ups, step rounded up to 2 min", ago(DAY), 90_000, { resolution: "1m", step: 2 * MINUTE_MS }],
  ] as const)("%s", (_, range, step, expected) => {
    expect(chooseResolution({ ...range, step }, NOW, RAW)).toEqual(expected);
  });

  test("a small step older than the raw window reads the 1-minute roll-ups: raw points are gone", () => {
    const from = NOW - 2 * DAY;
    expect(chooseResolution({ from, to: from + HOUR_MS, step: 10_000 }, NOW, RAW)).toEqual({ resolution: "1m", step: MINUTE_MS });
  });

  test(`a step giving more than ${MAX_POINTS} points is raised`, () => {
    const { step } = chooseResolution({ ...ago(12 * HOUR_MS), step: 1 }, NOW, RAW);
    expect(step).toBe(Math.ceil((12 * HOUR_MS) / MAX_POINTS));
  });

  test("refuses a range that ends before it starts, and a step that is not positive", () => {
    expect(() => chooseResolution({ from: NOW, to: NOW - 1 }, NOW, RAW)).toThrow(RangeError);
    expect(() => chooseResolution({ from: NOW - 1, to: NOW, step: 0 }, NOW, RAW)).toThrow(RangeError);
  });
});
