import { severityAt, type ThresholdLevel } from "../src/contracts/finding.ts";

/** The warning and critical level of every metric with a threshold rule, by metric name, as the agent sends them. */
export type ThresholdLevels = Readonly<Record<string, ThresholdLevel>>;

/** The metric whose levels colour each gauge. */
export const GAUGE_METRICS = {
  cpu: "aiops_cpu_usage_percent",
  memory: "aiops_memory_usage_percent",
  swap: "aiops_swap_usage_percent",
  disk: "aiops_disk_usage_percent",
  inodes: "aiops_disk_inodes_usage_percent",
  cgroup_memory: "aiops_cgroup_memory_usage_percent",
} as const;

/**
 * Ink colour of a value against its levels, judged by the threshold detector's own rule: green below
 * the warning level, yellow above it, red at or above the critical level. Without levels (an agent that
 * does not send them), no colour: the UI never guesses a level.
 */
export function colourAt(value: number, level: ThresholdLevel | undefined): "green" | "yellow" | "red" | undefined {
  if (!level) return undefined;
  const severity = severityAt(value, level);
  return severity === "critical" ? "red" : severity === "warning" ? "yellow" : "green";
}
