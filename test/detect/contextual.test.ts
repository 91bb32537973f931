import { describe, expect, test } from "bun:test";
import { type ContextualOptions, createContextualDetector } from "../../src/detect/contextual.ts";
import { feed, noise } from "./synthetic.ts";

const OPTIONS: ContextualOptions = {
  metric: "aiops_cpu_usage_percent",
  labels: {},
  warmupPoints: 150,
  anomalyScore: 0.999,
  quietSeconds: 86_400,
  findingType: "cpu_usage_pattern_anomaly",
  flatlineType: "cpu_usage_flatline",
};

function detector(options: Partial<ContextualOptions> = {}) {
  return createContextualDetector({ ...OPTIONS, ...options });
}

/** Points at which a finding opens. */
function onsets(results: { finding?: unknown }[]): number[] {
  return results.flatMap((r, i) => (r.finding !== undefined && results[i - 1]?.finding === undefined ? [i] : []));
}

/**
 * Five-minute points of CPU around 10 % with a spike to 15 % now and then (one point in 125); from
 * `change` on, the same spikes every fourth point. No spike is higher than before: only the pattern is new.
 */
function spikesThatComeOften(seed: number, change: number): (i: number) => number {
  const n = noise(seed, 0.5);
  const u = noise(seed + 100, 0.5);
  return (i) => 10 + n() + (i < change ? (u() > 0.496 ? 5 : 0) : i % 4 === 0 ? 5 : 0);
}

/**
 * Five-minute points of a disk's write rate: bursts of writes (1,000 to 5,000 bytes/s, every point
 * different) between idle spells of 0 up to `longestIdle` points; from `silent` on, 0 for good.
 */
function writesThatStop(seed: number, silent: number, longestIdle = 150): (i: number) => number {
  const u = noise(seed, 0.5);
  const values: number[] = [];
  while (values.length < silent) {
    const burst = 20 + Math.floor((u() + 0.5) * 40);
    for (let k = 0; k < burst; k++) values.push(3000 + 4000 * u());
    const idle = Math.floor((u() + 0.5) * longestIdle);
    for (let k = 0; k < idle; k++) values.push(0);
  }
  return (i) => (i < silent ? values[i]! : 0);
}

