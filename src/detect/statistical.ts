import type { Labels } from "../collect/series.ts";
import type { Detector, DetectorResult } from "./detector.ts";
import type { Finding } from "./finding.ts";
import { erfc, normalTailDecades } from "./normal-tail.ts";
import { SeasonalProfile, type SeasonalProfileState } from "./seasonal-profile.ts";

// Learning rates are per point, so the detector behaves the same at any sampling interval; seasonality
// is binned by wall-clock time. These are the algorithm's constants, not operator settings: they were
// chosen once for every series (the NAB corpus scores them, see bench/nab.ts), never per series.
/** Rate at which the level follows the series. */
const LEVEL_RATE = 0.05;
/** Rate at which spreads (mean absolute residuals) follow. */
const SCALE_RATE = 0.02;
/** Residuals are clipped to this many spreads before they are learned: outliers barely move the baseline. */
const CLIP = 3;
/** Smoothing of the two slower views of the series, for novelty at several time scales. */
const FAST_SMOOTHING = 0.2;
const SLOW_SMOOTHING = 0.05;
/** Standard deviation of white noise after each smoothing, per unit of the noise's own: √(a / (2 − a)). */
const FAST_NOISE = Math.sqrt(FAST_SMOOTHING / (2 - FAST_SMOOTHING));
const SLOW_NOISE = Math.sqrt(SLOW_SMOOTHING / (2 - SLOW_SMOOTHING));
/** A value is new when it leaves the range seen so far by this share of the range. */
const NOVELTY_TOLERANCE = 0.05;
/** Score of a new extreme of the raw series, and of a smoothed view or of the seasonal residual. */
const RAW_NOVELTY_SCORE = 1;
const SMOOTH_NOVELTY_SCORE = 0.9;
/** Anomaly likelihood: short window (points) compared with the long-run distribution of its mean. */
const SHORT_WINDOW = 10;
const LONG_RATE = 0.0005;
/** The long-run distribution needs this many points before the likelihood means anything (HTM's probation). */
const LIKELIHOOD_MIN_POINTS = 300;
/** A standard deviation in mean absolute deviations, for normal noise: spreads here are mean absolute residuals. */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);
/** Decades of improbability that make a likelihood score of 1. */
const LIKELIHOOD_DECADES = 10;
/**
 * After a detection, for this long only a higher score passes (NAB rewards the first detection). One event
 * lasts a while in wall-clock time, whatever the sampling interval: 1000 minutes is the 200 points of
 * 5-minute data the constants were chosen on, and stays 1000 minutes for hourly or irregular series.
 */
const SUPPRESS_MS = 1000 * 60_000;
/** Scores from which suppression starts counting. */
const SUPPRESS_FROM = 0.3;
/** Rate of the errors that choose between predictors, and how much better a seasonal one must be. */
const ERROR_RATE = 0.01;
const SEASONAL_MARGIN = 0.7;
/** Bins of a day (5 minutes each) and of a week (5 minutes each); how fast a bin learns per visit. */
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const DAY_BINS = 288;
const WEEK_BINS = 2016;
const BIN_RATE = 0.3;
/** History a seasonal predictor needs before it may be used: two periods. */
const SEASONS_BEFORE_USE = 2;
/** Seasonal residuals are learned for a day before their novelty counts. */
const RESIDUAL_WARMUP = DAY;

/** What the statistical detector needs to know of its series and of the configuration. */
export interface StatisticalOptions {
  metric: string;
  labels: Labels;
  /** Points watched before any score (learning is quiet until then). */
  warmupPoints: number;
  /** Score at or above which a finding opens (with `minDeviation`). */
  anomalyScore: number;
  /** Distance from the learned normal, in robust standard deviations, that a finding needs. */
  minDeviation: number;
  /** Seconds of history before the first finding (scores come after `warmupPoints` already). */
  quietSeconds?: number;
  /** Finding type, e.g. `cpu_usage_anomaly`; no finding is raised without one. */
  findingType?: string;
}

