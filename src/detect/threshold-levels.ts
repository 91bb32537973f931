import { SERIES } from "../collect/series.ts";
import type { Config } from "../config/schema.ts";
import type { ThresholdLevel } from "../contracts/finding.ts";

/**
 * The warning and critical level of a threshold rule (`thresholds.<name>` and `thresholds.critical`):
 * the one place a level is read out of the configuration, for the detector and for every reader.
 */
export function thresholdLevelOf(config: Pick<Config, "thresholds">, name: string): ThresholdLevel {
  const warning = (config.thresholds as unknown as Record<string, unknown>)[name];
  if (typeof warning !== "number") throw new Error(`no threshold level thresholds.${name}`);
  return { warning, critical: config.thresholds.critical };
}

/** The levels of every metric with a threshold rule in the Series table, by metric name. */
export function thresholdLevelsOf(config: Pick<Config, "thresholds">): Record<string, ThresholdLevel> {
  const out: Record<string, ThresholdLevel> = {};
  for (const def of SERIES) {
    const rule = def.detect?.threshold;
    if (rule) out[def.metric] = thresholdLevelOf(config, rule.level);
  }
  return out;
}
