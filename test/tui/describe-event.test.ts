import { describe, expect, test } from "bun:test";
import { describeAlert, describeDelivery, stateColour } from "../../tui/describe-event.ts";
import { finding } from "./support.ts";

describe("alert changes, whatever shape the engine publishes", () => {
  test("an engine change: fingerprint, from → to, the alert's severity and finding", () => {
    const line = describeAlert({
      fingerprint: "f1",
      from: "pending",
      to: "firing",
      at: "2026-11-26T17:00:00.000Z",
      alert: { fingerprint: "f1", state: "firing", severity: "critical", labels: { alertname: "cpu_high" }, finding: finding({ message: "High CPU usage: 97.00%" }) },
    });
    expect(line).toEqual({ key: "f1", state: "firing", from: "pending", severity: "critical", text: "High CPU usage: 97.00%", at: "2026-11-26T17:00:00.000Z" });
  });

  test("a store record (state, lastFinding, times in ms) and a bare alert with labels only", () => {
    const record = describeAlert({ id: 4, fingerprint: "f2", state: "resolved", severity: "warning", labels: {}, updatedAt: Date.parse("2026-11-26T17:00:00Z"), lastFinding: finding() });
    expect(record).toMatchObject({ key: "f2", state: "resolved", severity: "warning", text: "High CPU usage: 85.50%", at: "2026-11-26T17:00:00.000Z" });
    const bare = describeAlert({ fingerprint: "f3", status: "firing", labels: { alertname: "disk_high", mountpoint: "/" } }, "2026-11-26T17:00:01.000Z");
    expect(bare).toMatchObject({ key: "f3", state: "firing", text: "disk_high mountpoint=/", at: "2026-11-26T17:00:01.000Z" });
  });

  test("an unknown shape shows its own keys", () => {
    expect(describeAlert({ weird: 1, nested: { a: 1, b: 2 } }).text).toBe("weird=1 nested={a,b}");
  });
});

describe("delivery attempts, whatever shape the outbox publishes", () => {
  test("camelCase attempt record", () => {
    expect(describeDelivery({ channel: "slack", outcome: "delivered", httpStatus: 200, latencyMs: 120.4, error: null, ts: Date.parse("2026-11-26T17:00:00Z") })).toEqual({
      channel: "slack",
      outcome: "delivered",
      httpStatus: 200,
      latencyMs: 120.4,
      at: "2026-11-26T17:00:00.000Z",
    });
  });

  test("snake_case, an error object, a numeric status and a nested notification", () => {
    const line = describeDelivery({ notification: { channel: "pager", fingerprint: "f1" }, status: 503, http_status: undefined, latency_ms: 30, error: { message: "service unavailable" }, ok: false });
    expect(line).toMatchObject({ channel: "pager", outcome: "failed", httpStatus: 503, latencyMs: 30, error: "service unavailable", subject: "f1" });
  });

  test("an unknown shape shows its own keys", () => {
    expect(describeDelivery({ n: 3 }).raw).toBe("n=3");
  });

  test("colours of states and outcomes", () => {
    expect(["firing", "pending", "resolved", "delivered", "retry", "failed", "what"].map(stateColour)).toEqual(["red", "yellow", "green", "green", "yellow", "red", undefined]);
  });
});
