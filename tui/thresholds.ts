import type { Config } from "../src/config/schema.ts";

/** The warning levels (percent) the gauges are coloured by, and the one critical level shared by all. */
export type Thresholds = Pick<Config["thresholds"], "cpu" | "memory" | "disk" | "swap" | "inodes" | "cgroup_memory" | "critical">;

/**
 * The schema's defaults (DESIGN.md: CPU 80, memory 85, disk 90, critical 95), for an attached agent
 * whose /api/v1/config cannot be read. A test keeps them equal to the schema's.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { cpu: 80, memory: 85, disk: 90, swap: 80, inodes: 90, cgroup_memory: 90, critical: 95 };

/** How a value stands against its levels: above the warning level is `warning`; at or above critical, `critical`. */
export type Level = "ok" | "warning" | "critical";

/** The level of `value` against a warning level and the critical level, as the threshold detector judges it. */
export function levelOf(value: number, warning: number, critical: number): Level {
  if (value >= critical) return "critical";
  if (value > warning) return "warning";
  return "ok";
}

/** Ink colour of a level. */
export function colourOf(level: Level): "green" | "yellow" | "red" {
  return level === "critical" ? "red" : level === "warning" ? "yellow" : "green";
}

/** Thresholds picked out of the configuration. */
export function thresholdsOf(config: Pick<Config, "thresholds">): Thresholds {
  const { cpu, memory, disk, swap, inodes, cgroup_memory, critical } = config.thresholds;
  return { cpu, memory, disk, swap, inodes, cgroup_memory, critical };
}

/**
 * Thresholds out of `/api/v1/config`'s `settings` list (`{ key: "thresholds.cpu", value: 80 }`);
 * anything missing or not a number keeps its default.
 */
export function thresholdsFromSettings(settings: unknown): Thresholds {
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  if (!Array.isArray(settings)) return out;
  for (const entry of settings) {
    if (entry === null || typeof entry !== "object") continue;
    const { key, value } = entry as { key?: unknown; value?: unknown };
    if (typeof key !== "string" || !key.startsWith("thresholds.") || typeof value !== "number") continue;
    const name = key.slice("thresholds.".length);
    if (name in out) out[name as keyof Thresholds] = value;
  }
  return out;
}
