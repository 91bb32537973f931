import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { severityAt } from "../../src/contracts/finding.ts";
import { createThresholdDetector } from "../../src/detect/threshold.ts";
import { thresholdLevelsOf } from "../../src/detect/threshold-levels.ts";
import { GAUGE_METRICS, colourAt } from "../../tui/thresholds.ts";

describe("gauge colours follow the threshold detector's own levels and rule", () => {
  test("every gauge's metric has levels, and they are the schema's defaults (CPU 80, memory 85, disk 90, critical 95)", () => {
    const levels = thresholdLevelsOf(loadConfig({ env: {} }).config);
    for (const metric of Object.values(GAUGE_METRICS)) expect(levels[metric]).toBeDefined();
    expect(levels[GAUGE_METRICS.cpu]).toEqual({ warning: 80, critical: 95 });
    expect(levels[GAUGE_METRICS.memory]).toEqual({ warning: 85, critical: 95 });
    expect(levels[GAUGE_METRICS.disk]).toEqual({ warning: 90, critical: 95 });
  });

  test("a value is yellow exactly where the detector raises a warning and red where it raises a critical", () => {
    const level = { warning: 80, critical: 95 };
    const detector = createThresholdDetector({ metric: "m", labels: {}, type: "t", subject: "s", ...level, hysteresis: 5, forSeconds: 0 });
    for (const value of [79.9, 80, 80.1, 94.9, 95, 100]) {
      const severity = detector.update(Date.now(), value).finding?.severity;
      expect(severityAt(value, level)).toBe(severity);
      expect(colourAt(value, level)).toBe(severity === "critical" ? "red" : severity === "warning" ? "yellow" : "green");
    }
  });

  test("without levels from the agent, no colour: the UI never guesses a level", () => {
    expect(colourAt(99, undefined)).toBeUndefined();
  });
});
