import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { Header } from "../../../tui/components/Header.tsx";
import { INFO, SNAPSHOT, plain } from "../support.ts";

afterEach(cleanup);

const base = { info: INFO, snapshot: SNAPSHOT, target: "http://web-1:8080", tabs: [{ name: "Host" }, { name: "Anomalies", count: 2 }, { name: "Alerts" }], focus: 0, paused: false, width: 120, now: 0 };

describe("Header", () => {
  test("host, uptime, agent name and environment, OS, interval", () => {
    const [first, second] = plain(render(<Header {...base} connection={{ state: "live" }} />).lastFrame()).split("\n");
    expect(first).toBe("web-1 · up 3d 4h │ agent web-1-agent (staging) │ Debian GNU/Linux 12 (bookworm) · 4 CPUs · aiops-agent 0.1.0");
    expect(second).toContain("● live http://web-1:8080 · every 1s");
    expect(second).toEndWith("│  1 Host   2 Anomalies 2   3 Alerts");
  });

  test("connection states: in-process, connecting, disconnected with the retry countdown", () => {
    const at = (connection: Parameters<typeof Header>[0]["connection"]) => plain(render(<Header {...base} connection={connection} now={10_000} />).lastFrame());
    expect(at({ state: "in-process" })).toContain("● in-process");
    expect(at({ state: "connecting", attempt: 3 })).toContain("◌ connecting to http://web-1:8080 (attempt 3)…");
    expect(at({ state: "disconnected", reason: "cannot connect (ECONNREFUSED)", attempt: 2, retryAt: 13_000 })).toContain(
      "✕ disconnected, retrying in 3s: cannot connect (ECONNREFUSED)",
    );
  });

  test("paused, and cut to the width rather than wrapped", () => {
    const frame = plain(render(<Header {...base} connection={{ state: "in-process" }} paused width={40} />).lastFrame());
    const lines = frame.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines[1]).toStartWith(" PAUSED  ● in-process");
  });
});
