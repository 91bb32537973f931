import type { Labels } from "../contracts/sample.ts";
import { type Detector, type DetectorResult, ORDINARY } from "./detector.ts";
import type { Finding } from "../contracts/finding.ts";

/** A percent is full at 100. */
const FULL = 100;
/** Share of the window of history needed before a forecast is trusted. */
const MIN_HISTORY_SHARE = 0.25;
/** How much of the variation the fitted trend must explain (R²): noise does not make a forecast. */
const MIN_FIT = 0.6;
/** A raised forecast holds until the estimate moves past the horizon by this factor (no flapping). */
const CLEAR_FACTOR = 1.25;
const HOUR = 3_600_000;

/** A resource that fills: forecast when it reaches 100 %. */
export interface ForecastOptions {
  metric: string;
  labels: Labels;
  /** Finding type, e.g. `disk_full_forecast`. */
  type: string;
  /** What fills, for the message: `${subject} full in 3h 20m at the current rate`. */
  subject: string;
  /** Seconds: a time to full within this raises the finding. */
  horizonSeconds: number;
  /** Seconds: time constant of the fitted trend (older points weigh e times less per window). */
  windowSeconds: number;
}

/** JSON form of the fitted trend. */
export interface ForecastState {
  v: 1;
  n: number;
  firstTs: number;
  lastTs: number;
  meanT: number;
  meanX: number;
  covTT: number;
  covTX: number;
  covXX: number;
  active: boolean;
}

/** A forecast detector; `secondsToFull` is the last estimate (Infinity when not filling). */
export interface ForecastDetector extends Detector {
  readonly secondsToFull: number;
}

/**
 * Linear trend on a filling resource (disk, inodes, memory, in percent) with a time-to-full estimate.
 * The trend is an exponentially weighted least-squares line over time (O(1) per point: weighted means
 * and covariances), so a recent change of rate shows within about one window. It raises its finding
 * when the line reaches 100 % within the horizon, the fit explains most of the variation, and there is
 * enough history; it holds until the estimate moves a quarter past the horizon.
 */
export function createForecastDetector(options: ForecastOptions, state?: unknown): ForecastDetector {
  let s: ForecastState = { v: 1, n: 0, firstTs: 0, lastTs: 0, meanT: 0, meanX: 0, covTT: 0, covTX: 0, covXX: 0, active: false };
  if (state !== undefined) s = restore(state);
  const tau = options.windowSeconds / 3600;
  const horizonHours = options.horizonSeconds / 3600;
  let secondsToFull = Number.POSITIVE_INFINITY;

  return {
    name: "forecast",
    get secondsToFull() {
      return secondsToFull;
    },
    update(ts: number, x: number): DetectorResult {
      if (!Number.isFinite(x) || !Number.isFinite(ts) || (s.n > 0 && ts <= s.lastTs)) return ORDINARY;
      if (s.n === 0) s.firstTs = ts;
      // Hours since the first point keep the sums small and exact enough.
      const t = (ts - s.firstTs) / HOUR;
      const dt = s.n === 0 ? 0 : (ts - s.lastTs) / HOUR;
      s.n++;
      s.lastTs = ts;
      const w = Math.max(1 / s.n, 1 - Math.exp(-dt / tau));
      const dT = t - s.meanT;
      const dX = x - s.meanX;
      s.meanT += w * dT;
      s.meanX += w * dX;
      s.covTT = (1 - w) * (s.covTT + w * dT * dT);
      s.covTX = (1 - w) * (s.covTX + w * dT * dX);
      s.covXX = (1 - w) * (s.covXX + w * dX * dX);

      secondsToFull = Number.POSITIVE_INFINITY;
      const enough = ts - s.firstTs >= MIN_HISTORY_SHARE * options.windowSeconds * 1000;
      if (enough && s.covTT > 0 && s.covTX > 0 && x < FULL) {
        const slope = s.covTX / s.covTT; // percent per hour
        const fit = (s.covTX * s.covTX) / (s.covTT * Math.max(s.covXX, 1e-300));
        const now = s.meanX + slope * (t - s.meanT);
        if (fit >= MIN_FIT) secondsToFull = Math.max(0, (FULL - now) / slope) * 3600;
      }
      const hours = secondsToFull / 3600;
      s.active = s.active ? hours <= CLEAR_FACTOR * horizonHours : hours <= horizonHours;
      if (!s.active) return ORDINARY;
      const score = Math.min(1, 0.5 + 0.5 * Math.max(0, 1 - hours / horizonHours));
      const finding: Finding = {
        type: options.type,
        severity: "warning",
        message: `${options.subject} full in ${formatEta(secondsToFull)} at the current rate`,
        value: x,
        threshold: FULL,
        metric: options.metric,
        labels: options.labels,
        detector: "forecast",
        score,
        timestamp: new Date(ts).toISOString(),
      };
      return { score, finding };
    },
    snapshot(): ForecastState {
      return { ...s };
    },
  };
}

function restore(state: unknown): ForecastState {
  const s = state as Partial<ForecastState> | null;
  if (s === null || typeof s !== "object" || s.v !== 1) throw new Error("forecast state: unknown version");
  const out: ForecastState = { v: 1, n: 0, firstTs: 0, lastTs: 0, meanT: 0, meanX: 0, covTT: 0, covTX: 0, covXX: 0, active: s.active === true };
  for (const key of ["n", "firstTs", "lastTs", "meanT", "meanX", "covTT", "covTX", "covXX"] as const) {
    const v = s[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`forecast state: bad ${key}`);
    out[key] = v;
  }
  return out;
}

/** Seconds as people read a time to full: `3h 20m`, `2d 4h`, `45m`, `less than a minute`. */
export function formatEta(seconds: number): string {
  if (seconds < 60) return "less than a minute";
  // To the nearest minute: 16.9999 h of floating point is 17h, not 16h 59m.
  const minutes = Math.round(seconds / 60);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}
