import type { AlertChange, AlertView } from "../src/contracts/alert.ts";
import type { DeliveryAttempt } from "../src/contracts/delivery.ts";

/** One alert, ready to show: its latest state and severity, and what last happened to it. */
export interface AlertLine {
  /** The alert's fingerprint: one line per alert in the panel. */
  key: string;
  /** `firing`, `resolved`, `pending`, or `inactive` once no longer tracked. */
  state: string;
  /** The state before (`pending → firing`); empty when the UI attached and found it so. */
  from: string;
  severity: string;
  /** What last happened: `fired`, `resolved`, `escalated`, `de-escalated`..., or `already firing` at attach. */
  change: string;
  /** The alert's name (its finding type, e.g. `cpu_high`). */
  name: string;
  /** The finding's message. */
  text: string;
  /** ISO time of the change (or, found at attach, since when it is in its state). */
  at: string;
}

/** One delivery attempt, ready to show. */
export interface DeliveryLine {
  /** The attempt, once: a notification id and the attempt's time. */
  key: string;
  channel: string;
  /** `delivered`, `retry` or `failed`. */
  outcome: string;
  httpStatus?: number;
  error?: string;
  latencyMs: number;
  /** The alert it announced by name (`cpu_high`), or a short fingerprint when the notification has none. */
  alert: string;
  /** The change it announced (`firing`, `resolved`). */
  alertState: string;
  /** The alert's summary (`High CPU usage: 97.00%`), when the notification carries it. */
  summary?: string;
  at: string;
}

const RANK: Record<string, number> = { warning: 1, critical: 2 };

/** What a change says happened, in a word or two. */
function changeOf(from: string, to: string, severity: string, before?: AlertLine): string {
  if (from === to) {
    if (!before || before.severity === severity) return `now ${severity}`;
    return (RANK[severity] ?? 0) > (RANK[before.severity] ?? 0) ? "escalated" : "de-escalated";
  }
  switch (to) {
    case "firing":
      return "fired";
    case "pending":
      return from === "resolved" ? "back, pending" : "pending";
    case "resolved":
      return "resolved";
    default:
      return from === "pending" ? "cleared before firing" : "gone";
  }
}

/** An alert change as the alert panel shows it; `before` is the alert's line until now, if any. */
export function describeAlert(change: AlertChange, before?: AlertLine): AlertLine {
  return {
    key: change.fingerprint,
    state: change.to,
    from: change.from,
    severity: change.alert.severity,
    change: changeOf(change.from, change.to, change.alert.severity, before),
    name: change.alert.finding.type,
    text: change.alert.finding.message,
    at: change.at,
  };
}

/** An alert the engine already tracked when the UI attached, as the alert panel shows it. */
export function describeAlertView(alert: AlertView): AlertLine {
  const since = alert.state === "firing" ? alert.firedAt : alert.state === "resolved" ? alert.resolvedAt : alert.activeAt;
  return {
    key: alert.fingerprint,
    state: alert.state,
    from: "",
    severity: alert.severity,
    change: `already ${alert.state}`,
    name: alert.finding.type,
    text: alert.finding.message,
    at: since ?? alert.activeAt,
  };
}

/** A delivery attempt as the alert panel shows it: the channel and the alert by name, not a fingerprint. */
export function describeDelivery(attempt: DeliveryAttempt): DeliveryLine {
  return {
    key: `${attempt.notificationId}@${attempt.ts}`,
    channel: attempt.channel,
    outcome: attempt.outcome,
    ...(attempt.httpStatus !== null ? { httpStatus: attempt.httpStatus } : {}),
    ...(attempt.error !== null ? { error: attempt.error } : {}),
    latencyMs: attempt.latencyMs,
    alert: attempt.alertname ?? `alert ${attempt.fingerprint.slice(0, 8)}`,
    alertState: attempt.alertState,
    ...(attempt.summary !== undefined ? { summary: attempt.summary } : {}),
    at: new Date(attempt.ts).toISOString(),
  };
}

/** Colour of an alert state or delivery outcome. */
export function stateColour(state: string): "red" | "yellow" | "green" | "gray" | undefined {
  switch (state) {
    case "firing":
    case "failed":
    case "dead":
      return "red";
    case "pending":
    case "retry":
      return "yellow";
    case "resolved":
    case "delivered":
      return "green";
    case "inactive":
      return "gray";
    default:
      return undefined;
  }
}
