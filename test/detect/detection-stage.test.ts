import { expect, test } from "bun:test";
import type { TickContext } from "../../src/contracts/tick.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createDetectionStage } from "../../src/detect/detection-stage.ts";

test("the detection stage adds the tick's findings for the stages after it and keeps its scores", () => {
  const stage = createDetectionStage(loadConfig({ env: {} }).config);
  const earlier = { type: "x", severity: "warning" } as TickContext["findings"][number];
  const tick: TickContext = {
    snapshot: {} as Snapshot,
    samples: [{ metric: "aiops_cpu_usage_percent", labels: {}, value: 85.5 }],
    time: Date.UTC(2025, 11, 12, 8),
    findings: [earlier],
    startedFindings: [],
    alertChanges: [],
  };
  stage.run(tick);
  expect(tick.findings).toHaveLength(2);
  expect(tick.findings[0]).toBe(earlier);
  expect(tick.findings[1]).toMatchObject({ type: "cpu_high", message: "High CPU usage: 85.50%", timestamp: "2025-12-12T08:00:00.000Z" });
  // A threshold finding that holds is a certainty on the ensemble's scale.
  expect(stage.scores.get("aiops_cpu_usage_percent")).toBe(1);
  expect(tick.startedFindings.map((f) => f.type)).toEqual(["cpu_high"]);
});

test("a finding that holds tick after tick starts once: the next episode starts again", () => {
  const stage = createDetectionStage(loadConfig({ env: {} }).config);
  const started: string[][] = [];
  for (const [i, value] of [85, 86, 87, 40, 88].entries()) {
    const tick: TickContext = {
      snapshot: {} as Snapshot,
      samples: [{ metric: "aiops_cpu_usage_percent", labels: {}, value }],
      time: Date.UTC(2025, 0, 1) + i * 10_000,
      findings: [],
      startedFindings: [],
      alertChanges: [],
    };
    stage.run(tick);
    started.push(tick.startedFindings.map((f) => f.type));
  }
  expect(started).toEqual([["cpu_high"], [], [], [], ["cpu_high"]]);
});

test("a reload takes the new thresholds and keeps what was learned", () => {
  const stage = createDetectionStage(loadConfig({ env: {} }).config);
  const tick = (value: number, time: number): TickContext => ({
    snapshot: {} as Snapshot,
    samples: [{ metric: "aiops_cpu_usage_percent", labels: {}, value }],
    time,
    findings: [],
    startedFindings: [],
    alertChanges: [],
  });
  for (let i = 0; i < 50; i++) stage.run(tick(20, Date.UTC(2025, 0, 1) + i * 10_000));
  const learned = JSON.stringify(stage.detection.exportState());
  stage.reload!(loadConfig({ env: { AIOPS_CPU_THRESHOLD: "60" } }).config);
  expect(JSON.stringify(stage.detection.exportState())).toBe(learned);
  const next = tick(70, Date.UTC(2025, 0, 1) + 50 * 10_000);
  stage.run(next);
  expect(next.findings.map((f) => f.type)).toEqual(["cpu_high"]);
});
