import { describe, expect, test } from "bun:test";
import { RemediationPanel, remediationPanelLength } from "../../../tui/components/RemediationPanel.ts";
import { colourOf, frameText, remediationRun, styleOf } from "../support.ts";

const runs = [
  remediationRun({ id: 4 }),
  remediationRun({ id: 3, outcome: "succeeded", action: "stop-runaway", kind: "signal", mode: "auto", plan: "SIGTERM to 4242 (stress-ng)", decidedBy: "tui", alert: { fingerprint: "aa", labels: { alertname: "cpu_high" } } }),
  remediationRun({ id: 2, outcome: "failed", reason: "the alert still fires 2m after the action", exitCode: 1 }),
  remediationRun({ id: 1, outcome: "skipped", reason: "silenced", alert: { fingerprint: "0123456789abcdef", labels: {} } }),
];

describe("RemediationPanel", () => {
  test("with no runs it says where they come from", () => {
    const frame = frameText(RemediationPanel({ runs: [], width: 120, height: 4 }));
    expect(frame).toStartWith("─ Remediation ──");
    expect(frame).toContain("No remediation runs: each time an alert matches an action of remediation.actions");
  });

  test("newest first: when, the outcome in words, the action, the alert by name, the plan or the reason", () => {
    const lines = frameText(RemediationPanel({ runs, width: 140, height: 6 })).split("\n");
    expect(lines[0]).toEndWith("─ 1 awaiting approval");
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d {2}awaiting approval {2}restart-app {2}cpu_high {2}\/usr\/bin\/systemctl restart app$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d {2}succeeded {10}stop-runaway {2}cpu_high {2}SIGTERM to 4242 \(stress-ng\) · approved by tui$/);
    expect(lines[3]).toMatch(/failed {13}restart-app {2}cpu_high {2}the alert still fires 2m after the action · exit 1$/);
    // Without a name, a short fingerprint stands in for the alert.
    expect(lines[4]).toMatch(/skipped {12}restart-app {2}alert 01234567 {2}silenced$/);
  });

  test("outcomes coloured: awaiting approval yellow and bold, succeeded green, failed red, skipped grey", () => {
    const lines = RemediationPanel({ runs, width: 140, height: 6 });
    expect(styleOf(lines[1]!, "awaiting approval")).toMatchObject({ color: "yellow", bold: true });
    expect(colourOf(lines[2]!, "succeeded")).toBe("green");
    expect(colourOf(lines[3]!, "failed")).toBe("red");
    expect(colourOf(lines[4]!, "skipped")).toBe("gray");
  });

  test("with the focus the selected run is marked, and kept in view; a notice stands under the title", () => {
    const many = Array.from({ length: 12 }, (_, i) => remediationRun({ id: 12 - i, action: `action-${12 - i}` }));
    const frame = frameText(RemediationPanel({ runs: many, width: 100, height: 5, focused: true, selected: 7, notice: { text: "Approve run 5?", tone: "ask" } }));
    const lines = frame.split("\n");
    expect(lines[1]).toBe("Approve run 5?");
    expect(lines.filter((l) => l.startsWith("› "))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^› .*action-5 /);
    expect(lines).toHaveLength(5);
    // Without the focus, no marks.
    expect(frameText(RemediationPanel({ runs: many, width: 100, height: 5 }))).not.toContain("›");
  });

  test("the lines it would like: title, notice, every run", () => {
    expect(remediationPanelLength(0, false)).toBe(2);
    expect(remediationPanelLength(5, true)).toBe(7);
  });
});
