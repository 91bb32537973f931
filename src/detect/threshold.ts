import type { Labels } from "../contracts/sample.ts";
import { type Detector, type DetectorResult, ORDINARY } from "./detector.ts";
import { type Finding, type Severity, severityAt } from "../contracts/finding.ts";

/** One static rule: a warning and a critical level on a percent, with hysteresis and a hold time. */
export interface ThresholdOptions {
  metric: string;
  labels: Labels;
  /** Finding type, e.g. `cpu_high`. */
  type: string;
  /** What is measured, for the message: `High ${subject}: 85.50%`. */
  subject: string;
  /** Above this, a `warning` finding. */
  warning: number;
  /** At or above this, `critical`. */
  critical: number;
  /** Once raised, the finding clears only below `warning - hysteresis`. */
  hysteresis: number;
  /** Seconds the value must stay above `warning` before the finding is raised. */
  forSeconds: number;
}

/** JSON form of a threshold detector's state. */
export interface ThresholdState {
  v: 1;
  /** Since when (ms) the value has been above the warning level; null when it is not. */
  above: number | null;
  active: boolean;
}

/**
 * The static thresholds of the configuration, as a detector: `warning` above the level, `critical` at or above the
 * critical level, raised after the value has stayed above the level for `forSeconds`, and cleared only
 * once it falls below the level minus the hysteresis, so a value hovering at the line does not flap.
 * Its score is 0 below the warning level, 0.5 at it, rising to 1 at the critical level.
 */
export function createThresholdDetector(options: ThresholdOptions, state?: unknown): Detector {
  let above: number | null = null;
  let active = false;
  if (state !== undefined) {
    const s = state as Partial<ThresholdState> | null;
    if (s === null || typeof s !== "object" || s.v !== 1) throw new Error("threshold state: unknown version");
    above = typeof s.above === "number" && Number.isFinite(s.above) ? s.above : null;
    active = s.active === true;
  }
  const { warning, critical, hysteresis, forSeconds } = options;

  return {
    name: "threshold",
    update(ts: number, value: number): DetectorResult {
      if (!Number.isFinite(value)) return ORDINARY;
      if (value > warning) {
        above ??= ts;
        if (!active && ts - above >= forSeconds * 1000) active = true;
      } else {
        above = null;
        if (active && value < warning - hysteresis) active = false;
      }
      const score = value <= warning ? 0 : value >= critical ? 1 : 0.5 + (0.5 * (value - warning)) / (critical - warning);
      if (!active) return score === 0 ? ORDINARY : { score };
      const severity: Severity = severityAt(value, options) ?? "warning";
      const finding: Finding = {
        type: options.type,
        severity,
        message: `High ${options.subject}: ${value.toFixed(2)}%`,
        value,
        threshold: severity === "critical" ? critical : warning,
        metric: options.metric,
        labels: options.labels,
        detector: "threshold",
        score,
        timestamp: new Date(ts).toISOString(),
      };
      return { score, finding };
    },
    snapshot(): ThresholdState {
      return { v: 1, above, active };
    },
  };
}
