import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { AnomalyPanel } from "../../../tui/components/AnomalyPanel.tsx";
import { RED, YELLOW, finding, plain, withColours } from "../support.ts";

afterEach(cleanup);

const findings = [
  finding({ type: "disk_high", severity: "critical", message: "High disk usage: 96.00% on /", timestamp: "2026-11-26T17:00:05.000Z" }),
  finding({ timestamp: "2026-11-26T17:00:00.000Z" }),
];

describe("AnomalyPanel", () => {
  test("with no findings it says so", () => {
    const frame = plain(render(<AnomalyPanel findings={[]} width={80} height={4} />).lastFrame());
    expect(frame).toStartWith("─ Anomalies ──");
    expect(frame).toContain("No anomalies yet");
  });

  test("newest first, severity and type on each line, the count in the title", () => {
    const lines = plain(render(<AnomalyPanel findings={findings} width={80} height={4} />).lastFrame()).split("\n");
    expect(lines[0]).toEndWith("─ 2");
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d CRIT High disk usage: 96\.00% on \/ +disk_high$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d WARN High CPU usage: 85\.50% +cpu_high$/);
  });

  test("critical red, warning yellow", async () => {
    await withColours(() => {
      const lines = render(<AnomalyPanel findings={findings} width={80} height={4} />).lastFrame()!.split("\n");
      expect(lines[1]).toContain(`${RED}`);
      expect(lines[2]).toContain(`${YELLOW}`);
      expect(lines[2]).not.toContain(RED);
    });
  });

  test("scrolled, with the position in the title", () => {
    const many = Array.from({ length: 10 }, (_, i) => finding({ message: `finding ${i}` }));
    const frame = plain(render(<AnomalyPanel findings={many} width={80} height={4} offset={2} />).lastFrame());
    expect(frame).toContain("3–5 of 10");
    expect(frame).toContain("finding 2");
    expect(frame).not.toContain("finding 1 ");
    // Scrolling past the end keeps the last page in view.
    expect(plain(render(<AnomalyPanel findings={many} width={80} height={4} offset={99} />).lastFrame())).toContain("8–10 of 10");
  });
});
