import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { DEFAULT_THRESHOLDS, colourOf, levelOf, thresholdsFromSettings, thresholdsOf } from "../../tui/thresholds.ts";

describe("threshold levels", () => {
  test("the defaults used for an agent whose configuration cannot be read are the schema's", () => {
    expect(DEFAULT_THRESHOLDS).toEqual(thresholdsOf(loadConfig({ env: {} }).config));
  });

  test("above the warning level is warning, at or above critical is critical", () => {
    expect(levelOf(80, 80, 95)).toBe("ok");
    expect(levelOf(80.1, 80, 95)).toBe("warning");
    expect(levelOf(95, 80, 95)).toBe("critical");
    expect([colourOf("ok"), colourOf("warning"), colourOf("critical")]).toEqual(["green", "yellow", "red"]);
  });

  test("levels from /api/v1/config's settings; what is missing or odd keeps its default", () => {
    const t = thresholdsFromSettings([
      { key: "thresholds.cpu", value: 70, source: "env AIOPS_CPU_THRESHOLD" },
      { key: "thresholds.critical", value: 90, source: "default" },
      { key: "thresholds.disk", value: "high", source: "?" },
      { key: "agent.interval", value: 10, source: "default" },
      null,
    ]);
    expect(t).toEqual({ ...DEFAULT_THRESHOLDS, cpu: 70, critical: 90 });
    expect(thresholdsFromSettings(undefined)).toEqual(DEFAULT_THRESHOLDS);
  });
});
