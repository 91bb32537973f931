import type { Labels } from "../contracts/sample.ts";
import type { Detector, DetectorResult } from "./detector.ts";
import type { Finding } from "../contracts/finding.ts";
import { EmpiricalTail, type EmpiricalTailState } from "./empirical-tail.ts";
import { SeasonalProfile, type SeasonalProfileState } from "./seasonal-profile.ts";

/**
 * The constants of the algorithm that were chosen by cross-validation (bench/nab.ts: leave one NAB
 * category out, pick on the others, score on it). They are the same for every series; the bench passes
 * others to search them, the agent never does.
 */
export interface StatisticalTuning {
  /** Rate per point at which the reference level follows the series (outside excursions). */
  levelRate: number;
  /** CUSUM allowance: how many robust standard deviations per point a shift must exceed to accumulate. */
  cusumAllowance: number;
  /** Points the empirical tails remember (weight fades to 1/e after this many). */
  tailHorizon: number;
  /**
   * Past the tails' 99.9th percentile, a value they hold at least this many points at or above (older
   * ones at their faded weight) gets their own count as its p-value instead of the extrapolation: a
   * spike of a size the series keeps showing is that common, not one in a million. At least 1, so one
   * old spike alone never counts and cannot hide a later one (`EmpiricalTail`).
   */
  recurringPoints: number;
  /** After a finding opens, another within this time is the same event (none opens). */
  holdMs: number;
  /**
   * To call a point one in N (N = 1 / (1 − anomalyScore)), the tails must hold at least this share of N
   * points (beyond the points they hold, p-values are extrapolated from their 90th to 99.9th percentiles).
   */
  calibrationShare: number;
}

export const DEFAULT_TUNING: StatisticalTuning = {
  levelRate: 0.02,
  cusumAllowance: 0.5,
  tailHorizon: 10000,
  recurringPoints: 1,
  holdMs: 1000 * 60_000,
  calibrationShare: 0.25,
};

/** Rate at which spreads (mean absolute residuals) follow. */
const SCALE_RATE = 0.02;
/** Points before the spread means anything (it starts as a plain mean of the first residuals). */
const SETTLE_POINTS = 1 / SCALE_RATE;
/** Residuals are clipped to this many spreads before they are learned: outliers barely move the reference. */
const CLIP = 3;
/** A robust z enters the CUSUM clipped to this: one spike is a spike, not a shift. */
const CUSUM_CLIP = 4;
/** A standard deviation in mean absolute deviations, for normal noise: spreads here are mean absolute residuals. */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);
/**
 * A point whose combined p-value is below this is part of an excursion: the reference, the spreads
 * and the profiles learn from it at a tenth of the usual weight, so the normal is judged as
 * it was before the excursion began (and still catches up with a lasting change, ten times slower).
 */
const EXCURSION_P = 0.01;
const EXCURSION_WEIGHT = 0.1;
/** The spread never falls below this share of the spread of the residuals that are not zero. */
const FLOOR_SHARE = 0.25;
/** Rate at which that spread of non-zero residuals follows. */
const NONZERO_RATE = 0.01;
/** Rate of the errors that choose between predictors, and how much better a seasonal one must be. */
const ERROR_RATE = 0.01;
const SEASONAL_MARGIN = 0.7;
/** A profile in use stays in use until it predicts worse than this share of the other's error (hysteresis). */
const SEASONAL_KEEP = 1;
/** Bins of a day (5 minutes each) and of a week (5 minutes each); how fast a bin learns per visit. */
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const DAY_BINS = 288;
const WEEK_BINS = 2016;
const BIN_RATE = 0.3;
/** History a seasonal predictor needs before it may be used: two periods. */
const SEASONS_BEFORE_USE = 2;
/** Kinds of evidence whose p-values are combined (Bonferroni: the smallest, times their number). */
const EVIDENCE_KINDS = 2;
/**
 * A shift (the CUSUM's evidence), or a point STRONG_EVIDENCE times rarer than `anomalyScore` asks, needs
 * only this share of `minDeviation` at the point that opens its finding.
 */
const SHIFT_DEVIATION_SHARE = 0.5;
const STRONG_EVIDENCE = 100;
/** A CUSUM whose p-value falls below this has signalled, and restarts. */
const CUSUM_RESTART_P = 1e-5;

