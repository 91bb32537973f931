import { describe, expect, test } from "bun:test";
import { createStatisticalDetector, type StatisticalOptions } from "../../src/detect/statistical.ts";
import { at, feed, noise } from "./synthetic.ts";

const OPTIONS: StatisticalOptions = {
  metric: "aiops_cpu_usage_percent",
  labels: {},
  warmupPoints: 300,
  anomalyScore: 0.999,
  minDeviation: 5,
  findingType: "cpu_usage_anomaly",
};

function detector(options: Partial<StatisticalOptions> = {}) {
  return createStatisticalDetector({ ...OPTIONS, ...options });
}

function maxScore(results: { score: number }[]): number {
  return Math.max(...results.map((r) => r.score));
}

function findingCount(results: { finding?: unknown }[]): number {
  return results.filter((r) => r.finding !== undefined).length;
}

/** Standard normal draws, the same on every run. */
function gaussian(seed: number): () => number {
  const u = noise(seed, 0.5);
  return () => Math.sqrt(-2 * Math.log(0.5 - u() + 1e-12)) * Math.cos(2 * Math.PI * (0.5 + u()));
}

describe("statistical detector", () => {
  test("stays quiet while it warms up, even on wild values", () => {
    const d = detector();
    const n = noise(1, 30);
    const results = feed(d.update.bind(d), 0, 300, (i) => (i % 50 === 0 ? 500 : 50 + n()));
    expect(maxScore(results)).toBe(0);
    expect(findingCount(results)).toBe(0);
  });

  test("the score is calibrated: on N(20, 1) noise about 1 point in 100 scores 0.99, and none scores 1", () => {
    const d = detector();
    const g = gaussian(40);
    const results = feed(d.update.bind(d), 0, 30_000, () => 20 + g()).slice(3000);
    const share = (s: number) => results.filter((r) => r.score >= s).length / results.length;
    expect(share(0.9)).toBeGreaterThan(0.05);
    expect(share(0.9)).toBeLessThan(0.15);
    expect(share(0.99)).toBeGreaterThan(0.004);
    expect(share(0.99)).toBeLessThan(0.02);
    expect(maxScore(results)).toBeLessThan(1);
    // Graded, not binary: plenty of scores between the ordinary and the alarming.
    expect(results.filter((r) => r.score > 0.5 && r.score < 0.99).length).toBeGreaterThan(results.length / 10);
  });

  test("a quiet period holds findings back on a young series; scores are already there", () => {
    const d = detector({ quietSeconds: 2 * 86_400 });
    const n = noise(2, 1);
    // Five-minute points: the jump at point 400 comes after 33 h 20 min of history, the one at 1400 after 4.9 days.
    feed(d.update.bind(d), 0, 400, () => 20 + n());
    const young = d.update(at(400), 40);
    expect(young.score).toBeGreaterThan(0.999);
    expect(young.finding).toBeUndefined();
    feed(d.update.bind(d), 401, 1400, () => 20 + n());
    const older = d.update(at(1400), 40);
    expect(older.score).toBeGreaterThan(0.999);
    expect(older.finding?.type).toBe("cpu_usage_anomaly");
  });

  test("a flat line scores nothing, and a change on it is found at once", () => {
    const d = detector();
    const flat = feed(d.update.bind(d), 0, 2000, () => 42);
    expect(maxScore(flat)).toBe(0);
    expect(findingCount(flat)).toBe(0);
    const change = d.update(at(2000), 43);
    expect(change.score).toBe(1);
    expect(change.finding?.type).toBe("cpu_usage_anomaly");
  });

  test("a spike is scored high and raises a finding for its point only", () => {
    const d = detector();
    const n = noise(3, 1);
    const before = feed(d.update.bind(d), 0, 2000, () => 20 + n());
    expect(findingCount(before)).toBe(0);
    const spike = d.update(at(2000), 40);
    expect(spike.score).toBeGreaterThan(0.9999);
    expect(spike.finding).toMatchObject({
      type: "cpu_usage_anomaly",
      severity: "warning",
      value: 40,
      metric: "aiops_cpu_usage_percent",
      detector: "statistical",
      timestamp: new Date(at(2000)).toISOString(),
    });
    expect(spike.finding!.message).toMatch(/^Unusual aiops_cpu_usage_percent: 40\.00, expected about (19|20)\.\d\d$/);
    expect(spike.finding!.threshold).toBeGreaterThan(20);
    expect(spike.finding!.threshold).toBeLessThan(40);
    const after = feed(d.update.bind(d), 2001, 2200, () => 20 + n());
    expect(findingCount(after)).toBe(0);
  });

  test("one old spike does not hide later ones: a smaller spike weeks later is still found", () => {
    const d = detector({ tuning: { holdMs: 0 } });
    const n = noise(4, 1);
    feed(d.update.bind(d), 0, 1000, () => 20 + n());
    expect(d.update(at(1000), 200).finding).toBeDefined();
    feed(d.update.bind(d), 1001, 5000, () => 20 + n());
    const later = d.update(at(5000), 30);
    expect(later.score).toBeGreaterThan(0.999);
    expect(later.finding).toBeDefined();
  });

  test("spikes of a size the series keeps showing stop being findings; a larger one still is", () => {
    // A burst to 35 every 1100 points on 20 ± 1: rarer than the tails' 99.9th percentile, where they are
    // extrapolated (every burst one in a million), but after two the series has shown that size: its
    // own count says how common it is (about one in a thousand), and most later bursts are not findings.
    const series = (n: () => number) => (i: number) => (i > 0 && i % 1100 === 0 ? 35 : 20 + n());
    const bursts = (rs: { finding?: unknown }[]) => rs.filter((r, i) => i > 2200 && i % 1100 === 0 && r.finding !== undefined).length;
    const counted = detector({ tuning: { holdMs: 0 } });
    const extrapolated = detector({ tuning: { holdMs: 0, recurringPoints: Number.POSITIVE_INFINITY } });
    const a = feed(counted.update.bind(counted), 0, 15_000, series(noise(12, 1)));
    const b = feed(extrapolated.update.bind(extrapolated), 0, 15_000, series(noise(12, 1)));
    expect(bursts(b)).toBe(11);
    expect(bursts(a)).toBeLessThan(4);
    expect(counted.update(at(15_000), 60).finding).toBeDefined();
  });

  test("after a finding, another within the hold time is the same event; after it, a new one", () => {
    const d = detector({ tuning: { holdMs: 100 * 5 * 60_000 } });
    const n = noise(5, 1);
    feed(d.update.bind(d), 0, 2000, () => 20 + n());
    expect(d.update(at(2000), 40).finding).toBeDefined();
    feed(d.update.bind(d), 2001, 2020, () => 20 + n());
    // Twenty points later, above or below: held back.
    expect(d.update(at(2020), 45).finding).toBeUndefined();
    feed(d.update.bind(d), 2021, 2040, () => 20 + n());
    expect(d.update(at(2040), -10).finding).toBeUndefined();
    feed(d.update.bind(d), 2041, 2200, () => 20 + n());
    // Past the hold time (100 points of five minutes): a new event.
    expect(d.update(at(2200), -20).finding).toBeDefined();
  });

  test("a long modest shift scores high: a temperature falling from 45 to 2 over two hours is found", () => {
    const d = detector({ metric: "temperature", findingType: "temperature_anomaly" });
    const n = noise(6, 1);
    feed(d.update.bind(d), 0, 2000, () => 45 + n());
    // 24 five-minute points, 1.8 degrees each: no single step is a spike.
    const fall = feed(d.update.bind(d), 2000, 2024, (i) => 45 - (43 * (i - 1999)) / 24 + n());
    const first = fall.findIndex((r) => r.finding !== undefined);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(12);
  });

  test("a shift of two standard deviations, held, is scored high by its CUSUM", () => {
    const d = detector();
    const g = gaussian(7);
    feed(d.update.bind(d), 0, 3000, () => 20 + g());
    const shift = feed(d.update.bind(d), 3000, 3040, () => 22 + g());
    expect(maxScore(shift)).toBeGreaterThan(0.999);
    expect(d.evidence.cusum).toBeGreaterThan(0);
  });

  test("a mostly-zero counter: its ordinary blips are not huge deviations, and findings come no more often than the score's odds", () => {
    const d = detector();
    const u = noise(8, 0.5);
    const results = feed(d.update.bind(d), 0, 6000, () => (u() + 0.5 < 0.03 ? 1 + Math.floor((u() + 0.5) * 5) : 0));
    const onsets = results.filter((r, i) => r.finding !== undefined && results[i - 1]?.finding === undefined).length;
    // anomaly_score 0.999: at most one point in a thousand.
    expect(onsets).toBeLessThanOrEqual(6);
    const deviations: number[] = [];
    for (let i = 6000; i < 7000; i++) {
      d.update(at(i), i % 40 === 0 ? 3 : 0);
      if (i % 40 === 0) deviations.push(d.deviation);
    }
    expect(Math.max(...deviations)).toBeLessThan(30);
  });

  test("a daily pattern is learned and is not an anomaly", () => {
    const d = detector();
    const n = noise(9, 2);
    const day = 288;
    const daily = (i: number) => 50 + 30 * Math.sin((2 * Math.PI * i) / day) + n();
    const results = feed(d.update.bind(d), 0, 10 * day, daily);
    expect(findingCount(results.slice(day))).toBe(0);
  });

  test("a jump inside a learned daily pattern is found, though the value stays in the daily range", () => {
    const d = detector();
    const n = noise(10, 1);
    const day = 288;
    // Low at night (20), high by day (80), as NAB's art_daily files.
    const daily = (i: number) => ((i % day) >= 108 && (i % day) < 216 ? 80 : 20) + n();
    feed(d.update.bind(d), 0, 8 * day, daily);
    // On day 9 the day-time plateau is at 45 instead of 80: inside the range ever seen, yet wrong for the hour.
    const odd = feed(d.update.bind(d), 8 * day, 9 * day, (i) => ((i % day) >= 108 && (i % day) < 216 ? 45 + n() : daily(i)));
    expect(maxScore(odd.slice(108, 130))).toBeGreaterThan(0.999);
    expect(findingCount(odd.slice(108, 130))).toBeGreaterThan(0);
  });

  test("missing points (NaN) are gaps: skipped, never poisoning the model", () => {
    const d = detector();
    const n = noise(11, 1);
    const results = feed(d.update.bind(d), 0, 2500, (i) => (i % 10 === 0 || (i > 700 && i < 760) ? Number.NaN : 20 + n()));
    for (const r of results) {
      expect(Number.isFinite(r.score)).toBe(true);
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    expect(results.filter((r, i) => i % 10 === 0 && r.score !== 0).length).toBe(0);
    expect(findingCount(results.slice(300))).toBe(0);
    expect(d.update(at(2500), 40).score).toBeGreaterThan(0.999);
  });

  test("negative values are ordinary values: a dip below a negative level is found", () => {
    const d = detector({ metric: "aiops_temperature", findingType: "temperature_anomaly" });
    const n = noise(12, 1);
    const quiet = feed(d.update.bind(d), 0, 2000, () => -50 + n());
    expect(findingCount(quiet)).toBe(0);
    const dip = d.update(at(2000), -80);
    expect(dip.finding?.value).toBe(-80);
    expect(dip.finding!.threshold).toBeLessThan(-50);
  });

  test("an outlier in the baseline barely moves it", () => {
    const d = detector();
    const n = noise(13, 1);
    feed(d.update.bind(d), 0, 1000, () => 20 + n());
    const before = d.expected;
    d.update(at(1000), 10_000);
    d.update(at(1001), 20);
    expect(Math.abs(d.expected - before)).toBeLessThan(1);
  });

  test("its state survives JSON: a restored detector scores exactly as the original", () => {
    const a = detector();
    const n = noise(14, 1);
    feed(a.update.bind(a), 0, 1200, () => 20 + n());
    const b = createStatisticalDetector(OPTIONS, JSON.parse(JSON.stringify(a.snapshot())));
    const m = noise(15, 1);
    for (let i = 1200; i < 1400; i++) {
      const v = i === 1300 ? 45 : 20 + m();
      expect(b.update(at(i), v)).toEqual(a.update(at(i), v));
    }
    // Bounded: well under 32 KB per series, even as JSON.
    expect(JSON.stringify(a.snapshot()).length).toBeLessThan(32 * 1024);
  });

  test("a state that does not fit, or from the older detector, is refused with the reason", () => {
    expect(() => createStatisticalDetector(OPTIONS, { v: 7 })).toThrow("statistical state: unknown version");
    expect(() => createStatisticalDetector(OPTIONS, { v: 2, n: 10 })).toThrow("statistical state: version 2 is from an older detector, learning afresh");
    const good = detector().snapshot() as unknown as Record<string, unknown>;
    expect(() => createStatisticalDetector(OPTIONS, { ...good, level: "x" })).toThrow("statistical state: bad level");
    expect(() => createStatisticalDetector(OPTIONS, { ...good, spikes: { counts: [] } })).toThrow("statistical state: empirical tail: wrong bin count");
  });

  test("without a finding type it only scores", () => {
    const d = detector({ findingType: undefined });
    feed(d.update.bind(d), 0, 1000, () => 42);
    const r = d.update(at(1000), 99);
    expect(r.score).toBe(1);
    expect(r.finding).toBeUndefined();
  });
});
