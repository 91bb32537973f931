import { describe, expect, test } from "bun:test";
import { MAX_FINDINGS, MAX_PROCESSES, MAX_REMEDIATIONS, createTuiModel } from "../../tui/tui-model.ts";
import { INFO, PROCESSES, SNAPSHOT, finding, processInfo, remediationRun } from "./support.ts";
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

  test("remediation runs newest first, each as it is now: a later change replaces it, an older one never", () => {
    const model = createTuiModel();
    model.apply({ type: "remediation", run: remediationRun({ id: 2, updatedAt: 2000 }) });
    // Recorded before the UI attached, one of them (2) as it was before its latest change.
    model.apply({ type: "remediations", runs: [remediationRun({ id: 3, updatedAt: 3000 }), remediationRun({ id: 2, outcome: "awaiting_approval", updatedAt: 1000 }), remediationRun({ id: 1 })] });
    expect(model.getState().remediations.map((r) => r.id)).toEqual([3, 2, 1]);
    model.apply({ type: "remediation", run: remediationRun({ id: 3, outcome: "running", decidedBy: "tui", updatedAt: 4000 }) });
    model.apply({ type: "remediation", run: remediationRun({ id: 3, outcome: "awaiting_approval", updatedAt: 3000 }) });
    expect(model.getState().remediations.map((r) => `${r.id}:${r.outcome}`)).toEqual(["3:running", "2:awaiting_approval", "1:awaiting_approval"]);
    // The same run again is no change at all.
    const before = model.getState();
    model.apply({ type: "remediation", run: remediationRun({ id: 3, outcome: "running", decidedBy: "tui", updatedAt: 4000 }) });
    expect(model.getState()).toBe(before);
    for (let i = 10; i < 10 + MAX_REMEDIATIONS; i++) model.apply({ type: "remediation", run: remediationRun({ id: i }) });
    expect(model.getState().remediations).toHaveLength(MAX_REMEDIATIONS);
    expect(model.getState().remediations[0]!.id).toBe(9 + MAX_REMEDIATIONS);
  });

  test("the process list: each answer replaces the last, bounded; a failed read keeps the rows of the same query under its reason, and the next answer clears it", () => {
    const model = createTuiModel();
    const byCpu = { sort: "cpu", filter: "", limit: 100 } as const;
    model.apply({ type: "processes", page: { query: byCpu, total: 5, matched: 5, items: PROCESSES } });
    expect(model.getState().processes).toEqual({ query: byCpu, total: 5, matched: 5, items: PROCESSES });
    model.apply({ type: "processes-unavailable", query: byCpu, reason: "cannot connect (ECONNREFUSED)" });
    expect(model.getState().processes).toMatchObject({ items: PROCESSES, problem: "cannot connect (ECONNREFUSED)" });
    // The same reason again is no change at all.
    const before = model.getState();
    model.apply({ type: "processes-unavailable", query: byCpu, reason: "cannot connect (ECONNREFUSED)" });
    expect(model.getState()).toBe(before);
    // Rows of another query are not shown under a failure of this one.
    const byMemory = { ...byCpu, sort: "memory" } as const;
    model.apply({ type: "processes-unavailable", query: byMemory, reason: "HTTP 503: the first collection has not finished yet" });
    expect(model.getState().processes).toEqual({ query: byMemory, total: 0, matched: 0, items: [], problem: "HTTP 503: the first collection has not finished yet" });
    model.apply({ type: "processes", page: { query: byMemory, total: 5, matched: 5, items: PROCESSES } });
    expect(model.getState().processes?.problem).toBeUndefined();
    const many = Array.from({ length: MAX_PROCESSES + 10 }, (_, i) => processInfo({ pid: i + 1 }));
    model.apply({ type: "processes", page: { query: byMemory, total: many.length, matched: many.length, items: many } });
    expect(model.getState().processes?.items).toHaveLength(MAX_PROCESSES);
    expect(before.processes?.items).toBe(PROCESSES);
  });
});
