import { describe, expect, test } from "bun:test";
import { PerCpu, perCpuLayout } from "../../../tui/components/PerCpu.ts";
import { plainText } from "../../../tui/line.ts";
import { colourOf } from "../support.ts";

describe("per-CPU usage", () => {
  test("whole percentages while they fit, each coloured by the CPU levels", () => {
    const line = PerCpu({ values: [42, 48.4, 91, 97.5], numbers: true, label: "per CPU", labelWidth: 7, level: { warning: 80, critical: 95 } });
    expect(plainText(line)).toBe("per CPU  42  48  91  98");
    expect([" 42", "  48", "  91", "  98"].map((t) => colourOf(line, t))).toEqual(["green", "green", "yellow", "red"]);
  });

  test("layout: numbers for a few CPUs, one block per CPU for many, never more lines than allowed", () => {
    expect(perCpuLayout(4, 7, 80, 2)).toEqual({ numbers: true, rows: [[0, 4]], hidden: 0 });
    expect(perCpuLayout(20, 7, 80, 2)).toEqual({ numbers: true, rows: [[0, 18], [18, 20]], hidden: 0 });
    expect(perCpuLayout(128, 7, 80, 2)).toEqual({ numbers: false, rows: [[0, 72], [72, 128]], hidden: 0 });
    expect(perCpuLayout(256, 7, 80, 2)).toEqual({ numbers: false, rows: [[0, 72], [72, 144]], hidden: 112 });
  });

  test("blocks for many CPUs, and a count of those left out", () => {
    expect(plainText(PerCpu({ values: [0, 50, 100], numbers: false, label: "", labelWidth: 3, level: { warning: 80, critical: 95 }, hidden: 5 }))).toBe("    ▁▅█ +5");
  });
});
