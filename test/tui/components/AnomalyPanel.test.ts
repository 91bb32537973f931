import { describe, expect, test } from "bun:test";
import { AnomalyPanel, anomalyPanelLength } from "../../../tui/components/AnomalyPanel.ts";
import { colourOf, finding, frameText } from "../support.ts";

const findings = [
  finding({ type: "disk_high", severity: "critical", message: "High disk usage: 96.00% on /", timestamp: "2026-11-26T17:00:05.000Z" }),
  finding({ timestamp: "2026-11-26T17:00:00.000Z" }),
];

describe("AnomalyPanel", () => {
  test("with no findings it says so", () => {
    const frame = frameText(AnomalyPanel({ findings: [], width: 80, height: 4 }));
    expect(frame).toStartWith("─ Anomalies ──");
    expect(frame).toContain("No anomalies yet");
  });

  test("newest first, severity and type on each line, the count in the title", () => {
    const lines = frameText(AnomalyPanel({ findings, width: 80, height: 4 })).split("\n");
    expect(lines[0]).toEndWith("─ 2");
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d CRIT High disk usage: 96\.00% on \/ +disk_high$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d WARN High CPU usage: 85\.50% +cpu_high$/);
  });

  test("critical red, warning yellow", () => {
    const lines = AnomalyPanel({ findings, width: 80, height: 4 });
    expect(colourOf(lines[1]!, "CRIT")).toBe("red");
    expect(colourOf(lines[1]!, "High disk usage")).toBe("red");
    expect(colourOf(lines[2]!, "WARN")).toBe("yellow");
  });

  test("scrolled, with the position in the title", () => {
    const many = Array.from({ length: 10 }, (_, i) => finding({ message: `finding ${i}` }));
    const frame = frameText(AnomalyPanel({ findings: many, width: 80, height: 4, offset: 2 }));
    expect(frame).toContain("3–5 of 10");
    expect(frame).toContain("finding 2");
    expect(frame).not.toContain("finding 1 ");
    // Scrolling past the end keeps the last page in view.
    expect(frameText(AnomalyPanel({ findings: many, width: 80, height: 4, offset: 99 }))).toContain("8–10 of 10");
  });

  test("a message with a newline or an escape stays on its line, as text", () => {
    const lines = AnomalyPanel({ findings: [finding({ message: "two\nlines \u001b[31mred" })], width: 80, height: 3 });
    expect(frameText(lines).split("\n")[1]).toMatch(/WARN two lines  \[31mred +cpu_high$/);
  });
});

describe("AnomalyPanel, correlated findings", () => {
  const related = finding({
    message: "High CPU usage: 99.00%",
    related: [
      { metric: "aiops_load1", labels: {}, value: 3.912, since: "2026-11-26T17:00:00.000Z" },
      { metric: "aiops_pressure_stalled_percent", labels: { resource: "cpu", kind: "some", window: "10s" }, value: 37.88, since: "2026-11-26T17:00:00.000Z" },
    ],
  });

  test("a finding that stands for several series lists the others, dim, on the line below it", () => {
    const lines = AnomalyPanel({ findings: [related, findings[0]!], width: 80, height: 5 });
    const text = frameText(lines).split("\n");
    expect(text[1]).toMatch(/WARN High CPU usage: 99\.00% +cpu_high$/);
    expect(text[2]).toBe("         └ with load1 3.91 · pressure_stalled cpu/some/10s 37.88");
    expect(text[3]).toMatch(/CRIT High disk usage/);
    expect(lines[2]!.some((s) => s.text.includes("load1") && s.style?.dim === true)).toBe(true);
    expect(anomalyPanelLength([related, findings[0]!])).toBe(4);
  });

  test("scrolled to the end, the last page holds whole findings", () => {
    const many = [findings[0]!, findings[1]!, related];
    const text = frameText(AnomalyPanel({ findings: many, width: 80, height: 4, offset: 99 }));
    expect(text).toContain("2–3 of 3");
    expect(text).toContain("└ with load1");
  });
});
