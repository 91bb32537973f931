import type { Labels } from "./sample.ts";
import type { ProcessInfo } from "./snapshot.ts";

/** How bad a finding is: above the warning level is `warning`; at or above the critical level, `critical`. */
export type Severity = "warning" | "critical";

/** The two levels of a threshold rule, percent: above `warning` is a warning, at or above `critical` is critical. */
export interface ThresholdLevel {
  warning: number;
  critical: number;
}

/** How a value stands against a rule's levels (the detector's rule, and the colour a gauge shows). */
export function severityAt(value: number, level: ThresholdLevel): Severity | undefined {
  if (value >= level.critical) return "critical";
  if (value > level.warning) return "warning";
  return undefined;
}

/**
 * A Finding (anomaly) in the shape of DESIGN.md: `{ type, severity, message, value, threshold }`
 * plus which series, which detector, how anomalous (score 0..1) and when.
 * A detector reports a finding on every update while its condition holds; the alert engine resolves an
 * alert when its finding stops being reported.
 */
export interface Finding {
  /** Snake-case kind, e.g. `cpu_high`, `disk_full_forecast`, `cpu_usage_anomaly`. */
  type: string;
  severity: Severity;
  /** One human sentence, e.g. `High CPU usage: 85.50%`. */
  message: string;
  value: number;
  /** The level crossed; for statistical findings, the edge of the learned normal band. */
  threshold: number;
  metric: string;
  labels: Labels;
  /** Name of the detector that raised it. */
  detector: string;
  /** 0..1, how unusual the value is. */
  score: number;
  /** ISO-8601 time of the point that raised it. */
  timestamp: string;
  /**
   * Root-cause context: the three processes that weighed most on the finding's resource when it was
   * raised (CPU findings by CPU, memory by resident memory or its growth, disk and I/O by bytes
   * written and read). Absent when the agent sees no processes (another platform, an old agent).
   */
  top_processes?: ProcessInfo[];
  /**
   * What each detector of the series said of the point that raised it, on one scale, and which of them
   * agreed (set by the ensemble; absent on findings from elsewhere).
   */
  evidence?: FindingEvidence[];
  /**
   * How large a learned (statistical) finding is, in the series' own units: what the series did before
   * it left its normal, how far the value is from that, and since when. Absent on threshold and
   * forecast findings, which say it in their level.
   */
  effect?: FindingEffect;
  /**
   * Other series of the host that deviated together with this one (CPU with load and CPU pressure,
   * memory with swap and memory pressure, a disk's I/O with I/O pressure, an interface's receive with
   * its transmit): one finding tells the whole event instead of one per series. Absent when alone.
   */
  related?: RelatedSeries[];
}

/** The size of a learned finding: value against the reference of the time before it began. */
export interface FindingEffect {
  /** What the series was expected to be: the median of its one-minute means before the deviation began. */
  expected: number;
  /** The range it moved in then (the 10th percentile of its one-minute lows, the 90th of its highs). */
  expected_low: number;
  expected_high: number;
  /** value − expected, in the series' unit (percentage points for a percent). */
  deviation: number;
  /** |value − expected| / the larger of |value| and |expected|, 0..1: 0.5 is doubled or halved. */
  change: number;
  /** The unit of value, expected and deviation: `percent` (deviation in points), `bytes/s`, `1/s`... */
  unit: string;
  /** ISO-8601 time the value left its expected range. */
  since: string;
  /** Seconds from `since` to this finding's point. */
  duration_seconds: number;
}

/** One series that deviated together with a finding's own. */
export interface RelatedSeries {
  metric: string;
  labels: Labels;
  /** Its value at the finding's point. */
  value: number;
  /** Its own finding's type, detector and score, when it had one (folded into this finding). */
  type?: string;
  detector?: string;
  score?: number;
  /** Its own effect, when a learned detector found it. */
  effect?: FindingEffect;
  /** ISO-8601 time it started to deviate (its own finding's first point). */
  since: string;
}

/** One detector's view of the point behind a finding. */
export interface FindingEvidence {
  detector: string;
  /** Its score on the ensemble's common scale: 1 − the tail probability; a rule whose finding holds is 1. */
  score: number;
  /** It saw the point as anomalous: its finding holds, or its score reached `detect.anomaly_score`. */
  agrees: boolean;
  /** What the score rests on (the statistical detector: robust z, the CUSUM and their p-values). */
  detail?: Record<string, number>;
}
