import type { Logger } from "../../log.ts";
import { dueForChannel, outboxDepth, updateNotification } from "../../store/notifications.ts";
import type { Store } from "../../store/store.ts";
import type { OutboxMetrics } from "./outbox-metrics.ts";

/**
 * The orphan sweep: rows queued for a channel no longer configured cannot be sent. They wait, in case
 * the channel comes back, and are dead-lettered once past the max age like any other undelivered
 * notification, with one log line per channel and the dead-letter counter.
 */
export interface OrphanSweep {
  /** Dead-letters the rows of channels not in `configured` queued before `at - maxAgeMs`. Never throws: a failure is logged. */
  sweep(configured: { has(channel: string): boolean }, at: number, maxAgeMs: number): void;
}

/** Creates the orphan sweep over an open store; `log` is the workers' logger. */
export function createOrphanSweep(store: Store, metrics: OutboxMetrics, log: Logger): OrphanSweep {
  return {
    sweep(configured, at, maxAgeMs) {
      try {
        const cutoff = at - maxAgeMs;
        for (const d of store.read((db) => outboxDepth(db))) {
          if (configured.has(d.channel) || d.oldestCreatedAt > cutoff) continue;
          const expired = store.transaction((db) => {
            const rows = dueForChannel(db, d.channel, Number.MAX_SAFE_INTEGER, 10_000).filter((r) => r.createdAt <= cutoff);
            for (const r of rows) {
              updateNotification(db, r.id, {
                status: "dead",
                deadLetteredAt: at,
                lastError: r.lastError ?? `channel ${d.channel} is no longer configured`,
                updatedAt: at,
              });
            }
            return rows.length;
          });
          if (expired > 0) {
            metrics.deadLettered.inc({ channel: d.channel }, expired);
            log.error({ channel: d.channel, notifications: expired }, `Gave up notifications queued for ${d.channel}, a channel no longer configured`);
          }
        }
      } catch (cause) {
        log.error({ err: cause }, "Could not sweep the outbox for channels no longer configured");
      }
    },
  };
}
