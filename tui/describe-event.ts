import type { AlertChange } from "../src/contracts/alert.ts";
import type { DeliveryAttempt } from "../src/contracts/delivery.ts";

/** One alert change, ready to show. */
export interface AlertLine {
  /** The alert's fingerprint: one line per alert in the panel. */
  key: string;
  /** `firing`, `resolved`, `pending`, or `inactive` once no longer tracked. */
  state: string;
  /** The state before (`pending → firing`). */
  from: string;
  severity: string;
  /** The finding's message. */
  text: string;
  /** ISO time of the change. */
  at: string;
}

/** One delivery attempt, ready to show. */
export interface DeliveryLine {
  channel: string;
  /** `delivered`, `retry` or `failed`. */
  outcome: string;
  httpStatus?: number;
  error?: string;
  latencyMs: number;
  /** What was delivered: the alert's name and summary when the notification says, else its fingerprint. */
  subject: string;
  at: string;
}

/** An alert change as the alert panel shows it. */
export function describeAlert(change: AlertChange): AlertLine {
  return {
    key: change.fingerprint,
    state: change.to,
    from: change.from,
    severity: change.alert.severity,
    text: change.alert.finding.message,
    at: change.at,
  };
}

/** A delivery attempt as the alert panel shows it. */
export function describeDelivery(attempt: DeliveryAttempt): DeliveryLine {
  return {
    channel: attempt.channel,
    outcome: attempt.outcome,
    ...(attempt.httpStatus !== null ? { httpStatus: attempt.httpStatus } : {}),
    ...(attempt.error !== null ? { error: attempt.error } : {}),
    latencyMs: attempt.latencyMs,
    subject: attempt.summary ?? attempt.alertname ?? attempt.fingerprint,
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
