import type { AlertChange } from "../../src/contracts/alert.ts";
import type { DeliveryAttempt } from "../../src/contracts/delivery.ts";
import { finding } from "./findings.ts";

/** An alert change for tests, as the engine publishes it: a warning CPU alert starting to fire unless overridden. */
export function alertChange(over: Partial<AlertChange> = {}): AlertChange {
  const f = finding();
  return {
    fingerprint: "f1",
    from: "pending",
    to: "firing",
    at: "2026-01-10T08:00:00.000Z",
    alert: {
      fingerprint: over.fingerprint ?? "f1",
      state: "firing",
      labels: { alertname: f.type, metric: f.metric, severity: f.severity },
      severity: f.severity,
      finding: f,
      activeAt: "2026-01-10T08:00:00.000Z",
      firedAt: "2026-01-10T08:00:00.000Z",
      silencedBy: [],
      flapping: false,
      notified: [],
    },
    ...over,
  };
}

/** A delivery attempt for tests, as the workers publish it: delivered to `webhook` at once unless overridden. */
export function deliveryAttempt(over: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    notificationId: 1,
    channel: "webhook",
    ts: Date.parse("2026-01-10T08:00:01.000Z"),
    outcome: "delivered",
    httpStatus: 200,
    error: null,
    latencyMs: 12,
    idempotencyKey: "k1",
    fingerprint: "f1",
    alertState: "firing",
    attempt: 1,
    status: "delivered",
    ...over,
  };
}