/** What the statistical detector needs to know of its series and of the configuration. */
export interface StatisticalOptions {
  metric: string;
  labels: Labels;
  /** Points watched before any score (learning is quiet until then). */
  warmupPoints: number;
  /** Score (1 − tail probability) at or above which a finding opens (with `minDeviation`). */
  anomalyScore: number;
  /** Distance from the learned normal, in robust standard deviations, that a finding needs. */
  minDeviation: number;
  /** Seconds of history before the first finding (scores come after `warmupPoints` already). */
  quietSeconds?: number;
  /** Finding type, e.g. `cpu_usage_anomaly`; no finding is raised without one. */
  findingType?: string;
  /** Other constants (bench/nab.ts searches them); the defaults otherwise. */
  tuning?: Partial<StatisticalTuning>;
}

/** JSON form of the learned state, version 3 (versions 1 and 2 scored by records of ranges: refused). */
export interface StatisticalState {
  v: 3;
  n: number;
  firstTs: number;
  lastTs: number;
  interval: number;
  previous: number;
  /** Smallest non-zero step between points seen; null before any. */
  resolution: number | null;
  level: number;
  scale: number;
  nonzeroSpread: number;
  levelError: number;
  up: number;
  down: number;
  spikes: EmpiricalTailState;
  shifts: EmpiricalTailState;
  open: boolean;
  onsetAt: number | null;
  predictor: number;
  day: SeasonalProfileState;
  week: SeasonalProfileState;
}

/** What the last point's score rests on: each kind of evidence, as a p-value under the learned normal. */
export interface StatisticalEvidence {
  /** Robust z of the point against the expected value (signed, robust standard deviations). */
  z: number;
  /** P-value of |z| against the series' own recent |z|s. */
  spikeP: number;
  /** The two-sided CUSUM of robust z (the larger side) and its p-value against its own history. */
  cusum: number;
  shiftP: number;
}

/** A statistical detector; `deviation` is the robust z of the last point against the learned normal. */
export interface StatisticalDetector extends Detector {
  readonly deviation: number;
  /** What the model expected for the last point. */
  readonly expected: number;
  readonly evidence: StatisticalEvidence;
}

/**
 * Learns a series' normal online and scores each point with a calibrated tail probability: a score of
 * 0.99 means that about one point in a hundred is at least that strange under the normal this series
 * has shown over its recent past.
 *
 * - Reference: a robust running level and spread (residuals clipped at 3 spreads), or a daily or weekly
 *   profile once two periods of history show it predicts at least 30 % better. During an excursion it
 *   learns ten times slower, so residuals are measured against the normal as it was before. The spread
 *   has floors taken from the data: half its resolution (smallest step) and a quarter of the spread of
 *   its non-zero residuals, so a mostly-zero series does not turn every blip into a z of 300.
 * - Evidence, two kinds: the point's robust z (a spike), and a two-sided CUSUM of robust z (a shift or a
 *   drift: a long modest deviation accumulates). Each is turned into a conformal p-value against the
 *   series' own recent values of that evidence (`EmpiricalTail`: a bounded, fading window, lagged), so a
 *   bursty series is judged against its bursts and one old spike weighs as one point among thousands:
 *   past the tail's 99.9th percentile a new extreme is extrapolated, a size seen recur keeps its count.
 *   The CUSUM restarts once it has signalled; the tails start afresh when the series first turns out
 *   seasonal (residuals against the level meant something else).
 * - Score: 1 − the smaller p-value times two (Bonferroni over the two kinds of evidence).
 *
 * A finding opens when the score reaches `anomalyScore`, the value is at least `minDeviation` robust
 * standard deviations from what was expected (half that when the CUSUM is the stronger evidence, a
 * sustained shift, or when the point is a hundred times rarer than `anomalyScore` asks), the tails
 * hold at least a quarter of 1 / (1 − `anomalyScore`) points (`calibrationShare`), the series has
 * `quietSeconds` of history and no finding opened within the hold time; it holds while the value stays
 * half `minDeviation` away.
 * O(1) per point, about 12 KB per series (the weekly profile, 8 KB); NaN points are skipped.
 */
export function createStatisticalDetector(options: StatisticalOptions, state?: unknown): StatisticalDetector {
  // A state that does not fit throws: the caller starts this series afresh and says so.
  const model = new StatisticalModel(options);
  if (state !== undefined) model.restore(state);
  return model;
}

