import type { SeriesDetection } from "../collect/series.ts";
import type { Labels } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import type { Detector } from "./detector.ts";
import type { Finding, FindingEvidence, ThresholdLevel } from "../contracts/finding.ts";
import { type ContextualDetector, type ContextualTuning, createContextualDetector } from "./contextual.ts";
import { createForecastDetector } from "./forecast.ts";
import { type StatisticalDetector, type StatisticalTuning, createStatisticalDetector } from "./statistical.ts";
import { createThresholdDetector } from "./threshold.ts";
import { FLATLINE_SUFFIX } from "./practical-effect.ts";
import { thresholdLevelOf } from "./threshold-levels.ts";

/** The detectors an ensemble may hold, by name; `ensemble` is all that apply. */
export const DETECTOR_NAMES = ["ensemble", "statistical", "contextual", "threshold", "forecast"] as const;
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
  /** Other constants for the contextual detector (bench/nab.ts searches them); the defaults otherwise. */
  contextualTuning?: Partial<ContextualTuning>;
}

/** What the ensemble says of one point of its series. */
export interface EnsembleResult {
  /** 0..1: the highest of its detectors' scores on one scale (1 − tail probability; a holding rule is 1). */
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
/** The result of an ordinary point (score 0, no finding), shared: most points of most series on most ticks. */
const QUIET: EnsembleResult = Object.freeze({ score: 0, findings: NONE as Finding[] });

/**
 * Builds the detectors that apply to one series from the configuration and combines them on one scale:
 * a score is 1 − the probability of so strange a point under the series' normal. The statistical
 * detector's score (how far the value is) and the contextual detector's (how new the recent pattern is)
 * are that already, each calibrated on the series' own history; the threshold and forecast
 * rules are the operator's own definition of abnormal, so their verdict is a certainty: 1 while their
 * finding holds, 0 otherwise (their own levels and hold times are untouched). The ensemble's score is the
 * highest of these. Its findings are all of its detectors', each carrying every detector's evidence for
 * the point and whether it agreed, except that a statistical finding is held back while the same series
 * has a threshold finding: that one already tells the operator, in plainer words; and a contextual
 * finding is held back while the series has a threshold or a statistical finding, for the same reason.
 * `state` is what `snapshot()` returned; a detector whose state does not fit starts afresh and is named
 * in `rejected`.
 */
export function createEnsemble(spec: EnsembleSpec, config: Config, state?: Record<string, unknown>): Ensemble {
  const { metric, labels, detect, only, tuning, contextualTuning } = spec;
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
  let statistical: StatisticalDetector | undefined;
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
  let contextual: ContextualDetector | undefined;
  // With both its kinds of finding off, it does not run (`only` aside: replay asks for its score): on a
  // host of thousands of series it is about half of a tick's detection.
  const contextualWanted = only === "contextual" || config.detect.contextual || config.detect.flatline;
  if (detect.statistical && wants("contextual") && contextualWanted) {
    contextual = restore("contextual", (saved) =>
      createContextualDetector(
        {
          metric,
          labels,
          warmupPoints: config.detect.warmup_points,
          anomalyScore: config.detect.anomaly_score,
          quietSeconds: config.detect.quiet_period,
          ...(contextualTuning ? { tuning: contextualTuning } : {}),
          ...(config.detect.statistical && config.detect.contextual ? { findingType: patternAnomalyType(metric) } : {}),
          ...(config.detect.statistical && config.detect.flatline ? { flatlineType: flatlineType(metric) } : {}),
        },
        saved,
      ),
    );
  }
  if (!threshold && !forecast && !statistical && !contextual) throw new Error(`${metric}: detector ${only ?? "ensemble"} does not apply to this series`);

  return {
    rejected,
    update(ts: number, value: number): EnsembleResult {
      let score = 0;
      let findings = NONE as Finding[];
      let thresholdHolds = false;
      let thresholdFinding: Finding | undefined;
      let forecastFinding: Finding | undefined;
      let statisticalScore = 0;
      let statisticalFinding: Finding | undefined;
      let contextualScore = 0;
      let contextualFinding: Finding | undefined;
      if (threshold) {
        thresholdFinding = threshold.update(ts, value).finding;
        if (thresholdFinding) {
          score = 1;
          thresholdHolds = true;
        }
      }
      if (forecast) {
        forecastFinding = forecast.update(ts, value).finding;
        if (forecastFinding) score = 1;
      }
      if (statistical) {
        const r = statistical.update(ts, value);
        statisticalScore = r.score;
        if (r.score > score) score = r.score;
        if (!thresholdHolds) statisticalFinding = r.finding;
      }
      if (contextual) {
        const r = contextual.update(ts, value);
        contextualScore = r.score;
        if (r.score > score) score = r.score;
        if (!thresholdHolds && !statisticalFinding) contextualFinding = r.finding;
      }
      if (thresholdFinding || forecastFinding || statisticalFinding || contextualFinding) {
        const evidence: FindingEvidence[] = [];
        if (threshold) evidence.push({ detector: "threshold", score: thresholdFinding ? 1 : 0, agrees: thresholdFinding !== undefined });
        if (forecast) evidence.push({ detector: "forecast", score: forecastFinding ? 1 : 0, agrees: forecastFinding !== undefined });
        if (statistical) {
          const e = statistical.evidence;
          evidence.push({
            detector: "statistical",
            score: statisticalScore,
            agrees: statisticalScore >= config.detect.anomaly_score,
            detail: { z: e.z, spike_p: e.spikeP, cusum: e.cusum, shift_p: e.shiftP },
          });
        }
        if (contextual) {
          evidence.push({
            detector: "contextual",
            score: contextualScore,
            agrees: contextualScore >= config.detect.anomaly_score,
            detail: { novelty_bits: contextual.novelty },
          });
        }
        findings = [];
        for (const f of [thresholdFinding, forecastFinding, statisticalFinding, contextualFinding]) if (f) findings.push({ ...f, evidence });
      }
      return score === 0 && findings === NONE ? QUIET : { score, findings };
    },
    snapshot(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      if (threshold) out.threshold = threshold.snapshot();
      if (forecast) out.forecast = forecast.snapshot();
      if (statistical) out.statistical = statistical.snapshot();
      if (contextual) out.contextual = contextual.snapshot();
      return out;
    },
  };
}

/** Type of a statistical finding on a metric: `aiops_cpu_usage_percent` → `cpu_usage_anomaly`. */
export function anomalyType(metric: string): string {
  return `${baseName(metric)}_anomaly`;
}

/** Type of a contextual finding on a metric: `aiops_cpu_usage_percent` → `cpu_usage_pattern_anomaly`. */
export function patternAnomalyType(metric: string): string {
  return `${baseName(metric)}_pattern_anomaly`;
}

/** Type of a flatline finding on a metric: `aiops_disk_write_bytes_per_second` → `disk_write_bytes_flatline`. */
export function flatlineType(metric: string): string {
  return `${baseName(metric)}${FLATLINE_SUFFIX}`;
}

function baseName(metric: string): string {
  return metric.replace(/^aiops_/, "").replace(/_(percent|per_second|bytes|seconds)$/, "") || "value";
}
