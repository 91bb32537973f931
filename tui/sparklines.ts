import { SERIES, seriesOf } from "../src/collect/series.ts";
import type { Snapshot } from "../src/contracts/snapshot.ts";

/**
 * The series the TUI draws sparklines of: label-less metrics of the Series table, so the names are the
 * ones `/metrics`, the store and `/api/v1/series` use, and remote history can seed them.
 */
export const SPARKLINE_METRICS = {
  cpu: "aiops_cpu_usage_percent",
  memory: "aiops_memory_usage_percent",
  swap: "aiops_swap_usage_percent",
  load1: "aiops_load1",
  rx: "aiops_network_total_receive_bytes_per_second",
  tx: "aiops_network_total_transmit_bytes_per_second",
  diskRead: "aiops_disk_total_read_bytes_per_second",
  diskWrite: "aiops_disk_total_write_bytes_per_second",
} as const;

export type SparkKey = keyof typeof SPARKLINE_METRICS;
export const SPARK_KEYS = Object.keys(SPARKLINE_METRICS) as SparkKey[];

const DEFINITIONS = new Map(SERIES.map((def) => [def.metric, def]));

/** The value of a sparkline's series in a snapshot, read as the Series table reads it; undefined when absent. */
export function sparkValue(key: SparkKey, snapshot: Snapshot): number | undefined {
  const def = DEFINITIONS.get(SPARKLINE_METRICS[key]);
  if (!def) return undefined;
  return seriesOf(def, snapshot)[0]?.[1];
}
