import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { AlertPanel } from "../../../tui/components/AlertPanel.tsx";
import { describeAlert, describeDelivery } from "../../../tui/describe-event.ts";
import { alertChange, deliveryAttempt } from "../../support/events.ts";
import { GREEN, RED, finding, plain, withColours } from "../support.ts";

afterEach(cleanup);

describe("AlertPanel", () => {
  test("empty: says there is nothing yet", () => {
    const frame = plain(render(<AlertPanel alerts={[]} deliveries={[]} width={80} height={6} />).lastFrame());
    expect(frame).toContain("No alerts yet.");
    expect(frame).toContain("No delivery attempts yet.");
  });

  test("alerts with state, severity, name and message; deliveries name the channel and the alert, with outcome, status, latency and error", async () => {
    const change = alertChange();
    const alerts = [describeAlert({ ...change, alert: { ...change.alert, severity: "critical", finding: finding({ message: "High CPU usage: 97.00%" }) } })];
    const deliveries = [
      describeDelivery(deliveryAttempt({ channel: "webhook", outcome: "retry", httpStatus: 500, latencyMs: 31.6, error: "server error", alertname: "cpu_high" })),
      describeDelivery(deliveryAttempt({ channel: "slack", outcome: "delivered", httpStatus: 200, latencyMs: 120, alertname: "cpu_high", summary: "High CPU usage: 97.00%" })),
    ];
    const frame = render(<AlertPanel alerts={alerts} deliveries={deliveries} width={110} height={8} />).lastFrame()!;
    const text = plain(frame);
    expect(text).toContain("Alerts (1 firing of 1)");
    expect(text).toMatch(/\d\d:\d\d:\d\d {2}FIRING {4}CRIT {2}cpu_high {2}High CPU usage: 97\.00% {2}· fired/);
    expect(text).toMatch(/\d\d:\d\d:\d\d {2}webhook {2}retry {6}cpu_high firing {2}HTTP 500 · 32 ms {2}server error/);
    expect(text).toMatch(/\d\d:\d\d:\d\d {2}slack {4}delivered {2}cpu_high firing: High CPU usage: 97\.00% {2}HTTP 200 · 120 ms/);
    await withColours(() => {
      const coloured = render(<AlertPanel alerts={alerts} deliveries={deliveries} width={110} height={8} />).lastFrame()!;
      expect(coloured.split("\n").find((l) => l.includes("FIRING"))).toContain(RED);
      expect(coloured.split("\n").find((l) => l.includes("slack"))).toContain(GREEN);
    });
  });

  test("state words never run together: INACTIVE and RESOLVED keep a space before the severity", () => {
    const lines = [describeAlert(alertChange({ fingerprint: "x", from: "resolved", to: "inactive" })), describeAlert(alertChange({ fingerprint: "y", from: "firing", to: "resolved" }))];
    const frame = plain(render(<AlertPanel alerts={lines} deliveries={[]} width={100} height={6} />).lastFrame());
    expect(frame).toContain("INACTIVE  WARN  cpu_high");
    expect(frame).toContain("RESOLVED  WARN  cpu_high");
    expect(frame).not.toMatch(/[A-Z](CRIT|WARN)/);
  });
});