class StatisticalModel implements StatisticalDetector {
  readonly name = "statistical";
  deviation = 0;
  expected = Number.NaN;
  /** Updated in place on every point (no allocation): copy what must outlive the next one. */
  readonly evidence: StatisticalEvidence = { z: 0, spikeP: 1, cusum: 0, shiftP: 1 };

  private readonly tuning: StatisticalTuning;
  private n = 0;
  private firstTs = 0;
  private lastTs = 0;
  /** Typical milliseconds between points. */
  private interval = 0;
  private previous = 0;
  private resolution = Number.POSITIVE_INFINITY;
  private level = 0;
  private scale = 0;
  private nonzeroSpread = 0;
  private levelError = 0;
  /** The two sides of the CUSUM of robust z. */
  private up = 0;
  private down = 0;
  private readonly spikes: EmpiricalTail;
  private readonly shifts: EmpiricalTail;
  private open = false;
  private onsetAt = Number.NEGATIVE_INFINITY;
  /** Predictor in use: 0 the level, 1 the daily profile, 2 the weekly one. */
  private predictor = 0;
  /** Times the predictor changed from the level to a profile (the tails start afresh the first time). */
  private switches = 0;
  private readonly day = new SeasonalProfile(DAY, DAY_BINS);
  private readonly week = new SeasonalProfile(WEEK, WEEK_BINS);

  constructor(private readonly options: StatisticalOptions) {
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.spikes = new EmpiricalTail(this.tuning.tailHorizon, this.tuning.recurringPoints);
    this.shifts = new EmpiricalTail(this.tuning.tailHorizon, this.tuning.recurringPoints);
  }

