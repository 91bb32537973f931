import { describe, expect, test } from "bun:test";
import { createStatisticalDetector, type StatisticalOptions } from "../../src/detect/statistical.ts";
import { at, feed, noise } from "./synthetic.ts";

const OPTIONS: StatisticalOptions = {
  metric: "aiops_cpu_usage_percent",
  labels: {},
  warmupPoints: 300,
  anomalyScore: 0.9,
  minDeviation: 4,
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

describe("statistical detector", () => {
  test("stays quiet while it warms up, even on wild values", () => {
    const d = detector();
    const n = noise(1, 30);
    const results = feed(d.update.bind(d), 0, 300, (i) => (i % 50 === 0 ? 500 : 50 + n()));
    expect(maxScore(results)).toBe(0);
    expect(findingCount(results)).toBe(0);
  });

  test("a quiet period holds findings back on a young series; scores are already there", () => {
    const d = detector({ quietSeconds: 2 * 86_400 });
    // Five-minute points: the jump at point 400 comes after 33 h 20 min of history, the one at 700 after 58 h 20 min.
    feed(d.update.bind(d), 0, 400, () => 20);
    const young = d.update(at(400), 40);
    expect(young.score).toBe(1);
    expect(young.finding).toBeUndefined();
    feed(d.update.bind(d), 401, 700, () => 20);
    const older = d.update(at(700), 40);
    expect(older.score).toBe(1);
    expect(older.finding?.type).toBe("cpu_usage_anomaly");
  });

  test("a flat line scores nothing, and a change on it is found at once", () => {
    const d = detector();
    const flat = feed(d.update.bind(d), 0, 2000, () => 42);
    expect(maxScore(flat)).toBe(0);
    expect(findingCount(flat)).toBe(0);
    const change = d.update(at(2000), 43);
    expect(change.score).toBeGreaterThanOrEqual(0.9);
    expect(change.finding?.type).toBe("cpu_usage_anomaly");
  });

  test("a spike is scored high, raises a finding for its point only, and is found once", () => {
    const d = detector();
    const n = noise(2, 1);
    const before = feed(d.update.bind(d), 0, 1000, () => 20 + n());
    expect(findingCount(before.slice(300))).toBe(0);
    const spike = d.update(at(1000), 40);
    expect(spike.score).toBe(1);
    expect(spike.finding).toMatchObject({
      type: "cpu_usage_anomaly",
      severity: "warning",
      value: 40,
      metric: "aiops_cpu_usage_percent",
      detector: "statistical",
      timestamp: new Date(at(1000)).toISOString(),
    });
    expect(spike.finding!.message).toMatch(/^Unusual aiops_cpu_usage_percent: 40\.00, expected about 2\d\.\d\d$/);
    expect(spike.finding!.threshold).toBeGreaterThan(20);
    expect(spike.finding!.threshold).toBeLessThan(40);
    const after = feed(d.update.bind(d), 1001, 1100, () => 20 + n());
    expect(findingCount(after)).toBe(0);
    // Suppression: the event is one detection, not a run of them.
    expect(after.filter((r) => r.score > 0.3).length).toBe(0);
  });

  test("suppression lasts a time, not a number of points: hourly spikes a day apart are two events", () => {
    const d = detector();
    const n = noise(21, 1);
    const hour = 3_600_000;
    const hourly = (i: number) => at(0) + i * hour;
    for (let i = 0; i < 1000; i++) d.update(hourly(i), 20 + n());
    expect(d.update(hourly(1000), 40).score).toBe(1);
    for (let i = 1001; i < 1010; i++) d.update(hourly(i), 20 + n());
    // Ten hours later, still the same event: a spike no higher is held back.
    expect(d.update(hourly(1010), 40).score).toBe(0);
    for (let i = 1011; i < 1030; i++) d.update(hourly(i), 20 + n());
    // Thirty hours later (30 points, far fewer than 5-minute data would take): a new event.
    expect(d.update(hourly(1030), 50).score).toBe(1);
  });

  test("a record low soon after a record high is another event, not held back", () => {
    const d = detector();
    const n = noise(23, 1);
    feed(d.update.bind(d), 0, 1000, () => 20 + n());
    expect(d.update(at(1000), 40).score).toBe(1);
    feed(d.update.bind(d), 1001, 1020, () => 20 + n());
    // Same side, still the same event: held back.
    expect(d.update(at(1020), 45).score).toBe(0);
    feed(d.update.bind(d), 1021, 1040, () => 20 + n());
    // The other side: a drop below anything seen is found, though it comes within the suppression time.
    expect(d.update(at(1040), 0).score).toBe(1);
  });

  test("a state saved before suppression was timed is taken back", () => {
    const a = detector();
    const n = noise(22, 1);
    feed(a.update.bind(a), 0, 1000, () => 20 + n());
    a.update(at(1000), 40);
    const saved = a.snapshot() as unknown as Record<string, unknown>;
    const { peakAt: _, ...old } = saved;
    const b = createStatisticalDetector(OPTIONS, { ...old, since: 0 });
    // The detection was just now: a spike no higher is still held back.
    expect(b.update(at(1001), 40).score).toBe(0);
  });

  test("an early burst stops hiding later anomalies once it is old: a shift below its height is found", () => {
    const d = detector();
    const n = noise(30, 1);
    // A burst at 60 early on (points 100 to 160), then quiet at 20 for a week.
    feed(d.update.bind(d), 0, 2000, (i) => (i >= 100 && i < 160 ? 60 : 20) + n());
    // A level shift to 40: never a record of all history (the burst was higher), yet the highest in
    // the latest 90 % of it, which is all the burst's shadow covers now.
    const shift = feed(d.update.bind(d), 2000, 2100, () => 40 + n());
    expect(maxScore(shift.slice(0, 10))).toBeGreaterThanOrEqual(0.9);
    expect(shift.findIndex((r) => r.finding !== undefined)).toBeLessThan(10);
  });

  test("a likelihood that creeps up as one event goes on is one detection; a record in it still passes", () => {
    const d = detector();
    const n = noise(31, 1);
    // Spikes to ±6 every 100 points set the range; then the noise triples for a while, inside that range.
    feed(d.update.bind(d), 0, 2000, (i) => 20 + (i % 100 === 50 ? (i % 200 === 50 ? 6 : -6) : n()));
    const m = noise(32, 3);
    const burst = feed(d.update.bind(d), 2000, 2040, () => 20 + m());
    const first = burst.findIndex((r) => r.score > 0.3);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(burst[first]!.score).toBeLessThan(0.9);
    // The likelihood goes on rising, but it is the same event: held back.
    expect(maxScore(burst.slice(first + 1))).toBe(0);
    // A value beyond anything seen is stronger evidence: it passes.
    expect(d.update(at(2040), 35).score).toBe(1);
  });

  test("a step to a new level is found when it happens, then learned", () => {
    const d = detector();
    const n = noise(3, 1);
    feed(d.update.bind(d), 0, 1000, () => 20 + n());
    const step = feed(d.update.bind(d), 1000, 1600, () => 30 + n());
    expect(maxScore(step.slice(0, 3))).toBeGreaterThanOrEqual(0.9);
    expect(step[0]!.finding?.type).toBe("cpu_usage_anomaly");
    // Learned: the finding stops, and the new level raises nothing more.
    const last = step.findLastIndex((r) => r.finding !== undefined);
    expect(last).toBeLessThan(300);
    expect(findingCount(step.slice(300))).toBe(0);
    expect(d.expected).toBeGreaterThan(29);
  });

  test("a slow ramp out of the usual range is found as it leaves it", () => {
    const d = detector();
    const n = noise(4, 1);
    feed(d.update.bind(d), 0, 1000, () => 20 + n());
    const ramp = feed(d.update.bind(d), 1000, 1400, (i) => 20 + 0.05 * (i - 1000) + n());
    const first = ramp.findIndex((r) => r.score >= 0.9);
    expect(first).toBeGreaterThan(0);
    // Found before the ramp has gone 10 units (10 noise amplitudes) from where it started.
    expect(first).toBeLessThan(200);
  });

  test("a wider spread (variance change) is found", () => {
    const d = detector();
    const n = noise(5, 1);
    feed(d.update.bind(d), 0, 1500, () => 20 + n());
    const wide = feed(d.update.bind(d), 1500, 1600, () => 20 + 6 * n());
    expect(maxScore(wide)).toBeGreaterThanOrEqual(0.9);
  });

  test("a daily pattern is learned and is not an anomaly", () => {
    const d = detector();
    const n = noise(6, 2);
    const day = 288;
    const daily = (i: number) => 50 + 30 * Math.sin((2 * Math.PI * i) / day) + n();
    const results = feed(d.update.bind(d), 0, 10 * day, daily);
    expect(findingCount(results.slice(day))).toBe(0);
    expect(maxScore(results.slice(3 * day))).toBeLessThan(0.5);
  });

  test("a jump inside a learned daily pattern is found, though the value stays in the daily range", () => {
    const d = detector();
    const n = noise(7, 1);
    const day = 288;
    // Low at night (20), high by day (80), as NAB's art_daily files.
    const daily = (i: number) => ((i % day) >= 108 && (i % day) < 216 ? 80 : 20) + n();
    const learned = feed(d.update.bind(d), 0, 8 * day, daily);
    expect(findingCount(learned.slice(3 * day))).toBe(0);
    // On day 9 the day-time plateau is at 45 instead of 80: inside the range ever seen, yet wrong for the hour.
    const odd = feed(d.update.bind(d), 8 * day, 9 * day, (i) => ((i % day) >= 108 && (i % day) < 216 ? 45 + n() : daily(i)));
    expect(maxScore(odd.slice(108, 130))).toBeGreaterThanOrEqual(0.9);
  });

  test("missing points (NaN) are gaps: skipped, never poisoning the model", () => {
    const d = detector();
    const n = noise(8, 1);
    const results = feed(d.update.bind(d), 0, 1500, (i) => (i % 10 === 0 || (i > 700 && i < 760) ? Number.NaN : 20 + n()));
    for (const r of results) {
      expect(Number.isFinite(r.score)).toBe(true);
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    expect(results.filter((r, i) => i % 10 === 0 && r.score !== 0).length).toBe(0);
    expect(findingCount(results.slice(300))).toBe(0);
    expect(Number.isFinite(d.expected)).toBe(true);
    // Still sharp after the gaps.
    expect(d.update(at(1500), 40).score).toBe(1);
  });

  test("negative values are ordinary values: a dip below a negative level is found", () => {
    const d = detector({ metric: "aiops_temperature", findingType: "temperature_anomaly" });
    const n = noise(9, 1);
    const quiet = feed(d.update.bind(d), 0, 1000, () => -50 + n());
    expect(findingCount(quiet.slice(300))).toBe(0);
    const dip = d.update(at(1000), -80);
    expect(dip.score).toBe(1);
    expect(dip.finding?.value).toBe(-80);
    expect(dip.finding!.threshold).toBeLessThan(-50);
  });

  test("a series crossing zero is handled like any other", () => {
    const d = detector();
    const n = noise(10, 0.5);
    const results = feed(d.update.bind(d), 0, 1500, (i) => 3 * Math.sin(i / 40) + n());
    expect(findingCount(results.slice(400))).toBe(0);
  });

  test("an outlier in the baseline barely moves it", () => {
    const d = detector();
    const n = noise(11, 1);
    feed(d.update.bind(d), 0, 1000, () => 20 + n());
    const before = d.expected;
    d.update(at(1000), 10_000);
    // `expected` is what the model predicted for the point it was just given: the one after the outlier.
    d.update(at(1001), 20);
    expect(Math.abs(d.expected - before)).toBeLessThan(1);
  });

  test("its state survives JSON: a restored detector scores exactly as the original", () => {
    const a = detector();
    const n = noise(12, 1);
    feed(a.update.bind(a), 0, 1200, () => 20 + n());
    const b = createStatisticalDetector(OPTIONS, JSON.parse(JSON.stringify(a.snapshot())));
    const m = noise(13, 1);
    for (let i = 1200; i < 1400; i++) {
      const v = i === 1300 ? 45 : 20 + m();
      expect(b.update(at(i), v)).toEqual(a.update(at(i), v));
    }
  });

  test("a state that does not fit is refused with the reason", () => {
    expect(() => createStatisticalDetector(OPTIONS, { v: 3 })).toThrow("statistical state: unknown version");
    const good = detector().snapshot() as unknown as Record<string, unknown>;
    expect(() => createStatisticalDetector(OPTIONS, { ...good, level: "x" })).toThrow("statistical state: bad level");
    expect(() => createStatisticalDetector(OPTIONS, { ...good, recent: { value: { high: [], low: [] } } })).toThrow("statistical state: bad recent ranges");
  });

  test("a state saved with all-time ranges (version 1) is taken back, its ranges as seen when it was saved", () => {
    const a = detector();
    const n = noise(33, 1);
    feed(a.update.bind(a), 0, 1000, () => 20 + n());
    const { records: _, ...rest } = a.snapshot() as unknown as Record<string, unknown>;
    const v1 = { ...rest, v: 1, lo: 19, hi: 21, fastLo: 19.5, fastHi: 20.5, slowLo: 19.8, slowHi: 20.2, residualLo: null, residualHi: null };
    const b = createStatisticalDetector(OPTIONS, v1);
    expect(b.update(at(1000), 20.5).score).toBeLessThan(0.9);
    expect(b.update(at(1001), 40).score).toBe(1);
  });

  test("without a finding type it only scores", () => {
    const d = detector({ findingType: undefined });
    feed(d.update.bind(d), 0, 1000, () => 42);
    const r = d.update(at(1000), 99);
    expect(r.score).toBe(1);
    expect(r.finding).toBeUndefined();
  });
});
