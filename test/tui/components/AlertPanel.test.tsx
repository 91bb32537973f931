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
    expect(frame).toContain("No alert changes yet.");
    expect(frame).toContain("No delivery attempts yet.");
  });

  test("alerts with state, severity and message; deliveries with channel, outcome, status, latency and error", async () => {
    const change = alertChange();
    const alerts = [describeAlert({ ...change, alert: { ...change.alert, severity: "critical", finding: finding({ message: "High CPU usage: 97.00%" }) } })];
    const deliveries = [
      describeDelivery(deliveryAttempt({ channel: "webhook", outcome: "retry", httpStatus: 500, latencyMs: 31.6, error: "server error", alertname: "cpu_high" })),
      describeDelivery(deliveryAttempt({ channel: "slack", outcome: "delivered", httpStatus: 200, latencyMs: 120, summary: "High CPU usage: 97.00%" })),
    ];
    const frame = render(<AlertPanel alerts={alerts} deliveries={deliveries} width={100} height={8} />).lastFrame()!;
    const text = plain(frame);
    expect(text).toContain("Alerts (1 firing of 1)");
    expect(text).toContain("FIRING   CRIT High CPU usage: 97.00%  (was pending)");
    expect(text).toContain("→ webhook retry HTTP 500 32 ms server error cpu_high");
    expect(text).toContain("→ slack delivered HTTP 200 120 ms High CPU usage: 97.00%");
    await withColours(() => {
      const coloured = render(<AlertPanel alerts={alerts} deliveries={deliveries} width={100} height={8} />).lastFrame()!;
      expect(coloured.split("\n").find((l) => l.includes("FIRING"))).toContain(RED);
      expect(coloured.split("\n").find((l) => l.includes("slack"))).toContain(GREEN);
    });
  });

  test("an alert no longer tracked reads INACTIVE, apart from its severity", () => {
    const frame = plain(render(<AlertPanel alerts={[describeAlert(alertChange({ from: "resolved", to: "inactive" }))]} deliveries={[]} width={100} height={6} />).lastFrame());
    expect(frame).toContain("INACTIVE WARN High CPU usage");
  });
});
