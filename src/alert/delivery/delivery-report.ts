import type { EventBus } from "../../event-bus.ts";
import type { Logger } from "../../log.ts";
import type { Notification } from "../notifier.ts";
import { CANCELLED_BY_STOP } from "./attempt.ts";
import { failureReason, type OutboxMetrics } from "./outbox-metrics.ts";
import type { EndedAttempt } from "./recorder.ts";

/**
 * The report step, once an attempt is recorded: the delivery metrics (sent, failed by reason, retried,
 * dead-lettered, duration), one log line when a channel starts failing and one when it delivers again
 * (never one per retry), one line per notification given up, and the `delivery` event for the
 * server's stream and the TUI.
 */
export interface DeliveryReport {
  report(e: EndedAttempt): void;
}

/** Creates the report step; `log` is the workers' logger. */
export function createDeliveryReport(metrics: OutboxMetrics, log: Logger, events?: EventBus): DeliveryReport {
  const count = (e: EndedAttempt) => {
    const { lane, row, result, outcome } = e;
    const channel = lane.name;
    metrics.duration.observe(e.attempt.latencyMs / 1000);
    if (result.delivered) {
      metrics.sent.inc({ channel });
      if (lane.failing) log.info({ channel }, `Channel ${channel} delivers again`);
      lane.failing = false;
      return;
    }
    metrics.failed.inc({ channel, reason: failureReason(result) });
    if (outcome === "retry") metrics.retried.inc({ channel });
    else {
      metrics.deadLettered.inc({ channel });
      // Rare and someone was not told: worth a line each.
      log.error(
        { channel, idempotency_key: row.idempotencyKey, fingerprint: row.alertFingerprint, attempts: row.attempts + 1, error: result.error },
        `Gave up delivering a notification to ${channel}`,
      );
    }
    if (!lane.failing && result.error !== CANCELLED_BY_STOP) {
      lane.failing = true;
      log.warning({ channel, error: result.error }, `Channel ${channel} fails; retrying with backoff`);
    }
  };

  return {
    report(e) {
      count(e);
      events?.publish({
        type: "delivery",
        delivery: {
          ...e.attempt,
          idempotencyKey: e.row.idempotencyKey,
          fingerprint: e.row.alertFingerprint,
          alertState: e.row.alertState,
          ...alertNamesOf(e.row.payload),
          attempt: e.changes.attempts ?? e.row.attempts + 1,
          status: e.changes.status ?? "pending",
          ...(e.outcome === "retry" && e.changes.nextAttemptAt !== undefined ? { nextAttemptAt: e.changes.nextAttemptAt } : {}),
        },
      });
    },
  };
}

/** The alert's name and summary out of a queued notification's payload, for the event stream and the TUI. */
function alertNamesOf(payload: unknown): { alertname?: string; summary?: string } {
  const n = payload as Partial<Notification> | null;
  const alertname = n?.labels?.alertname;
  const summary = n?.annotations?.summary;
  return { ...(typeof alertname === "string" ? { alertname } : {}), ...(typeof summary === "string" ? { summary } : {}) };
}
