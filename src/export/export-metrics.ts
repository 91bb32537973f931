import type { Counter, Gauge, SelfMetrics, SelfSample } from "../self-metrics.ts";
import type { ExportTarget } from "./push-protocol.ts";
import type { QueueStats } from "./push-queue.ts";

/** Why samples were dropped, as the `reason` label of `aiops_export_samples_dropped_total`. */
export type DropReason = "queue_full" | "rejected";

/** The export side's self metrics. Names are fixed: deploy/prometheus rules and the dashboard use them. */
export interface ExportMetrics {
  sent: Counter;
  failed: Counter;
  dropped: Counter;
  lastSuccess: Gauge;
  /** Reads a target's queue at scrape time, until `unwatch`. */
  watch(target: ExportTarget, stats: () => QueueStats): void;
  unwatch(target: ExportTarget): void;
}

/** Registers the export metrics (a second call on the same SelfMetrics shares the families). */
export function createExportMetrics(metrics: SelfMetrics, now: () => number): ExportMetrics {
  const watched = new Map<ExportTarget, () => QueueStats>();
  const read = (map: (target: ExportTarget, s: QueueStats) => number): SelfSample[] => {
    const out: SelfSample[] = [];
    for (const [target, stats] of watched) {
      try {
        out.push({ labels: { target }, value: map(target, stats()) });
      } catch {
        // The store is closed or failing: no sample is better than a wrong one.
      }
    }
    return out;
  };
  metrics.gauge("aiops_export_queue_samples", "Samples waiting in the export queue, by target (remote_write, otlp).", () =>
    read((_, s) => s.samples),
  );
  metrics.gauge("aiops_export_queue_bytes", "Bytes the export queue holds in the store, by target; bounded by its queue_max_bytes.", () =>
    read((_, s) => s.bytes),
  );
  metrics.gauge("aiops_export_queue_oldest_age_seconds", "Age of the oldest push waiting in the export queue, by target (0 when none waits).", () =>
    read((_, s) => (s.oldestCreatedAt === null ? 0 : Math.max(0, (now() - s.oldestCreatedAt) / 1000))),
  );
  const ours = {
    sent: metrics.counter("aiops_export_samples_sent_total", "Samples the receiver took, by target."),
    failed: metrics.counter(
      "aiops_export_samples_failed_total",
      "Samples in requests that failed and will be sent again, by target and reason (rate_limited, server_error, timeout, unreachable, rejected for TLS).",
    ),
    dropped: metrics.counter(
      "aiops_export_samples_dropped_total",
      "Samples given up, by target and reason: queue_full (the oldest, past the queue's bound) or rejected (a 4xx answer).",
    ),
    lastSuccess: metrics.gauge("aiops_export_last_success_timestamp_seconds", "When the receiver last took a request, by target (seconds since the epoch)."),
  };
  return {
    ...ours,
    watch(target, stats) {
      watched.set(target, stats);
      ours.sent.inc({ target }, 0);
      for (const reason of ["queue_full", "rejected"] satisfies DropReason[]) ours.dropped.inc({ target, reason }, 0);
    },
    unwatch(target) {
      watched.delete(target);
    },
  };
}
