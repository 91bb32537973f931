import { describe, expect, test } from "bun:test";
import { Header } from "../../../tui/components/Header.ts";
import { formatClock } from "../../../tui/format.ts";
import { block } from "../../../tui/line.ts";
import { INFO, SNAPSHOT, frameText, styleOf } from "../support.ts";

const base = { info: INFO, snapshot: SNAPSHOT, target: "http://web-1:8080", tabs: [{ name: "Host" }, { name: "Anomalies", count: 2 }, { name: "Alerts" }], focus: 0, paused: false, width: 120, now: 0 };

describe("Header", () => {
  test("host, uptime, agent name and environment, OS, interval", () => {
    const [first, second] = frameText(Header({ ...base, connection: { state: "live" } })).split("\n");
    expect(first).toBe("web-1 · up 3d 4h │ agent web-1-agent (staging) │ Debian GNU/Linux 12 (bookworm) · 4 CPUs · aiops-agent 0.1.0");
    expect(second).toContain("● live http://web-1:8080 · every 1s");
    expect(second).toEndWith("│  1 Host  2 Anomalies 2  3 Alerts");
  });

  test("too narrow for all: the clock goes, then the URL, then the interval; the tabs and their counts stay", () => {
    const tabs = [{ name: "Host" }, { name: "Anomalies", count: 3 }, { name: "Alerts", count: 1 }, { name: "Remediation", count: 1, urgent: true }];
    const second = (width: number, connection: Parameters<typeof Header>[0]["connection"] = { state: "live" }) =>
      frameText(Header({ ...base, tabs, width, connection })).split("\n")[1];
    expect(second(200)).toBe(`● live http://web-1:8080 · every 1s · ${formatClock(SNAPSHOT.timestamp)} │  1 Host  2 Anomalies 3  3 Alerts 1  4 Remediation 1`);
    expect(second(100)).toBe("● live http://web-1:8080 · every 1s │  1 Host  2 Anomalies 3  3 Alerts 1  4 Remediation 1");
    expect(second(80)).toBe("● live · every 1s │  1 Host  2 Anomalies 3  3 Alerts 1  4 Remediation 1");
    expect(second(80, { state: "in-process" })).toBe("● in-process · every 1s │  1 Host  2 Anomalies 3  3 Alerts 1  4 Remediation 1");
    expect(second(70)).toBe("● live │  1 Host  2 Anomalies 3  3 Alerts 1  4 Remediation 1");
  });

  test("connection states: in-process, connecting, disconnected with the retry countdown", () => {
    const at = (connection: Parameters<typeof Header>[0]["connection"]) => frameText(Header({ ...base, connection, now: 10_000 }));
    expect(at({ state: "in-process" })).toContain("● in-process");
    expect(at({ state: "connecting", attempt: 3 })).toContain("◌ connecting to http://web-1:8080 (attempt 3)…");
    expect(at({ state: "disconnected", reason: "cannot connect (ECONNREFUSED)", attempt: 2, retryAt: 13_000 })).toContain(
      "✕ disconnected, retrying in 3s: cannot connect (ECONNREFUSED)",
    );
  });

  test("paused, and cut to the width rather than wrapped", () => {
    const lines = frameText(block(Header({ ...base, connection: { state: "in-process" }, paused: true, width: 40 }), 40, 2)).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines[1]).toStartWith(" PAUSED  ● in-process");
  });

  test("the focused tab inverse; a count asking for action yellow until its panel has the focus", () => {
    const tabs = [{ name: "Host" }, { name: "Remediation", count: 1, urgent: true }];
    const header = Header({ ...base, tabs, connection: { state: "live" } });
    expect(styleOf(header, " 1 Host ")).toMatchObject({ inverse: true, color: "cyan" });
    expect(styleOf(header, " 2 Remediation 1 ")).toMatchObject({ color: "yellow" });
    expect(styleOf(Header({ ...base, tabs, focus: 1, connection: { state: "live" } }), " 2 Remediation 1 ")).toMatchObject({ inverse: true, color: "cyan" });
  });
});