  update(ts: number, x: number): DetectorResult {
    if (!Number.isFinite(x) || !Number.isFinite(ts)) return { score: 0 };
    const n = ++this.n;
    if (n === 1) {
      this.firstTs = this.lastTs = ts;
      this.level = this.previous = x;
      this.expected = x;
      this.deviation = 0;
      return { score: 0 };
    }
    const dt = ts - this.lastTs;
    if (dt > 0) this.interval = this.interval === 0 ? dt : this.interval + 0.05 * (Math.min(dt, 10 * this.interval) - this.interval);
    this.lastTs = ts;
    const warm = n > this.options.warmupPoints;
    const history = ts - this.firstTs;

    // Residual of the best predictor: the level, or a seasonal profile once it has earned it.
    const floor = Math.max(
      Number.isFinite(this.resolution) ? 0.5 * this.resolution : 0,
      FLOOR_SHARE * this.nonzeroSpread,
      1e-9 * Math.abs(this.level),
      1e-12,
    );
    const s = Math.max(this.scale, floor);
    const levelResidual = x - this.level;
    let expected = this.level;
    let spread = s;
    const dayBin = this.day.binOf(ts);
    const weekBin = this.week.binOf(ts);
    const dayPrediction = this.day.bins[dayBin]!;
    const weekPrediction = this.week.bins[weekBin]!;
    const dayScale = Math.max(this.day.scale, floor);
    const weekScale = Math.max(this.week.scale, floor);
    let dayClipped = 0;
    let weekClipped = 0;
    let seasonal = false;
    let predictor = 0;
    if (!Number.isNaN(dayPrediction)) {
      dayClipped = Math.min(Math.abs(x - dayPrediction), CLIP * dayScale);
      if (history > SEASONS_BEFORE_USE * DAY && this.day.error < (this.predictor === 1 || this.predictor === 2 ? SEASONAL_KEEP : SEASONAL_MARGIN) * this.levelError) {
        expected = dayPrediction;
        spread = dayScale;
        seasonal = true;
        predictor = 1;
      }
    }
    if (!Number.isNaN(weekPrediction)) {
      weekClipped = Math.min(Math.abs(x - weekPrediction), CLIP * weekScale);
      const best = seasonal ? this.day.error : this.levelError;
      if (history > SEASONS_BEFORE_USE * WEEK && this.week.error < (this.predictor === 2 ? SEASONAL_KEEP : SEASONAL_MARGIN) * best) {
        expected = weekPrediction;
        spread = weekScale;
        predictor = 2;
      }
    }
    // Evidence measured against another predictor means something else: its history starts afresh when
    // the series first turns out seasonal (later switches back and forth keep it).
    if (predictor !== this.predictor && this.predictor === 0 && this.switches === 0) {
      this.switches++;
      this.up = this.down = 0;
      this.spikes.clear();
      this.shifts.clear();
    }
    this.predictor = predictor;

    // Evidence: the point's robust z, and the CUSUM of robust z; each against its own recent history.
    const z = (x - expected) / (spread * MAD_TO_SIGMA);
    const spike = Math.abs(z);
    const k = this.tuning.cusumAllowance;
    const zc = z > CUSUM_CLIP ? CUSUM_CLIP : z < -CUSUM_CLIP ? -CUSUM_CLIP : z;
    this.up = Math.max(0, this.up + zc - k);
    this.down = Math.max(0, this.down - zc - k);
    const cusum = Math.max(this.up, this.down);
    const spikeAt = EmpiricalTail.position(spike);
    const cusumAt = EmpiricalTail.position(cusum);
    const spikeP = this.spikes.pValue(spike, spikeAt);
    const shiftP = this.shifts.pValue(cusum, cusumAt);
    const p = Math.min(1, EVIDENCE_KINDS * Math.min(spikeP, shiftP));
    // A CUSUM restarts once it has signalled (as a CUSUM chart does after an alarm): a shift that lasts
    // climbs again from zero, rather than piling up values that would hide the next shift.
    if (shiftP < CUSUM_RESTART_P) this.up = this.down = 0;
    const score = warm ? 1 - p : 0;

    // Learning, ten times slower during an excursion.
    const share = warm && p < EXCURSION_P ? EXCURSION_WEIGHT : 1;
    // The tails learn every point at full weight: they are the calibration, anomalies included (one
    // old spike is then one point among thousands, not a shadow).
    // (Not while the spread is still being found: the first residuals are measured against almost nothing.)
    if (n > SETTLE_POINTS) {
      this.spikes.add(spike, 1, spikeAt);
      this.shifts.add(cusum, 1, cusumAt);
    }
    const clipLevel = CLIP * s;
    const levelAbs = Math.min(Math.abs(levelResidual), clipLevel);
    if (!Number.isNaN(dayPrediction)) {
      this.levelError += ERROR_RATE * share * (levelAbs - this.levelError);
      this.day.error += ERROR_RATE * share * (dayClipped - this.day.error);
      this.day.scale += SCALE_RATE * share * (dayClipped - this.day.scale);
    }
    if (!Number.isNaN(weekPrediction)) {
      this.week.error += ERROR_RATE * share * (weekClipped - this.week.error);
      this.week.scale += SCALE_RATE * share * (weekClipped - this.week.scale);
    }
    this.day.learn(dayBin, x, BIN_RATE * share, this.interval, CLIP * dayScale);
    this.week.learn(weekBin, x, BIN_RATE * share, this.interval, CLIP * weekScale);
    const rate = this.tuning.levelRate * share;
    this.level += rate * (levelResidual > clipLevel ? clipLevel : levelResidual < -clipLevel ? -clipLevel : levelResidual);
    // The spread starts as a plain mean of the first residuals (clipping against a spread that is not
    // known yet would hold it near zero), then runs with outliers clipped.
    if (n <= 1 / SCALE_RATE) this.scale += (Math.abs(levelResidual) - this.scale) / (n - 1);
    else this.scale += SCALE_RATE * share * (levelAbs - this.scale);
    const step = Math.abs(x - this.previous);
    if (step > 0 && step < this.resolution) this.resolution = step;
    this.previous = x;
    const away = Math.abs(levelResidual);
    if (away > 0.5 * this.resolution) {
      const bounded = this.nonzeroSpread > 0 ? Math.min(away, 10 * this.nonzeroSpread) : away;
      this.nonzeroSpread += NONZERO_RATE * share * (bounded - this.nonzeroSpread);
    }

    this.expected = expected;
    this.deviation = spike;
    const evidence = this.evidence;
    evidence.z = z;
    evidence.spikeP = spikeP;
    evidence.cusum = cusum;
    evidence.shiftP = shiftP;
    const { anomalyScore, minDeviation } = this.options;
    if (!this.open) {
      const sameEvent = ts - this.onsetAt < this.tuning.holdMs;
      // To call a point one in a thousand, the tails must have seen a share of as many points.
      const seenEnough = this.spikes.size * (1 - anomalyScore) >= this.tuning.calibrationShare;
      this.open = warm && seenEnough && score >= anomalyScore && (spike >= minDeviation || ((shiftP < spikeP || score >= 1 - (1 - anomalyScore) / STRONG_EVIDENCE) && spike >= SHIFT_DEVIATION_SHARE * minDeviation)) && history >= (this.options.quietSeconds ?? 0) * 1000 && !sameEvent;
      if (this.open) this.onsetAt = ts;
    } else {
      this.open = spike >= minDeviation / 2;
    }
    if (!this.open || this.options.findingType === undefined) return { score };
    return { score, finding: this.finding(ts, x, expected, spread * MAD_TO_SIGMA, score) };
  }

