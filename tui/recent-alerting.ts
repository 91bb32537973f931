import type { AlertView } from "../src/contracts/alert.ts";
import type { DeliveryAttempt, DeliveryOutcome, NotificationStatus } from "../src/contracts/delivery.ts";

/** What an agent's alerting looked like when the UI attached: its live alerts and its latest delivery attempts. */
export interface RecentAlerting {
  /** Every alert the engine tracks (pending, firing, recently resolved). */
  alerts: AlertView[];
  /** The latest delivery attempts, newest first. */
  deliveries: DeliveryAttempt[];
}

/** A notification of `/api/v1/deliveries`, with its attempts oldest first. */
interface OutboxItem {
  id: number;
  alertFingerprint: string;
  alertState: string;
  channel: string;
  status: NotificationStatus;
  idempotencyKey: string;
  nextAttemptAt?: number;
  alertname?: string;
  summary?: string;
  attemptLog?: Array<{ ts: number; outcome: DeliveryOutcome; httpStatus: number | null; error: string | null; latencyMs: number }>;
}

/**
 * Reads the alerts already firing (`/api/v1/alerts/active`) and the recent delivery attempts
 * (`/api/v1/deliveries`), so a UI that attaches to a running agent shows them at once rather than only
 * what happens after. An agent without alerting (404) has none.
 */
export async function readRecentAlerting(getJson: (path: string) => Promise<Record<string, unknown>>, limit: number): Promise<RecentAlerting> {
  const [active, outbox] = await Promise.all([getJson("/api/v1/alerts/active"), getJson(`/api/v1/deliveries?limit=${limit}`)]);
  const deliveries: DeliveryAttempt[] = [];
  for (const n of (outbox.items ?? []) as OutboxItem[]) {
    const log = n.attemptLog ?? [];
    log.forEach((a, i) => {
      deliveries.push({
        notificationId: n.id,
        channel: n.channel,
        ts: a.ts,
        outcome: a.outcome,
        httpStatus: a.httpStatus,
        error: a.error,
        latencyMs: a.latencyMs,
        idempotencyKey: n.idempotencyKey,
        fingerprint: n.alertFingerprint,
        alertState: n.alertState,
        ...(n.alertname !== undefined ? { alertname: n.alertname } : {}),
        ...(n.summary !== undefined ? { summary: n.summary } : {}),
        attempt: i + 1,
        status: i === log.length - 1 ? n.status : "pending",
      });
    });
  }
  deliveries.sort((a, b) => b.ts - a.ts);
  return { alerts: (active.items ?? []) as AlertView[], deliveries: deliveries.slice(0, limit) };
}
