import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { type EnsembleResult, anomalyType, createEnsemble, flatlineType, patternAnomalyType } from "../../src/detect/ensemble.ts";
import { at, feed, noise } from "./synthetic.ts";

const config = loadConfig({ env: {} }).config;
const CPU_RULE = { statistical: true, threshold: { type: "cpu_high", level: "cpu", subject: () => "CPU usage" } };

describe("ensemble", () => {
  test("builds the detectors a series asks for, from the configuration", () => {
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, config);
    expect(Object.keys(e.snapshot()).sort()).toEqual(["contextual", "statistical", "threshold"]);
    const contextual = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE, only: "contextual" }, config);
    expect(Object.keys(contextual.snapshot())).toEqual(["contextual"]);
    const only = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE, only: "threshold" }, config);
    expect(Object.keys(only.snapshot())).toEqual(["threshold"]);
    expect(() => createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE, only: "forecast" }, config)).toThrow(
      "aiops_cpu_usage_percent: detector forecast does not apply to this series",
    );
    expect(() => createEnsemble({ metric: "m", labels: {}, detect: { threshold: { type: "x_high", level: "nope", subject: () => "x" } } }, config)).toThrow(
      "m: no threshold level thresholds.nope",
    );
  });

  test("scores are on one scale: a holding threshold finding is 1, else the statistical tail probability", () => {
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, config);
    const n = noise(1, 1);
    feed(e.update.bind(e), 0, 1000, () => 50 + n());
    // 50.2: ordinary for the learned normal and under the warning level: neither detector is sure.
    expect(e.update(at(1000), 50.2).score).toBeLessThan(0.99);
    // 90.5: above the warning level, so the threshold finding holds: 1, with the evidence of both.
    const high = e.update(at(1001), 90.5);
    expect(high.score).toBe(1);
    expect(high.findings.map((f) => f.type)).toEqual(["cpu_high"]);
    const evidence = high.findings[0]!.evidence!;
    expect(evidence.map((x) => [x.detector, x.agrees])).toEqual([
      ["threshold", true],
      ["statistical", true],
      ["contextual", expect.any(Boolean)],
    ]);
    expect(evidence[1]!.score).toBeGreaterThan(0.999);
    expect(evidence[1]!.detail!.z).toBeGreaterThan(5);
  });

  test("a statistical finding is held back while the threshold one holds", () => {
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, config);
    const n = noise(2, 1);
    feed(e.update.bind(e), 0, 1000, () => 20 + n());
    // A jump to 85: both see it; only cpu_high is reported.
    const high = e.update(at(1000), 85);
    expect(high.findings.map((f) => f.type)).toEqual(["cpu_high"]);
    expect(high.score).toBe(1);
    // A jump to 0 (an unusual drop): only the statistical detector sees it.
    const f = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, config);
    feed(f.update.bind(f), 0, 1000, () => 40 + n());
    expect(f.update(at(1000), 0).findings.map((x) => x.type)).toEqual(["cpu_usage_anomaly"]);
  });

  test("statistical findings can be turned off; scores stay", () => {
    const quiet = loadConfig({ env: { AIOPS_DETECT_STATISTICAL: "false" } }).config;
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, quiet);
    feed(e.update.bind(e), 0, 1000, () => 40);
    const r = e.update(at(1000), 0);
    expect(r.findings).toEqual([]);
    expect(r.score).toBe(1);
  });

  test("a saved state that does not fit is named and that detector starts afresh", () => {
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, config, {
      threshold: { v: 1, above: null, active: true },
      statistical: { v: 7 },
    });
    expect(e.rejected).toEqual(["statistical: statistical state: unknown version"]);
    const old = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: CPU_RULE }, config, { statistical: { v: 2, n: 5000, level: 20 } });
    expect(old.rejected).toEqual(["statistical: statistical state: version 2 is from an older detector, learning afresh"]);
    // The restored threshold state was raised: 78 is inside the hysteresis band, so it still holds.
    expect(e.update(at(0), 78).findings.map((f) => f.type)).toEqual(["cpu_high"]);
  });

  test("a contextual finding (a new pattern: rare spikes turned frequent) carries the evidence of both learned detectors", () => {
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: { statistical: true } }, config);
    const n = noise(1, 0.5);
    const u = noise(101, 0.5);
    // Five-minute CPU around 10 % with a spike to 15 % one point in 125; from point 3000, every fourth point.
    const results: EnsembleResult[] = feed(e.update.bind(e), 0, 3600, (i) => 10 + n() + (i < 3000 ? (u() > 0.496 ? 5 : 0) : i % 4 === 0 ? 5 : 0));
    const pattern = results.flatMap((r) => r.findings).filter((f) => f.detector === "contextual");
    expect(pattern.length).toBeGreaterThan(0);
    expect(pattern.every((f) => f.type === "cpu_usage_pattern_anomaly" && Date.parse(f.timestamp) >= at(3000))).toBe(true);
    const evidence = pattern[0]!.evidence!;
    expect(evidence.map((x) => x.detector)).toEqual(["statistical", "contextual"]);
    expect(evidence[1]!.agrees).toBe(true);
    expect(evidence[1]!.score).toBeGreaterThanOrEqual(0.999);
    expect(evidence[1]!.detail!.novelty_bits).toBeGreaterThan(0);
    // One finding per point: a contextual finding is held back while a statistical one holds.
    expect(results.every((r) => r.findings.length <= 1)).toBe(true);
  });

  test("pattern findings can be turned off alone; the contextual score stays", () => {
    const off = loadConfig({ env: { AIOPS_DETECT_CONTEXTUAL: "false" } }).config;
    const n = noise(1, 0.5);
    const u = noise(101, 0.5);
    const values = Array.from({ length: 3600 }, (_, i) => 10 + n() + (i < 3000 ? (u() > 0.496 ? 5 : 0) : i % 4 === 0 ? 5 : 0));
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: { statistical: true } }, off);
    const results = feed(e.update.bind(e), 0, 3600, (i) => values[i]!);
    expect(results.flatMap((r) => r.findings).filter((f) => f.detector === "contextual")).toEqual([]);
    const scored = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: { statistical: true }, only: "contextual" }, off);
    expect(Math.max(...feed(scored.update.bind(scored), 0, 3600, (i) => values[i]!).map((r) => r.score))).toBeGreaterThanOrEqual(0.999);
  });

  test("with pattern and flatline findings both off, the contextual detector does not run at all", () => {
    const off = loadConfig({ env: { AIOPS_DETECT_CONTEXTUAL: "false", AIOPS_DETECT_FLATLINE: "false" } }).config;
    const e = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: { statistical: true } }, off);
    const n = noise(3, 0.5);
    feed(e.update.bind(e), 0, 400, () => 10 + n());
    expect(Object.keys(e.snapshot())).toEqual(["statistical"]);
    const on = createEnsemble({ metric: "aiops_cpu_usage_percent", labels: {}, detect: { statistical: true } }, loadConfig({ env: {} }).config);
    expect(Object.keys(on.snapshot()).sort()).toEqual(["contextual", "statistical"]);
  });

  test("statistical finding types are named after the metric", () => {
    expect(anomalyType("aiops_cpu_usage_percent")).toBe("cpu_usage_anomaly");
    expect(anomalyType("aiops_network_receive_bytes_per_second")).toBe("network_receive_bytes_anomaly");
    expect(anomalyType("aiops_load1")).toBe("load1_anomaly");
    expect(anomalyType("value")).toBe("value_anomaly");
    expect(patternAnomalyType("aiops_cpu_usage_percent")).toBe("cpu_usage_pattern_anomaly");
    expect(flatlineType("aiops_disk_write_bytes_per_second")).toBe("disk_write_bytes_flatline");
  });
});