  private finding(ts: number, x: number, expected: number, sigma: number, score: number): Finding {
    const { metric, labels, minDeviation, findingType } = this.options;
    const band = minDeviation * sigma;
    return {
      type: findingType!,
      severity: "warning",
      message: `Unusual ${describeSeries(metric, labels)}: ${formatValue(x)}, expected about ${formatValue(expected)}`,
      value: x,
      threshold: x >= expected ? expected + band : expected - band,
      metric,
      labels,
      detector: this.name,
      score,
      timestamp: new Date(ts).toISOString(),
    };
  }

  snapshot(): StatisticalState {
    return {
      v: 3,
      n: this.n,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      interval: this.interval,
      previous: this.previous,
      resolution: Number.isFinite(this.resolution) ? this.resolution : null,
      level: this.level,
      scale: this.scale,
      nonzeroSpread: this.nonzeroSpread,
      levelError: this.levelError,
      up: this.up,
      down: this.down,
      spikes: this.spikes.toJSON(),
      shifts: this.shifts.toJSON(),
      open: this.open,
      onsetAt: Number.isFinite(this.onsetAt) ? this.onsetAt : null,
      predictor: this.predictor,
      day: this.day.toJSON(),
      week: this.week.toJSON(),
    };
  }

  /**
   * Takes back a state from `snapshot()`. Throws when the state does not fit, or comes from an older
   * version of the detector (1 and 2 scored by records of ranges, which mean nothing here): the model
   * is then dropped and the series learned afresh.
   */
  restore(input: unknown): void {
    if (input === null || typeof input !== "object") throw new Error("statistical state: unknown version");
    const s = input as Record<string, unknown>;
    if (s.v === 1 || s.v === 2) throw new Error(`statistical state: version ${s.v} is from an older detector, learning afresh`);
    if (s.v !== 3) throw new Error("statistical state: unknown version");
    const num = (key: string, fallback?: number): number => {
      const v = s[key];
      if (typeof v === "number" && Number.isFinite(v)) return v;
      if (fallback !== undefined && v === null) return fallback;
      throw new Error(`statistical state: bad ${key}`);
    };
    try {
      this.day.restore(s.day as SeasonalProfileState);
      this.week.restore(s.week as SeasonalProfileState);
      this.spikes.restore(s.spikes as EmpiricalTailState);
      this.shifts.restore(s.shifts as EmpiricalTailState);
    } catch (cause) {
      throw new Error(`statistical state: ${(cause as Error).message}`, { cause });
    }
    this.n = num("n");
    this.firstTs = num("firstTs");
    this.lastTs = num("lastTs");
    this.interval = num("interval");
    this.previous = num("previous");
    this.resolution = num("resolution", Number.POSITIVE_INFINITY);
    this.level = num("level");
    this.scale = num("scale");
    this.nonzeroSpread = num("nonzeroSpread");
    this.levelError = num("levelError");
    this.up = num("up");
    this.down = num("down");
    this.open = s.open === true;
    this.onsetAt = num("onsetAt", Number.NEGATIVE_INFINITY);
    this.predictor = Math.max(0, Math.min(2, Math.trunc(num("predictor"))));
  }
}

/** `metric{a="1"}` as people read it in a message. */
export function describeSeries(metric: string, labels: Labels): string {
  const names = Object.keys(labels);
  return names.length === 0 ? metric : `${metric}{${names.map((k) => `${k}="${labels[k]}"`).join(",")}}`;
}

/** A value in a message: two decimals for ordinary sizes, three significant digits for large or tiny ones. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 0.01)) return v.toPrecision(3);
  return v.toFixed(2);
}
