import { describe, expect, test } from "bun:test";
import { describeAlert, describeDelivery, stateColour } from "../../tui/describe-event.ts";
import { alertChange, deliveryAttempt } from "../support/events.ts";
import { finding } from "./support.ts";

describe("an alert change as the panel shows it", () => {
  test("fingerprint, from → to, the alert's severity and its finding's message", () => {
    const change = alertChange({ at: "2026-11-26T17:00:00.000Z" });
    const line = describeAlert({ ...change, alert: { ...change.alert, severity: "critical", finding: finding({ message: "High CPU usage: 97.00%" }) } });
    expect(line).toEqual({ key: "f1", state: "firing", from: "pending", severity: "critical", text: "High CPU usage: 97.00%", at: "2026-11-26T17:00:00.000Z" });
  });
});

describe("a delivery attempt as the panel shows it", () => {
  test("channel, outcome, status, latency, and the alert it announced by name", () => {
    const line = describeDelivery(deliveryAttempt({ channel: "slack", latencyMs: 120.4, ts: Date.parse("2026-11-26T17:00:00Z"), alertname: "cpu_high", summary: "High CPU usage: 97.00%" }));
    expect(line).toEqual({ channel: "slack", outcome: "delivered", httpStatus: 200, latencyMs: 120.4, subject: "High CPU usage: 97.00%", at: "2026-11-26T17:00:00.000Z" });
  });

  test("a failure keeps its error; without a name the fingerprint stands in", () => {
    const line = describeDelivery(deliveryAttempt({ outcome: "failed", httpStatus: null, error: "cannot connect (ECONNREFUSED)", fingerprint: "f9" }));
    expect(line).toMatchObject({ outcome: "failed", error: "cannot connect (ECONNREFUSED)", subject: "f9" });
    expect(line.httpStatus).toBeUndefined();
  });

  test("colours of states and outcomes", () => {
    expect(["firing", "pending", "resolved", "inactive", "delivered", "retry", "failed", "what"].map(stateColour)).toEqual(["red", "yellow", "green", "gray", "green", "yellow", "red", undefined]);
  });
});
