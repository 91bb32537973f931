import { describe, expect, test } from "bun:test";
import { describeAlert, describeAlertView, describeDelivery, stateColour } from "../../tui/describe-event.ts";
import { alertChange, deliveryAttempt } from "../support/events.ts";
import { finding } from "./support.ts";

describe("an alert change as the panel shows it", () => {
  test("fingerprint, from → to, the alert's severity, its name and its finding's message", () => {
    const change = alertChange({ at: "2026-11-26T17:00:00.000Z" });
    const line = describeAlert({ ...change, alert: { ...change.alert, severity: "critical", finding: finding({ message: "High CPU usage: 97.00%" }) } });
    expect(line).toEqual({ key: "f1", state: "firing", from: "pending", severity: "critical", change: "fired", name: "cpu_high", text: "High CPU usage: 97.00%", at: "2026-11-26T17:00:00.000Z" });
  });

  test("a change of severity alone (from = to) reads escalated or de-escalated against the line before", () => {
    const base = alertChange({ at: "2026-11-26T17:00:00.000Z" });
    const warning = describeAlert({ ...base, alert: { ...base.alert, severity: "warning" } });
    const up = { ...base, from: "firing" as const, to: "firing" as const, alert: { ...base.alert, severity: "critical" as const } };
    const escalated = describeAlert(up, warning);
    expect(escalated).toMatchObject({ state: "firing", severity: "critical", change: "escalated" });
    expect(describeAlert({ ...up, alert: { ...up.alert, severity: "warning" } }, escalated)).toMatchObject({ severity: "warning", change: "de-escalated" });
  });

  test("an alert found firing when the UI attached: its state, its severity now, since when it fires", () => {
    const change = alertChange();
    const line = describeAlertView({ ...change.alert, state: "firing", severity: "critical", firedAt: "2026-11-26T16:58:00.000Z" });
    expect(line).toMatchObject({ state: "firing", severity: "critical", change: "already firing", at: "2026-11-26T16:58:00.000Z", from: "" });
  });
});

describe("a delivery attempt as the panel shows it", () => {
  test("channel, outcome, status, latency, and the alert it announced by name", () => {
    const line = describeDelivery(deliveryAttempt({ channel: "slack", latencyMs: 120.4, ts: Date.parse("2026-11-26T17:00:00Z"), alertname: "cpu_high", summary: "High CPU usage: 97.00%" }));
    expect(line).toMatchObject({ channel: "slack", outcome: "delivered", httpStatus: 200, latencyMs: 120.4, alert: "cpu_high", alertState: "firing", summary: "High CPU usage: 97.00%", at: "2026-11-26T17:00:00.000Z" });
  });

  test("a failure keeps its error; without a name a short fingerprint stands in", () => {
    const line = describeDelivery(deliveryAttempt({ outcome: "failed", httpStatus: null, error: "cannot connect (ECONNREFUSED)", fingerprint: "f9a8b7c6d5e4" }));
    expect(line).toMatchObject({ outcome: "failed", error: "cannot connect (ECONNREFUSED)", alert: "alert f9a8b7c6" });
    expect(line.httpStatus).toBeUndefined();
  });

  test("colours of states and outcomes", () => {
    expect(["firing", "pending", "resolved", "inactive", "delivered", "retry", "failed", "what"].map(stateColour)).toEqual(["red", "yellow", "green", "gray", "green", "yellow", "red", undefined]);
  });
});
