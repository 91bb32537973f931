/** How an attempt ended: delivered, failed and worth retrying, or failed for good. */
export type DeliveryOutcome = "delivered" | "retry" | "failed";

/** Where a notification is: waiting (first try or a retry), delivered, or given up (dead-lettered). */
export type NotificationStatus = "pending" | "delivered" | "dead";

/** One delivery attempt as the event stream and the TUI see it (times in ms). */
export interface DeliveryAttempt {
  notificationId: number;
  channel: string;
  /** When the attempt ended. */
  ts: number;
  outcome: DeliveryOutcome;
  httpStatus: number | null;
  error: string | null;
  latencyMs: number;
  idempotencyKey: string;
  /** The alert it announces. */
  fingerprint: string;
  /** The change of state it announces (firing, resolved). */
  alertState: string;
  /** The alert's name (its finding type, e.g. `cpu_high`), when the notification carries it. */
  alertname?: string;
  /** The alert's one-line summary (`High CPU usage: 91.20%`), when the notification carries it. */
  summary?: string;
  /** Attempts at this notification so far, this one included. */
  attempt: number;
  /** The notification's status after this attempt. */
  status: NotificationStatus;
  /** When the next attempt is due, after a retryable failure. */
  nextAttemptAt?: number;
}