/** JSON form of the learned state; version 1. */
export interface StatisticalState {
  v: 1;
  n: number;
  firstTs: number;
  lastTs: number;
  interval: number;
  level: number;
  scale: number;
  levelError: number;
  lo: number;
  hi: number;
  fast: number;
  fastLo: number | null;
  fastHi: number | null;
  slow: number;
  slowLo: number | null;
  slowHi: number | null;
  residual: number;
  residualLo: number | null;
  residualHi: number | null;
  residualSince: number;
  ring: number[];
  ringAt: number;
  ringSum: number;
  longMean: number;
  longVar: number;
  longN: number;
  /** Time of the last detection (ms); older states kept `since`, points since it. */
  peakAt: number | null;
  /** Side of the expected value the last detection was on: 1 above, -1 below (0 unknown). */
  peakSide?: number;
  peak: number;
  open: boolean;
  day: SeasonalProfileState;
  week: SeasonalProfileState;
}

/** A statistical detector; `deviation` is the robust z of the last point against the learned normal. */
export interface StatisticalDetector extends Detector {
  readonly deviation: number;
  /** What the model expected for the last point. */
  readonly expected: number;
}

/**
 * Learns a series' normal online and scores how anomalous each point is.
 *
 * - Baseline: a robust running level and spread (residuals clipped at 3 spreads, so outliers in its own
 *   history do not drag it), and daily and weekly profiles used once two periods of history show they
 *   predict at least 30 % better than the level.
 * - Novelty at three time scales: a value, a 5-point and a 20-point smoothing of it, or the seasonal
 *   residual, leaving the range seen so far by 5 % of that range (and, for the smoothed ones, by the
 *   noise they still carry). Spikes break the raw range; level shifts, trend changes and lost daily
 *   patterns break a smoothed one or the seasonal residual. All of it is relative to the series' own
 *   range and spread: scale-free.
 * - Anomaly likelihood (as in Numenta's HTM): the mean surprise of the last 10 points against the
 *   long-run distribution of that mean; it rises when spikes grow denser or the variance changes.
 * - Suppression: after a detection, only a higher score passes for 1000 minutes, so one event is one
 *   detection, not a run of them; a value leaving the range on the other side is a new event.
 *
 * A finding opens when the score reaches `anomalyScore` and the value is at least `minDeviation` robust
 * standard deviations from what was expected, once the series has `quietSeconds` of history; it holds
 * while the value stays half that far (so it ends once the new normal is learned).
 * O(1) per point, about 20 KB per series (the weekly profile), NaN points are skipped.
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

  private n = 0;
  private firstTs = 0;
  private lastTs = 0;
  /** Typical milliseconds between points. */
  private interval = 0;
  private level = 0;
  private scale = 0;
  private levelError = 0;
  private lo = 0;
  private hi = 0;
  private fast = 0;
  private fastLo = Number.POSITIVE_INFINITY;
  private fastHi = Number.NEGATIVE_INFINITY;
  private slow = 0;
  private slowLo = Number.POSITIVE_INFINITY;
  private slowHi = Number.NEGATIVE_INFINITY;
  private residual = 0;
  private residualLo = Number.POSITIVE_INFINITY;
  private residualHi = Number.NEGATIVE_INFINITY;
  /** Time the seasonal residual started to be tracked; 0 when it is not. */
  private residualSince = 0;
  private readonly ring = new Float64Array(SHORT_WINDOW);
  private ringAt = 0;
  private ringSum = 0;
  private longMean = 0;
  private longVar = 0;
  private longN = 0;
  private peakAt = Number.NEGATIVE_INFINITY;
  private peakSide = 0;
  private peak = 0;
  private open = false;
  private readonly day = new SeasonalProfile(DAY, DAY_BINS);
  private readonly week = new SeasonalProfile(WEEK, WEEK_BINS);

  constructor(private readonly options: StatisticalOptions) {}

  update(ts: number, x: number): DetectorResult {
    if (!Number.isFinite(x) || !Number.isFinite(ts)) return { score: 0 };
    const n = ++this.n;
    if (n === 1) {
      this.firstTs = this.lastTs = ts;
      this.level = this.lo = this.hi = this.fast = this.slow = x;
      this.expected = x;
      this.deviation = 0;
      return { score: 0 };
    }
    const dt = ts - this.lastTs;
    if (dt > 0) this.interval = this.interval === 0 ? dt : this.interval + 0.05 * (Math.min(dt, 10 * this.interval) - this.interval);
    this.lastTs = ts;
    const warm = n > this.options.warmupPoints;

    // Residual of the best predictor: the level, or a seasonal profile once it has earned it.
    const range = this.hi - this.lo;
    const floor = Math.max(1e-3 * range, 1e-9 * Math.abs(this.level), 1e-12);
    const s = Math.max(this.scale, floor);
    const levelResidual = x - this.level;
    let expected = this.level;
    let z = Math.abs(levelResidual) / s;
    let residualNovel = false;
    const history = ts - this.firstTs;
    const clipLevel = CLIP * s;
    const dayBin = this.day.binOf(ts);
    const weekBin = this.week.binOf(ts);
    const dayPrediction = this.day.bins[dayBin]!;
    const weekPrediction = this.week.bins[weekBin]!;
    const levelAbs = Math.min(Math.abs(levelResidual), clipLevel);
    const dayScale = Math.max(this.day.scale, floor);
    const weekScale = Math.max(this.week.scale, floor);
    let seasonal = false;
    if (!Number.isNaN(dayPrediction)) {
      const r = x - dayPrediction;
      this.levelError += ERROR_RATE * (levelAbs - this.levelError);
      const clipped = Math.min(Math.abs(r), CLIP * dayScale);
      this.day.error += ERROR_RATE * (clipped - this.day.error);
      this.day.scale += SCALE_RATE * (clipped - this.day.scale);
      if (history > SEASONS_BEFORE_USE * DAY && this.day.error < SEASONAL_MARGIN * this.levelError) {
        expected = dayPrediction;
        z = Math.abs(r) / dayScale;
        seasonal = true;
      }
    }
    if (!Number.isNaN(weekPrediction)) {
      const r = x - weekPrediction;
      const clipped = Math.min(Math.abs(r), CLIP * weekScale);
      this.week.error += ERROR_RATE * (clipped - this.week.error);
      this.week.scale += SCALE_RATE * (clipped - this.week.scale);
      const best = seasonal ? this.day.error : this.levelError;
      if (history > SEASONS_BEFORE_USE * WEEK && this.week.error < SEASONAL_MARGIN * best) {
        expected = weekPrediction;
        z = Math.abs(r) / weekScale;
        seasonal = true;
      }
    }
    if (seasonal) {
      const r = x - expected;
      if (this.residualSince === 0) {
        this.residualSince = ts;
        this.residual = r;
      } else {
        this.residual += FAST_SMOOTHING * (r - this.residual);
      }
      // As for the smoothed views: clear the range by the noise the smoothed residual still carries.
      const residualNoise = 1.25 * (expected === weekPrediction ? weekScale : dayScale) * FAST_NOISE;
      residualNovel = ts - this.residualSince >= RESIDUAL_WARMUP && novelIn(this.residual, this.residualLo, this.residualHi, residualNoise);
      if (this.residual < this.residualLo) this.residualLo = this.residual;
      if (this.residual > this.residualHi) this.residualHi = this.residual;
    }
    this.day.learn(dayBin, x, BIN_RATE, this.interval, CLIP * dayScale);
    this.week.learn(weekBin, x, BIN_RATE, this.interval, CLIP * weekScale);

    // Novelty: the value, or a smoothed view of it, leaves the range seen so far.
    const tolerance = NOVELTY_TOLERANCE * range;
    const novel = warm && range > 0 && (x > this.hi + tolerance || x < this.lo - tolerance);
    this.level += LEVEL_RATE * (levelResidual > clipLevel ? clipLevel : levelResidual < -clipLevel ? -clipLevel : levelResidual);
    // The spread starts as a plain mean of the first residuals (clipping against a spread that is not
    // known yet would hold it near zero), then runs with outliers clipped.
    if (n <= 1 / SCALE_RATE) this.scale += (Math.abs(levelResidual) - this.scale) / (n - 1);
    else this.scale += SCALE_RATE * (levelAbs - this.scale);
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    this.fast += FAST_SMOOTHING * (x - this.fast);
    this.slow += SLOW_SMOOTHING * (x - this.slow);
    // A smoothed view must also leave its range by one standard deviation of the noise it still carries
    // (1.25 mean absolute deviations), or plain noise would set new records of it now and then.
    const sigma = 1.25 * s;
    const fastNovel = warm && novelIn(this.fast, this.fastLo, this.fastHi, sigma * FAST_NOISE);
    const slowNovel = warm && novelIn(this.slow, this.slowLo, this.slowHi, sigma * SLOW_NOISE);
    // The smoothings start from the first value; their ranges wait until they have settled.
    if (n > 10) {
      if (this.fast < this.fastLo) this.fastLo = this.fast;
      if (this.fast > this.fastHi) this.fastHi = this.fast;
    }
    if (n > 30) {
      if (this.slow < this.slowLo) this.slowLo = this.slow;
      if (this.slow > this.slowHi) this.slowHi = this.slow;
    }

    // Anomaly likelihood: surprise is 1 − the two-sided p-value of z (uniform on a normal series). z counts
    // mean absolute deviations; the normal tail wants standard deviations, √(π/2) times larger.
    const surprise = 1 - Math.min(1, erfc(z / MAD_TO_SIGMA / Math.SQRT2));
    this.ringSum += surprise - this.ring[this.ringAt]!;
    this.ring[this.ringAt] = surprise;
    this.ringAt = (this.ringAt + 1) % SHORT_WINDOW;
    const shortMean = this.ringSum / SHORT_WINDOW;
    let likelihood = 0;
    if (this.longN >= LIKELIHOOD_MIN_POINTS) {
      const zz = (shortMean - this.longMean) / Math.sqrt(Math.max(this.longVar, 1e-6));
      likelihood = Math.min(1, normalTailDecades(zz) / LIKELIHOOD_DECADES);
    }
    const w = this.longN < 1 / LONG_RATE ? 1 / (this.longN + 1) : LONG_RATE;
    this.longN++;
    const d = shortMean - this.longMean;
    this.longMean += w * d;
    this.longVar = (1 - w) * (this.longVar + w * d * d);

    let raw = likelihood;
    if (novel) raw = RAW_NOVELTY_SCORE;
    else if (fastNovel || slowNovel || residualNovel) raw = Math.max(raw, SMOOTH_NOVELTY_SCORE);
    if (!warm) raw = 0;

    // Suppression: one event, one detection. A value leaving the range on the other side from the last
    // detection (a record low after a record high) is another event, not more of the same.
    let score = raw;
    const side = x >= expected ? 1 : -1;
    const sameEvent = !novel || side === this.peakSide;
    if (ts - this.peakAt < SUPPRESS_MS && raw <= this.peak && sameEvent) score = 0;
    else if (raw > SUPPRESS_FROM) {
      this.peak = raw;
      this.peakAt = ts;
      this.peakSide = side;
    }

    this.expected = expected;
    this.deviation = z;
    const { anomalyScore, minDeviation } = this.options;
    if (!this.open) this.open = warm && raw >= anomalyScore && z >= minDeviation && history >= (this.options.quietSeconds ?? 0) * 1000;
    else this.open = z >= minDeviation / 2;
    if (!this.open || this.options.findingType === undefined) return { score };
    return { score, finding: this.finding(ts, x, expected, z, raw) };
  }

  private finding(ts: number, x: number, expected: number, z: number, raw: number): Finding {
    const { metric, labels, minDeviation, findingType } = this.options;
    const band = (minDeviation * Math.abs(x - expected)) / Math.max(z, 1e-12);
    return {
      type: findingType!,
      severity: "warning",
      message: `Unusual ${describeSeries(metric, labels)}: ${formatValue(x)}, expected about ${formatValue(expected)}`,
      value: x,
      threshold: x >= expected ? expected + band : expected - band,
      metric,
      labels,
      detector: this.name,
      score: raw,
      timestamp: new Date(ts).toISOString(),
    };
  }

  snapshot(): StatisticalState {
    return {
      v: 1,
      n: this.n,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      interval: this.interval,
      level: this.level,
      scale: this.scale,
      levelError: this.levelError,
      lo: this.lo,
      hi: this.hi,
      fast: this.fast,
      fastLo: finiteOrNull(this.fastLo),
      fastHi: finiteOrNull(this.fastHi),
      slow: this.slow,
      slowLo: finiteOrNull(this.slowLo),
      slowHi: finiteOrNull(this.slowHi),
      residual: this.residual,
      residualLo: finiteOrNull(this.residualLo),
      residualHi: finiteOrNull(this.residualHi),
      residualSince: this.residualSince,
      ring: Array.from(this.ring),
      ringAt: this.ringAt,
      ringSum: this.ringSum,
      longMean: this.longMean,
      longVar: this.longVar,
      longN: this.longN,
      peakAt: finiteOrNull(this.peakAt),
      peakSide: this.peakSide,
      peak: this.peak,
      open: this.open,
      day: this.day.toJSON(),
      week: this.week.toJSON(),
    };
  }

  /** Takes back a state from `snapshot()`; throws when it does not fit (the model is then to be dropped). */
  restore(input: unknown): void {
    const s = input as Partial<StatisticalState> | null;
    if (s === null || typeof s !== "object" || s.v !== 1) throw new Error("statistical state: unknown version");
    if (!Array.isArray(s.ring) || s.ring.length !== SHORT_WINDOW) throw new Error("statistical state: bad window");
    const num = (key: keyof StatisticalState, fallback?: number): number => {
      const v = (s as Record<string, unknown>)[key];
      if (typeof v === "number" && Number.isFinite(v)) return v;
      if (fallback !== undefined && (v === null || v === undefined)) return fallback;
      throw new Error(`statistical state: bad ${key}`);
    };
    this.day.restore(s.day as SeasonalProfileState);
    this.week.restore(s.week as SeasonalProfileState);
    this.n = num("n");
    this.firstTs = num("firstTs");
    this.lastTs = num("lastTs");
    this.interval = num("interval");
    this.level = num("level");
    this.scale = num("scale");
    this.levelError = num("levelError");
    this.lo = num("lo");
    this.hi = num("hi");
    this.fast = num("fast");
    this.fastLo = num("fastLo", Number.POSITIVE_INFINITY);
    this.fastHi = num("fastHi", Number.NEGATIVE_INFINITY);
    this.slow = num("slow");
    this.slowLo = num("slowLo", Number.POSITIVE_INFINITY);
    this.slowHi = num("slowHi", Number.NEGATIVE_INFINITY);
    this.residual = num("residual");
    this.residualLo = num("residualLo", Number.POSITIVE_INFINITY);
    this.residualHi = num("residualHi", Number.NEGATIVE_INFINITY);
    this.residualSince = num("residualSince");
    for (let i = 0; i < SHORT_WINDOW; i++) {
      const v = s.ring[i];
      this.ring[i] = typeof v === "number" && Number.isFinite(v) ? v : 0;
    }
    this.ringAt = Math.abs(Math.trunc(num("ringAt"))) % SHORT_WINDOW;
    this.ringSum = num("ringSum");
    this.longMean = num("longMean");
    this.longVar = num("longVar");
    this.longN = num("longN");
    // A state from before suppression was timed kept the points since the last detection instead.
    const since = (s as { since?: unknown }).since;
    this.peakAt =
      typeof since === "number" && Number.isFinite(since) ? this.lastTs - since * this.interval : num("peakAt", Number.NEGATIVE_INFINITY);
    this.peak = num("peak");
    this.peakSide = Math.sign(num("peakSide", 0));
    this.open = s.open === true;
  }
}

function novelIn(value: number, lo: number, hi: number, least: number): boolean {
  const span = hi - lo;
  if (!(span > 0)) return false;
  const tolerance = Math.max(NOVELTY_TOLERANCE * span, least);
  return value > hi + tolerance || value < lo - tolerance;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** `metric{a="1"}` as people read it in a message. */
function describeSeries(metric: string, labels: Labels): string {
  const names = Object.keys(labels);
  return names.length === 0 ? metric : `${metric}{${names.map((k) => `${k}="${labels[k]}"`).join(",")}}`;
}

/** A value in a message: two decimals for ordinary sizes, three significant digits for large or tiny ones. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 0.01)) return v.toPrecision(3);
  return v.toFixed(2);
}
