import type { TickContext, TickStage } from "../agent.ts";
import type { Detection } from "./detection.ts";

/** The detection stage of the tick, plus the scores of its last tick for whoever shows them. */
export interface DetectionStage extends TickStage {
  /** Anomaly score 0..1 of every watched series at the last tick, by `seriesKey`. */
  readonly scores: ReadonlyMap<string, number>;
}

/**
 * Plugs the detection engine into the agent's tick: every sample of the tick goes through it once, and
 * the findings are added to the tick for the stages after it (history, alerting).
 */
export function createDetectionStage(detection: Detection): DetectionStage {
  let scores: ReadonlyMap<string, number> = new Map();
  return {
    name: "detect",
    get scores() {
      return scores;
    },
    run(tick: TickContext): void {
      const result = detection.update(tick.time, tick.samples);
      scores = result.scores;
      for (const finding of result.findings) tick.findings.push(finding);
    },
  };
}
