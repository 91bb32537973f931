import { describe, expect, test } from "bun:test";
import { createThresholdDetector, type ThresholdOptions } from "../../src/detect/threshold.ts";

const CPU: ThresholdOptions = {
  metric: "aiops_cpu_usage_percent",
  labels: {},
  type: "cpu_high",
  subject: "CPU usage",
  warning: 80,
  critical: 95,
  hysteresis: 5,
  forSeconds: 0,
};
const T = Date.UTC(2025, 11, 12, 8);

describe("threshold detector", () => {
  test("above the warning level: a warning finding with the seed's message", () => {
    const d = createThresholdDetector(CPU);
    expect(d.update(T, 80).finding).toBeUndefined();
    const r = d.update(T + 10_000, 85.5);
    expect(r.finding).toEqual({
      type: "cpu_high",
      severity: "warning",
      message: "High CPU usage: 85.50%",
      value: 85.5,
      threshold: 80,
      metric: "aiops_cpu_usage_percent",
      labels: {},
      detector: "threshold",
      score: r.score,
      timestamp: "2025-12-12T08:00:10.000Z",
    });
    expect(r.score).toBeCloseTo(0.5 + (0.5 * 5.5) / 15, 10);
  });

  test("at or above the critical level: critical, against the critical level", () => {
    const d = createThresholdDetector(CPU);
    const r = d.update(T, 95);
    expect(r.finding).toMatchObject({ severity: "critical", threshold: 95, message: "High CPU usage: 95.00%" });
    expect(r.score).toBe(1);
  });

  test("the message names the mountpoint for a disk", () => {
    const d = createThresholdDetector({ ...CPU, metric: "aiops_disk_usage_percent", labels: { mountpoint: "/var" }, type: "disk_high", subject: "disk usage on /var", warning: 90 });
    expect(d.update(T, 91.2).finding?.message).toBe("High disk usage on /var: 91.20%");
  });

  test("hysteresis: once raised, it holds until the value falls below the level minus the hysteresis", () => {
    const d = createThresholdDetector(CPU);
    expect(d.update(T, 86).finding).toBeDefined();
    expect(d.update(T + 1, 79).finding).toBeDefined();
    expect(d.update(T + 2, 75.5).finding).toBeDefined();
    expect(d.update(T + 3, 74.9).finding).toBeUndefined();
    // And a value between the two levels does not raise it again.
    expect(d.update(T + 4, 78).finding).toBeUndefined();
  });

  test("the for duration: raised only once the value has stayed above the level that long", () => {
    const d = createThresholdDetector({ ...CPU, forSeconds: 30 });
    expect(d.update(T, 90).finding).toBeUndefined();
    expect(d.update(T + 20_000, 90).finding).toBeUndefined();
    expect(d.update(T + 30_000, 90).finding).toBeDefined();
    // A dip below the level restarts the clock.
    const e = createThresholdDetector({ ...CPU, forSeconds: 30 });
    e.update(T, 90);
    e.update(T + 20_000, 70);
    expect(e.update(T + 40_000, 90).finding).toBeUndefined();
    expect(e.update(T + 70_000, 90).finding).toBeDefined();
  });

  test("a missing point changes nothing", () => {
    const d = createThresholdDetector(CPU);
    d.update(T, 90);
    expect(d.update(T + 1, Number.NaN)).toEqual({ score: 0 });
    expect(d.update(T + 2, 78).finding).toBeDefined();
  });

  test("its state survives a restart", () => {
    const d = createThresholdDetector({ ...CPU, forSeconds: 30 });
    d.update(T, 90);
    const restored = createThresholdDetector({ ...CPU, forSeconds: 30 }, JSON.parse(JSON.stringify(d.snapshot())));
    expect(restored.update(T + 30_000, 90).finding).toBeDefined();
    expect(() => createThresholdDetector(CPU, { v: 9 })).toThrow("threshold state: unknown version");
  });
});

test("a warning level at or above the critical level makes every finding of it critical", () => {
  const d = createThresholdDetector({ ...CPU, warning: 90, critical: 85 });
  expect(d.update(T, 88).finding).toBeUndefined();
  expect(d.update(T + 1, 91)).toMatchObject({ score: 1, finding: { severity: "critical", threshold: 85 } });
});
