import type { TickContext, TickStage } from "../contracts/tick.ts";
import { seriesKey } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import { type Detection, type DetectionDeps, type DetectionResult, createDetection } from "./detection.ts";

/** The detection stage of the tick, plus the scores of its last tick for whoever shows them. */
export interface DetectionStage extends TickStage {
  /** Anomaly score 0..1 of every watched series at the last tick, by `seriesKey`. */
  readonly scores: ReadonlyMap<string, number>;
  /** The engine in use (replaced on reload, keeping what it learned). */
  readonly detection: Detection;
}

/**
 * Plugs the detection engine into the agent's tick: every sample of the tick goes through it once, and
 * the findings are added to the tick for the stages after it (history, alerting). A reload builds the
 * engine again from the new configuration and hands it everything the old one learned.
 */
export function createDetectionStage(config: Config, deps: DetectionDeps = {}): DetectionStage {
  let detection = createDetection(config, deps);
  const anomalies = deps.metrics?.counter("aiops_anomalies_total", "Anomalies (finding episodes) started, by type and severity.");
  let last: DetectionResult | undefined;
  // A finding holds tick after tick; this remembers which held last tick, so each episode starts once.
  let active = new Set<string>();
  return {
    name: "detect",
    get scores() {
      return last?.scores ?? new Map();
    },
    get detection() {
      return detection;
    },
    run(tick: TickContext): void {
      const result = detection.update(tick.time, tick.samples);
      last = result;
      const current = new Set<string>();
      for (const finding of result.findings) {
        tick.findings.push(finding);
        const key = `${finding.type}|${seriesKey(finding.metric, finding.labels)}`;
        current.add(key);
        if (!active.has(key)) {
          tick.startedFindings.push(finding);
          anomalies?.inc({ type: finding.type, severity: finding.severity });
        }
      }
      active = current;
    },
    reload(next: Config): void {
      const learned = detection.exportState();
      detection = createDetection(next, deps);
      detection.importState(learned);
    },
  };
}
