import type { Counter, Histogram, SelfMetrics, SelfSample } from "../../self-metrics.ts";
import type { NotifyResult } from "../notifier.ts";

/** The delivery side's self metrics. Names are fixed: deploy/prometheus rules use them. */
export interface OutboxMetrics {
  sent: Counter;
  failed: Counter;
  retried: Counter;
  deadLettered: Counter;
  duration: Histogram;
  /** Shows every label set of the counters at 0 for a channel, so a scrape has it before its first event. */
  touch(channel: string): void;
}

/** Why an attempt failed, as the `reason` label of `aiops_notifications_failed_total`: few values. */
export type FailureReason = "rejected" | "rate_limited" | "server_error" | "timeout" | "unreachable" | "cancelled";

/** Registers the delivery metrics (once per SelfMetrics; a second call gets the same families). */
export function createOutboxMetrics(metrics: SelfMetrics): OutboxMetrics {
  const sent = metrics.counter("aiops_notifications_sent_total", "Notifications delivered, by channel.");
  const failed = metrics.counter(
    "aiops_notifications_failed_total",
    "Delivery attempts that failed, by channel and reason (rejected, rate_limited, server_error, timeout, unreachable, cancelled).",
  );
  const retried = metrics.counter("aiops_notifications_retried_total", "Failed delivery attempts that will be tried again, by channel.");
  const deadLettered = metrics.counter(
    "aiops_notifications_dead_lettered_total",
    "Notifications given up (a final refusal, or still undelivered after alert.delivery.max_age), by channel.",
  );
  const duration = metrics.histogram(
    "aiops_delivery_duration_seconds",
    "Time of one delivery attempt, from the send to its outcome.",
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  return {
    sent,
    failed,
    retried,
    deadLettered,
    duration,
    touch(channel) {
      sent.inc({ channel }, 0);
      retried.inc({ channel }, 0);
      deadLettered.inc({ channel }, 0);
    },
  };
}

/** The `reason` of a failed attempt. */
export function failureReason(result: Extract<NotifyResult, { delivered: false }>): FailureReason {
  if (!result.retryable) return "rejected";
  if (result.status === 429) return "rate_limited";
  if (result.status !== undefined) return "server_error";
  if (/timed out/i.test(result.error)) return "timeout";
  if (/^cancelled/i.test(result.error)) return "cancelled";
  return "unreachable";
}

/**
 * Registers the backlog gauges, read at scrape time: pending rows per channel and the age of the
 * oldest. `read` returns the backlog (channels without one report 0) or throws when the store is gone.
 */
export function registerOutboxGauges(
  metrics: SelfMetrics,
  read: () => Array<{ channel: string; pending: number; oldestCreatedAt: number | null }>,
  now: () => number,
): void {
  const safely = (map: (d: { channel: string; pending: number; oldestCreatedAt: number | null }) => SelfSample): SelfSample[] => {
    try {
      return read().map(map);
    } catch {
      // The store is closed or failing: no sample is better than a wrong one.
      return [];
    }
  };
  metrics.gauge("aiops_outbox_depth", "Notifications waiting to be delivered (first try or a retry), by channel.", () =>
    safely((d) => ({ labels: { channel: d.channel }, value: d.pending })),
  );
  metrics.gauge("aiops_outbox_oldest_age_seconds", "Age of the oldest notification waiting to be delivered, by channel (0 when none waits).", () =>
    safely((d) => ({ labels: { channel: d.channel }, value: d.oldestCreatedAt === null ? 0 : Math.max(0, (now() - d.oldestCreatedAt) / 1000) })),
  );
}
