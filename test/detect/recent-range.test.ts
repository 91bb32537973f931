import { describe, expect, test } from "bun:test";
import { RecentRange } from "../../src/detect/recent-range.ts";
import { STEP, T0, noise } from "./synthetic.ts";

/**
 * Feeds `value(i)` for 0 ≤ i < count, asking after every point for the highest and lowest value since
 * a time chosen by `since(i)`, and checks both against a full scan of the history: never narrower than
 * the truth, and exactly the truth or the extreme of a span at most `ratio` times longer.
 */
function check(r: RecentRange, count: number, value: (i: number) => number, since: (i: number) => number, ratio: number): number {
  const xs: number[] = [];
  let exact = 0;
  let asked = 0;
  for (let i = 0; i < count; i++) {
    const now = T0 + i * STEP;
    xs.push(value(i));
    r.add(now, xs[i]!);
    // Asking costs nothing to the range, but a full scan here does: every 7th point is enough.
    if (i % 7 !== 0) continue;
    asked++;
    const from = Math.max(0, Math.min(i, since(i)));
    const got = { max: r.maxSince(T0 + from * STEP), min: r.minSince(T0 + from * STEP) };
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (let j = from; j <= i; j++) {
      max = Math.max(max, xs[j]!);
      min = Math.min(min, xs[j]!);
    }
    expect(got.max).toBeGreaterThanOrEqual(max);
    expect(got.min).toBeLessThanOrEqual(min);
    if (got.max === max && got.min === min) {
      exact++;
      continue;
    }
    // A span starting at most `ratio` times as long ago holds the extremes given.
    const wider = Math.max(0, Math.floor(i - ratio * (i - from)));
    let wideMax = Number.NEGATIVE_INFINITY;
    let wideMin = Number.POSITIVE_INFINITY;
    for (let j = wider; j <= i; j++) {
      wideMax = Math.max(wideMax, xs[j]!);
      wideMin = Math.min(wideMin, xs[j]!);
    }
    expect(got.max).toBeLessThanOrEqual(wideMax);
    expect(got.min).toBeGreaterThanOrEqual(wideMin);
  }
  return exact / asked;
}

describe("recent range", () => {
  test("the extremes since a time: the highest and lowest value added since then", () => {
    const r = new RecentRange();
    [5, 9, 2, 7, 4, 6].forEach((v, i) => r.add(T0 + i * STEP, v));
    expect(r.maxSince(T0)).toBe(9);
    expect(r.minSince(T0)).toBe(2);
    expect(r.maxSince(T0 + 2 * STEP)).toBe(7);
    expect(r.minSince(T0 + 3 * STEP)).toBe(4);
    expect(r.maxSince(T0 + 5 * STEP)).toBe(6);
    expect(r.maxSince(T0 + 6 * STEP)).toBeNaN();
  });

  test("on noise, exact for any span", () => {
    const n = noise(1, 10);
    const s = noise(2, 0.5);
    expect(check(new RecentRange(), 3000, () => 50 + n(), (i) => Math.floor(i * (0.5 + s())), 1)).toBe(1);
  });

  test("a steady trend keeps a bounded number of points; a span is read at most 1.3 times longer", () => {
    const n = noise(3, 1);
    const s = noise(4, 0.5);
    const r = new RecentRange();
    // Falling by half a unit a point: every point is higher than all after it, so the high side would keep them all.
    check(r, 20_000, (i) => 10_000 - 0.5 * i + n(), (i) => Math.floor(i * (0.5 + s())), 1.3);
    expect(r.toJSON().high.length).toBeLessThanOrEqual(64);
    expect(r.toJSON().low.length).toBeLessThanOrEqual(64);
  });

  test("a daily swing and a random walk: mostly exact, bounded otherwise", () => {
    const day = 288;
    const n = noise(5, 0.01);
    const s = noise(6, 0.5);
    expect(check(new RecentRange(), 20 * day, (i) => Math.sin((2 * Math.PI * i) / day) + n(), (i) => Math.floor(i * (0.5 + s())), 1.3)).toBeGreaterThan(0.9);
    const step = noise(7, 1);
    let walk = 0;
    expect(check(new RecentRange(), 20_000, () => (walk += step()), (i) => Math.floor(i * (0.5 + s())), 1.3)).toBeGreaterThan(0.6);
  });

  test("its state survives JSON, and a state that does not fit is refused", () => {
    const a = new RecentRange();
    let walk = 0;
    const n = noise(8, 1);
    for (let i = 0; i < 5000; i++) a.add(T0 + i * STEP, (walk += n()));
    const b = new RecentRange();
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 5000; i < 6000; i++) {
      const x = (walk += n());
      a.add(T0 + i * STEP, x);
      b.add(T0 + i * STEP, x);
      const since = T0 + (i - 3000) * STEP;
      expect([b.maxSince(since), b.minSince(since)]).toEqual([a.maxSince(since), a.minSince(since)]);
    }
    expect(() => new RecentRange().restore(undefined)).toThrow("recent range: missing");
    expect(() => new RecentRange().restore({ high: [[0, Number.NaN]], low: [] })).toThrow("recent range: bad point");
    expect(() =>
      new RecentRange().restore({
        high: [
          [0, 1],
          [1, 2],
        ],
        low: [],
      }),
    ).toThrow("recent range: points out of order");
  });
});
