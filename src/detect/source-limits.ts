import { seriesKey } from "../contracts/sample.ts";
import type { Finding, Severity } from "../contracts/finding.ts";
import type { Snapshot } from "../contracts/snapshot.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";
import type { Config } from "../config/schema.ts";

/**
 * Findings on limits the source sets itself, not the configuration: a sensor past its chip's high
 * (`warning`) or critical (`critical`) limit, and a Nagios plugin's WARNING, CRITICAL or UNKNOWN (a
 * CRITICAL is a critical finding). A sensor's finding clears only once it is `thresholds.hysteresis`
 * degrees below the limit it crossed, so a temperature hovering at the line does not flap.
 */
export function sourceLimitFindings(snapshot: Snapshot, active: ReadonlySet<string>, hysteresis: number): Finding[] {
  const out: Finding[] = [];
  const timestamp = snapshot.timestamp;
  for (const t of snapshot.sensors?.temperatures ?? []) {
    const labels = { chip: t.chip, sensor: t.sensor };
    const key = `sensor_temperature_high|${seriesKey("aiops_sensor_temperature_celsius", labels)}`;
    const margin = active.has(key) ? hysteresis : 0;
    let severity: Severity | undefined;
    let limit = 0;
    if (t.critical !== null && t.celsius >= t.critical - margin) [severity, limit] = ["critical", t.critical];
    else if (t.high !== null && t.celsius >= t.high - margin) [severity, limit] = ["warning", t.high];
    if (!severity) continue;
    out.push({
      type: "sensor_temperature_high",
      severity,
      message: `${t.chip} ${t.sensor} at ${t.celsius.toFixed(1)}°C, past its ${severity === "critical" ? "critical" : "high"} limit of ${limit}°C`,
      value: t.celsius,
      threshold: limit,
      metric: "aiops_sensor_temperature_celsius",
      labels,
      detector: "threshold",
      score: severity === "critical" ? 1 : 0.5,
      timestamp,
    });
  }
  for (const r of snapshot.plugins?.runs ?? []) {
    const status = r.nagios?.status;
    if (status === undefined || status === 0) continue;
    const word = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][status]!;
    out.push({
      type: "plugin_nagios",
      severity: status === 2 ? "critical" : "warning",
      message: `${r.plugin} ${word}${r.nagios!.text ? `: ${r.nagios!.text}` : ""}`,
      value: status,
      threshold: status === 2 ? 2 : 1,
      metric: "aiops_plugin_nagios_status",
      labels: { plugin: r.plugin },
      detector: "threshold",
      score: status === 2 ? 1 : 0.5,
      timestamp,
    });
  }
  return out;
}

/** The tick stage of `sourceLimitFindings`: adds them to the tick's findings, each episode started once. */
export function createSourceLimitsStage(config: Config): TickStage {
  let hysteresis = config.thresholds.hysteresis;
  let active = new Set<string>();
  return {
    name: "source-limits",
    run(tick: TickContext): void {
      const current = new Set<string>();
      for (const f of sourceLimitFindings(tick.snapshot, active, hysteresis)) {
        const key = `${f.type}|${seriesKey(f.metric, f.labels)}`;
        current.add(key);
        tick.findings.push(f);
        if (!active.has(key)) tick.startedFindings.push(f);
      }
      active = current;
    },
    reload(next: Config): void {
      hysteresis = next.thresholds.hysteresis;
    },
  };
}
