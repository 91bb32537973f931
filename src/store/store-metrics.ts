import type { Counter, Gauge, Histogram, SelfMetrics } from "../self-metrics.ts";

/** The store's self metrics. */
export interface StoreMetrics {
  degraded: Gauge;
  sizeBytes: Gauge;
  series: Gauge;
  writeSeconds: Histogram;
  pointsWritten: Counter;
  errors: Counter;
  maintenanceSeconds: Histogram;
  rowsDeleted: Counter;
}

/** Registers the store's self metrics (once; a reload gets the same families back). */
export function createStoreMetrics(metrics: SelfMetrics): StoreMetrics {
  return {
    degraded: metrics.gauge(
      "aiops_store_degraded",
      "1 when history is kept in memory only (data directory read-only or full, or a database it cannot use); 0 when it goes to the database file.",
    ),
    sizeBytes: metrics.gauge(
      "aiops_store_database_size_bytes",
      "Size of the database: the file and its write-ahead log, or its pages in memory when degraded. Updated by maintenance.",
    ),
    series: metrics.gauge("aiops_store_series", "Series the store knows."),
    writeSeconds: metrics.histogram(
      "aiops_store_write_duration_seconds",
      "Time to take one tick's samples into memory; every few minutes it includes writing the block of raw points (one transaction).",
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    ),
    pointsWritten: metrics.counter("aiops_store_points_written_total", "Raw points taken (kept in memory a few minutes, then written in blocks)."),
    errors: metrics.counter("aiops_store_errors_total", "Store operations that failed, by operation."),
    maintenanceSeconds: metrics.histogram(
      "aiops_store_maintenance_duration_seconds",
      "Time of one maintenance run: roll-ups, retention, size cap, checkpoint.",
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    rowsDeleted: metrics.counter("aiops_store_rows_deleted_total", "History rows deleted, by reason (retention, size_cap)."),
  };
}
