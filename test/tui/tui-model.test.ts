import { describe, expect, test } from "bun:test";
import { MAX_FINDINGS, createTuiModel } from "../../tui/tui-model.ts";
import { INFO, SNAPSHOT, finding } from "./support.ts";
import { alertChange, deliveryAttempt } from "../support/events.ts";

const at = (seconds: number) => new Date(Date.parse(SNAPSHOT.timestamp) + seconds * 1000).toISOString();

describe("the UI's state", () => {
  test("snapshots feed a bounded history per sparkline; a replayed snapshot is drawn once", () => {
    const model = createTuiModel(3);
    let changes = 0;
    model.subscribe(() => changes++);
    model.apply({ type: "info", info: INFO });
    for (let i = 0; i < 5; i++) model.apply({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: at(i), cpu: { ...SNAPSHOT.cpu!, usage_percent: i * 10 } } });
    model.apply({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: at(4) } });
    const state = model.getState();
    expect(state.history.cpu).toEqual([20, 30, 40]);
    expect(state.history.rx).toEqual([1_250_000, 1_250_000, 1_250_000]);
    expect(state.snapshot!.timestamp).toBe(at(4));
    expect(changes).toBe(6);
  });

  test("history seeds go before live values", () => {
    const model = createTuiModel(5);
    model.apply({ type: "snapshot", snapshot: SNAPSHOT });
    model.apply({ type: "history", key: "cpu", values: [1, 2, 3, 4, 5, 6] });
    expect(model.getState().history.cpu).toEqual([3, 4, 5, 6, 45.2]);
  });

  test("a state value never changes after the fact (a paused screen stays put)", () => {
    const model = createTuiModel();
    model.apply({ type: "snapshot", snapshot: SNAPSHOT });
    const before = model.getState();
    const cpu = before.history.cpu;
    model.apply({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: at(1) } });
    expect(before.history.cpu).toBe(cpu!);
    expect(before.history.cpu).toEqual([45.2]);
    expect(model.getState().history.cpu).toEqual([45.2, 45.2]);
  });

  test("findings newest first, bounded, each once; recorded ones go after live ones", () => {
    const model = createTuiModel();
    model.apply({ type: "finding", finding: finding({ timestamp: at(1) }) });
    model.apply({ type: "finding", finding: finding({ timestamp: at(2), severity: "critical" }) });
    model.apply({ type: "finding", finding: finding({ timestamp: at(2), severity: "critical" }) });
    model.apply({ type: "findings", findings: [finding({ timestamp: at(1) }), finding({ timestamp: at(0) })] });
    expect(model.getState().findings.map((f) => f.timestamp)).toEqual([at(2), at(1), at(0)]);
    for (let i = 0; i < MAX_FINDINGS + 10; i++) model.apply({ type: "finding", finding: finding({ timestamp: at(10 + i) }) });
    expect(model.getState().findings).toHaveLength(MAX_FINDINGS);
  });

  test("one line per alert (its latest change first), deliveries newest first", () => {
    const model = createTuiModel();
    model.apply({ type: "alert", alert: alertChange({ fingerprint: "a", from: "inactive", to: "pending" }) });
    model.apply({ type: "alert", alert: alertChange({ fingerprint: "b" }) });
    model.apply({ type: "alert", alert: alertChange({ fingerprint: "a" }) });
    model.apply({ type: "delivery", delivery: deliveryAttempt({ channel: "slack", outcome: "retry", ts: 1000 }) });
    model.apply({ type: "delivery", delivery: deliveryAttempt({ channel: "slack", outcome: "delivered", ts: 2000 }) });
    // The same attempt again (a replay after a reconnect) is shown once.
    model.apply({ type: "delivery", delivery: deliveryAttempt({ channel: "slack", outcome: "delivered", ts: 2000 }) });
    const state = model.getState();
    expect(state.alerts.map((a) => `${a.key}:${a.state}`)).toEqual(["a:firing", "b:firing"]);
    expect(state.deliveries.map((d) => d.outcome)).toEqual(["delivered", "retry"]);
  });

  test("attached: the alerts already firing first, then recent deliveries merged with live ones, each once", () => {
    const model = createTuiModel();
    model.apply({ type: "delivery", delivery: deliveryAttempt({ notificationId: 3, ts: 3000, channel: "slack" }) });
    const view = alertChange().alert;
    model.apply({
      type: "alerts",
      alerts: [
        { ...view, fingerprint: "resolved-one", state: "resolved", resolvedAt: "2026-11-26T17:00:00.000Z" },
        { ...view, fingerprint: "firing-one", state: "firing", severity: "critical", firedAt: "2026-11-26T16:00:00.000Z" },
      ],
    });
    model.apply({ type: "deliveries", deliveries: [deliveryAttempt({ notificationId: 3, ts: 3000, channel: "slack" }), deliveryAttempt({ notificationId: 1, ts: 1000, channel: "webhook" })] });
    const state = model.getState();
    expect(state.alerts.map((a) => `${a.key}:${a.state}:${a.severity}:${a.change}`)).toEqual(["firing-one:firing:critical:already firing", "resolved-one:resolved:warning:already resolved"]);
    expect(state.deliveries.map((d) => `${d.channel}@${Date.parse(d.at)}`)).toEqual(["slack@3000", "webhook@1000"]);
    // A live change of an alert seen at attach replaces its line.
    model.apply({ type: "alert", alert: { ...alertChange({ fingerprint: "firing-one" }), from: "firing", to: "firing", alert: { ...view, fingerprint: "firing-one", severity: "warning" } } });
    expect(model.getState().alerts[0]).toMatchObject({ key: "firing-one", severity: "warning", change: "de-escalated" });
  });
});
