import type { SeriesDetection } from "../collect/series.ts";
import type { Labels } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import type { Detector } from "./detector.ts";
import type { Finding, ThresholdLevel } from "../contracts/finding.ts";
import { createForecastDetector } from "./forecast.ts";
import { type StatisticalTuning, createStatisticalDetector } from "./statistical.ts";
import { createThresholdDetector } from "./threshold.ts";
import { thresholdLevelOf } from "./threshold-levels.ts";

/** The detectors an ensemble may hold, by name; `ensemble` is all that apply. */
export const DETECTOR_NAMES = ["ensemble", "statistical", "threshold", "forecast"] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** Which series an ensemble watches and how (the Series table's `detect` field). */
export interface EnsembleSpec {
  metric: string;
  labels: Labels;
  detect: SeriesDetection;
  /** Run only this detector (replay's `--detector`); default all that apply. */
  only?: DetectorName;
  /** Other constants for the statistical detector (bench/nab.ts searches them); the defaults otherwise. */
  tuning?: Partial<StatisticalTuning>;
}

/** What the ensemble says of one point of its series. */
export interface EnsembleResult {
  /** 0..1: the highest of its detectors' scores. */
  score: number;
  /** Every finding whose condition holds now. */
  findings: Finding[];
}

/** One series' detectors, combined. */
export interface Ensemble {
  update(ts: number, value: number): EnsembleResult;
  /** JSON learned state of every detector, by detector name. */
  snapshot(): Record<string, unknown>;
  /** Detectors whose saved state could not be taken back (they start afresh), with the reason. */
  readonly rejected: readonly string[];
}

const NONE: readonly Finding[] = Object.freeze([]);

/**
 * Builds the detectors that apply to one series from the configuration and combines them: the score is
 * the highest of theirs (each maps "how bad" to 0..1 its own way: threshold 0.5 at the warning level and
 * 1 at critical, forecast 0.5..1 as the time to full shrinks, statistical its anomaly score), and the
 * findings are all of theirs, except that a statistical finding is held back while the same series has
 * a threshold finding: that one already tells the operator, in plainer words.
 * `state` is what `snapshot()` returned; a detector whose state does not fit starts afresh and is named
 * in `rejected`.
 */
export function createEnsemble(spec: EnsembleSpec, config: Config, state?: Record<string, unknown>): Ensemble {
  const { metric, labels, detect, only, tuning } = spec;
  const wants = (name: DetectorName) => only === undefined || only === "ensemble" || only === name;
  const rejected: string[] = [];
  const restore = <T>(name: string, make: (saved?: unknown) => T): T => {
    const saved = state?.[name];
    if (saved === undefined) return make();
    try {
      return make(saved);
    } catch (cause) {
      rejected.push(`${name}: ${(cause as Error).message}`);
      return make();
    }
  };

  let threshold: Detector | undefined;
  if (detect.threshold && wants("threshold")) {
    const rule = detect.threshold;
    let level: ThresholdLevel;
    try {
      level = thresholdLevelOf(config, rule.level);
    } catch (cause) {
      throw new Error(`${metric}: ${(cause as Error).message}`);
    }
    threshold = restore("threshold", (saved) =>
      createThresholdDetector(
        {
          metric,
          labels,
          type: rule.type,
          subject: rule.subject(labels),
          ...level,
          hysteresis: config.thresholds.hysteresis,
          forSeconds: config.thresholds.for,
        },
        saved,
      ),
    );
  }
  let forecast: Detector | undefined;
  if (detect.forecast && wants("forecast")) {
    const rule = detect.forecast;
    forecast = restore("forecast", (saved) =>
      createForecastDetector(
        {
          metric,
          labels,
          type: rule.type,
          subject: rule.subject(labels),
          horizonSeconds: config.detect.forecast_horizon,
          windowSeconds: config.detect.forecast_window,
        },
        saved,
      ),
    );
  }
  let statistical: Detector | undefined;
  if (detect.statistical && wants("statistical")) {
    statistical = restore("statistical", (saved) =>
      createStatisticalDetector(
        {
          metric,
          labels,
          warmupPoints: config.detect.warmup_points,
          anomalyScore: config.detect.anomaly_score,
          minDeviation: config.detect.min_deviation,
          quietSeconds: config.detect.quiet_period,
          ...(tuning ? { tuning } : {}),
          ...(config.detect.statistical ? { findingType: anomalyType(metric) } : {}),
        },
        saved,
      ),
    );
  }
  if (!threshold && !forecast && !statistical) throw new Error(`${metric}: detector ${only ?? "ensemble"} does not apply to this series`);

  return {
    rejected,
    update(ts: number, value: number): EnsembleResult {
      let score = 0;
      let findings = NONE as Finding[];
      let thresholdHolds = false;
      if (threshold) {
        const r = threshold.update(ts, value);
        score = r.score;
        if (r.finding) {
          findings = [r.finding];
          thresholdHolds = true;
        }
      }
      if (forecast) {
        const r = forecast.update(ts, value);
        if (r.score > score) score = r.score;
        if (r.finding) findings = findings === NONE ? [r.finding] : [...findings, r.finding];
      }
      if (statistical) {
        const r = statistical.update(ts, value);
        if (r.score > score) score = r.score;
        if (r.finding && !thresholdHolds) findings = findings === NONE ? [r.finding] : [...findings, r.finding];
      }
      return { score, findings };
    },
    snapshot(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      if (threshold) out.threshold = threshold.snapshot();
      if (forecast) out.forecast = forecast.snapshot();
      if (statistical) out.statistical = statistical.snapshot();
      return out;
    },
  };
}

/** Type of a statistical finding on a metric: `aiops_cpu_usage_percent` → `cpu_usage_anomaly`. */
export function anomalyType(metric: string): string {
  const base = metric.replace(/^aiops_/, "").replace(/_(percent|per_second|bytes|seconds)$/, "");
  return `${base || "value"}_anomaly`;
}
