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

  test("a state that does not fit is refused with the reason", () => {
    expect(() => createContextualDetector(OPTIONS, { v: 2 })).toThrow("contextual state: unknown version");
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
