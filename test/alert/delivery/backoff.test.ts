import { describe, expect, test } from "bun:test";
import { retryDelayMs } from "../../../src/alert/delivery/backoff.ts";
import { seededRandom } from "../../support/seeded-random.ts";

const settings = { baseMs: 1000, maxMs: 60_000 };

describe("retry delay: exponential backoff with full jitter", () => {
  test("each wait is uniform below base × 2^(failures − 1), capped", () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, settings, half))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const top = () => 0.999999;
    expect(retryDelayMs(20, settings, top)).toBe(60_000);
    // A huge failure count neither overflows nor goes past the cap.
    expect(retryDelayMs(10_000, settings, top)).toBe(60_000);
  });

  test("a seeded source gives the same schedule every run, spread over the whole window", () => {
    const a = Array.from({ length: 6 }, (_, i) => retryDelayMs(i + 1, settings, seededRandom(42)));
    const b = Array.from({ length: 6 }, (_, i) => retryDelayMs(i + 1, settings, seededRandom(42)));
    expect(a).toEqual(b);
    const random = seededRandom(7);
    const waits = Array.from({ length: 2000 }, () => retryDelayMs(3, settings, random));
    expect(Math.min(...waits)).toBeLessThan(200);
    expect(Math.max(...waits)).toBeGreaterThan(3800);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4000);
  });

  test("never zero: a random source stuck at 0 makes no busy loop", () => {
    expect(retryDelayMs(1, settings, () => 0)).toBe(1);
  });

  test("Retry-After is honoured: never earlier than asked, never shorter than the backoff, bounded by the cap", () => {
    const low = () => 0.1;
    expect(retryDelayMs(1, settings, low, 5000)).toBe(5000);
    // The receiver asks for less than the backoff would wait: the backoff stands (no tight loop on Retry-After: 0).
    expect(retryDelayMs(5, settings, () => 0.5, 0)).toBe(8000);
    // Hours: cut to the cap.
    expect(retryDelayMs(1, settings, low, 3_600_000)).toBe(60_000);
  });
});