describe("contextual detector", () => {
  test("fires when spikes that were rare start to come often, though none is higher than before", () => {
    for (const seed of [1, 2, 3]) {
      const d = detector();
      const results = feed(d.update.bind(d), 0, 3500, spikesThatComeOften(seed, 3000));
      const found = onsets(results);
      // Nothing before the change; the first within a hundred points (about eight hours at five minutes).
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]!).toBeGreaterThanOrEqual(3000);
      expect(found[0]!).toBeLessThan(3100);
      const f = results[found[0]!]!.finding!;
      expect(f.type).toBe("cpu_usage_pattern_anomaly");
      expect(f.detector).toBe("contextual");
      expect(f.message).toContain("Unusual pattern of aiops_cpu_usage_percent");
      expect(f.score).toBeGreaterThanOrEqual(0.999);
    }
  });

  test("the same series, spikes as rare as ever: no finding", () => {
    const d = detector();
    const results = feed(d.update.bind(d), 0, 6000, spikesThatComeOften(1, Number.POSITIVE_INFINITY));
    expect(onsets(results)).toEqual([]);
  });

  test("stays quiet on a month of healthy noise, and its scores are graded", () => {
    for (const seed of [1, 2, 3]) {
      const d = detector();
      const n = noise(seed, 1);
      const results = feed(d.update.bind(d), 0, 30 * 288, () => 20 + n());
      expect(onsets(results)).toEqual([]);
      const scores = results.slice(1000).map((r) => r.score);
      expect(Math.max(...scores)).toBeLessThan(0.999);
      expect(scores.filter((s) => s > 0.5 && s < 0.99).length).toBeGreaterThan(scores.length / 10);
    }
  });

  test("waits four quiet periods before its first finding: contexts need more history than values", () => {
    // The change comes after 2.4 days of history: the scores see it, no finding opens.
    const d = detector();
    const results = feed(d.update.bind(d), 0, 800, spikesThatComeOften(2, 700));
    expect(Math.max(...results.slice(700).map((r) => r.score))).toBeGreaterThan(0.99);
    expect(onsets(results)).toEqual([]);
    // With a quiet period of a quarter of a day, it opens one.
    const young = detector({ quietSeconds: 21_600 });
    expect(onsets(feed(young.update.bind(young), 0, 800, spikesThatComeOften(2, 700))).length).toBe(1);
  });

  test("state survives a restart: snapshot, JSON, restore, and the same findings follow", () => {
    const value = spikesThatComeOften(3, 3000);
    const values = Array.from({ length: 3500 }, (_, i) => value(i));
    const a = detector();
    feed(a.update.bind(a), 0, 2500, (i) => values[i]!);
    const b = createContextualDetector(OPTIONS, JSON.parse(JSON.stringify(a.snapshot())));
    const ra = feed(a.update.bind(a), 2500, 3500, (i) => values[i]!);
    const rb = feed(b.update.bind(b), 2500, 3500, (i) => values[i]!);
    expect(onsets(rb)).toEqual(onsets(ra));
    expect(onsets(rb).length).toBeGreaterThan(0);
    expect(rb.map((r) => r.score)).toEqual(ra.map((r) => r.score));
    // The saved state is small: most transitions are never seen.
    expect(JSON.stringify(a.snapshot()).length).toBeLessThan(16 * 1024);
  });

  test("fires when a busy series goes flat for longer than it ever has, and holds while it stays flat", () => {
    for (const seed of [1, 2, 3]) {
      const d = detector();
      const value = writesThatStop(seed, 3000);
      const results = feed(d.update.bind(d), 0, 3600, value);
      const found = onsets(results);
      expect(found.length).toBe(1);
      // Idle spells were shorter than 150 points: the silence (from the last write on) is reported before
      // it is 1.25 times that, never before it is longer than any of them.
      let lastWrite = 0;
      for (let i = 0; i < 3000; i++) if (value(i) !== 0) lastWrite = i;
      expect(found[0]! - lastWrite).toBeGreaterThan(130);
      expect(found[0]! - lastWrite).toBeLessThanOrEqual(1.25 * 150 + 1);
      const f = results[found[0]!]!.finding!;
      expect(f.type).toBe("cpu_usage_flatline");
      expect(f.detector).toBe("contextual");
      expect(f.value).toBe(0);
      expect(f.message).toContain("has stayed at exactly 0.00 for");
      expect(f.message).toContain("longer than it ever held a value before");
      expect(f.score).toBeGreaterThanOrEqual(0.99);
      // It holds to the end of the silence, then the first write closes it.
      expect(results.slice(found[0]!).every((r) => r.finding !== undefined)).toBe(true);
      const after = d.update(Date.UTC(2030, 0, 1), 2500);
      expect(after.finding).toBeUndefined();
    }
  });

  test("idle spells no longer than before, a series that never varied, and sparse blips: no flatline finding, or a rare one", () => {
    for (const seed of [1, 2, 3]) {
      const busy = detector();
      const healthy = writesThatStop(seed, 6000);
      const values = Array.from({ length: 6000 }, (_, i) => healthy(i));
      expect(onsets(feed(busy.update.bind(busy), 0, 6000, (i) => values[i]!))).toEqual([]);
    }
    const constant = detector();
    expect(onsets(feed(constant.update.bind(constant), 0, 6000, () => 42))).toEqual([]);
    // A counter that blips one point in fifty has idle spells of every length: a record among them comes
    // now and then (bench:quiet counts them), never more than one in 20,000 points here.
    for (const seed of [7, 8, 9]) {
      const n = noise(seed, 0.5);
      const sparse = detector();
      const results = feed(sparse.update.bind(sparse), 0, 20_000, () => (n() > 0.48 ? 1 : 0));
      expect(onsets(results).length).toBeLessThanOrEqual(1);
    }
  });

  test("a flatline survives a restart in the middle of it, and a version 1 state counts runs afresh", () => {
    const value = writesThatStop(2, 3000);
    const a = detector();
    feed(a.update.bind(a), 0, 3100, value);
    const b = createContextualDetector(OPTIONS, JSON.parse(JSON.stringify(a.snapshot())));
    const ra = feed(a.update.bind(a), 3100, 3600, value);
    const rb = feed(b.update.bind(b), 3100, 3600, value);
    expect(onsets(rb)).toEqual(onsets(ra));
    expect(onsets(rb).length).toBe(1);
    const { flatRun, longestFlat, changes, flatOpen, ...older } = a.snapshot();
    const v1 = createContextualDetector(OPTIONS, { ...older, v: 1 });
    expect(v1.snapshot()).toMatchObject({ v: 2, flatRun: 0, longestFlat: 0, changes: 0, flatOpen: false });
  });

  test("a state that does not fit is refused with the reason", () => {
    expect(() => createContextualDetector(OPTIONS, { v: 3 })).toThrow("contextual state: unknown version");
    const good = detector();
    feed(good.update.bind(good), 0, 300, () => 10);
    const state = good.snapshot();
    expect(() => createContextualDetector(OPTIONS, { ...state, counts: state.counts.slice(1) })).toThrow("contextual state: wrong transition count");
    expect(() => createContextualDetector(OPTIONS, { ...state, last: 11 })).toThrow("contextual state: bad last");
  });

  test("NaN points are skipped", () => {
    const d = detector();
    feed(d.update.bind(d), 0, 500, () => 10);
    expect(d.update(Date.UTC(2025, 0, 9), Number.NaN).score).toBe(0);
    expect(d.snapshot().n).toBe(500);
  });
});
