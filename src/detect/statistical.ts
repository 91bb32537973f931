import type { Labels } from "../contracts/sample.ts";
import type { Detector, DetectorResult } from "./detector.ts";
import type { Finding } from "../contracts/finding.ts";
import { erfc, normalTailDecades } from "./normal-tail.ts";
import { RecentRange, type RecentRangeState } from "./recent-range.ts";
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
/** A value is new when it leaves the recent range (see RECENT_SHARE) by this share of that range. */
const NOVELTY_TOLERANCE = 0.05;
/**
 * "Recent" is the latest 90 % of a view's history: a value is new when it is further out than anything
 * in that span. Against all of history, one early spike would hide every later anomaly for good; here
 * its shadow ends once the history has grown ten times as old as the spike was. A share rather than a
 * fixed time keeps this free of the series' time scale, as an all-time record was.
 */
const RECENT_SHARE = 0.9;
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
 * After a detection, for this long only a stronger kind of evidence passes (NAB rewards the first
 * detection). One event lasts a while in wall-clock time, whatever the sampling interval: 1000 minutes is
 * the 200 points of 5-minute data the constants were chosen on, and stays 1000 minutes for hourly or
 * irregular series.
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
/** Seasonal residuals are learned for a day (and for as many points as the warm-up) before their novelty counts. */
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

/** JSON form of the learned state; version 2 (version 1 kept all-time ranges, and is still taken back). */
export interface StatisticalState {
  v: 2;
  n: number;
  firstTs: number;
  lastTs: number;
  interval: number;
  level: number;
  scale: number;
  levelError: number;
  fast: number;
  slow: number;
  residual: number;
  residualSince: number;
  /** Recent ranges of the value, of its two smoothings and of the seasonal residual. */
  recent: { value: RecentRangeState; fast: RecentRangeState; slow: RecentRangeState; residual: RecentRangeState };
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
 *   residual, leaving its recent range (the latest 90 % of its history, see `RecentRange`) by 5 % of that
 *   range (and, for the smoothed ones, by the noise they still carry). Spikes break the raw range; level
 *   shifts, trend changes and lost daily patterns break a smoothed one or the seasonal residual. All of
 *   it is relative to the series' own range, spread and age: scale-free and free of the time scale.
 * - Anomaly likelihood (as in Numenta's HTM): the mean surprise of the last 10 points against the
 *   long-run distribution of that mean; it rises when spikes grow denser or the variance changes.
 * - Suppression: after a detection, for 1000 minutes only a stronger kind of evidence passes (a new
 *   value record after a smoothed one, a record after a likelihood rise), so one event is one
 *   detection, not a run of them; a value leaving its range on the other side is a new event.
 *
 * A finding opens when the score reaches `anomalyScore` and the value is at least `minDeviation` robust
 * standard deviations from what was expected, once the series has `quietSeconds` of history; it holds
 * while the value stays half that far (so it ends once the new normal is learned).
 * O(1) amortised per point, about 35 KB per series (the weekly profile, 16 KB, and four recent ranges); NaN
 * points are skipped.
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
  private fast = 0;
  private slow = 0;
  private residual = 0;
  /** Time the seasonal residual started to be tracked; 0 when it is not. */
  private residualSince = 0;
  /** Extremes of each view since any time: novelty is judged against the recent range. */
  private readonly valueRange = new RecentRange();
  private readonly fastRange = new RecentRange();
  private readonly slowRange = new RecentRange();
  private readonly residualRange = new RecentRange();
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
      this.level = this.fast = this.slow = x;
      this.valueRange.add(ts, x);
      this.expected = x;
      this.deviation = 0;
      return { score: 0 };
    }
    const dt = ts - this.lastTs;
    if (dt > 0) this.interval = this.interval === 0 ? dt : this.interval + 0.05 * (Math.min(dt, 10 * this.interval) - this.interval);
    this.lastTs = ts;
    const warm = n > this.options.warmupPoints;
    const history = ts - this.firstTs;
    // The recent span every view is judged against: its latest RECENT_SHARE of the history.
    const recentFrom = ts - RECENT_SHARE * history;

    // Residual of the best predictor: the level, or a seasonal profile once it has earned it. The
    // spread has a floor for flat series, a thousandth of the range of all history.
    const range = this.valueRange.maxSince(Number.NEGATIVE_INFINITY) - this.valueRange.minSince(Number.NEGATIVE_INFINITY);
    const floor = Math.max(1e-3 * range, 1e-9 * Math.abs(this.level), 1e-12);
    const s = Math.max(this.scale, floor);
    const levelResidual = x - this.level;
    let expected = this.level;
    let z = Math.abs(levelResidual) / s;
    let residualNovel = false;
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
      const tracked = ts - this.residualSince;
      // A range of residuals needs as long a look as the value's own before leaving it means anything.
      const settled = tracked >= Math.max(RESIDUAL_WARMUP, this.options.warmupPoints * this.interval);
      residualNovel = novelIn(this.residualRange, ts, this.residual, ts - RECENT_SHARE * tracked, residualNoise) !== 0 && warm && settled;
    }
    this.day.learn(dayBin, x, BIN_RATE, this.interval, CLIP * dayScale);
    this.week.learn(weekBin, x, BIN_RATE, this.interval, CLIP * weekScale);

    // Novelty: the value, or a smoothed view of it, leaves its recent range.
    const valueSide = novelIn(this.valueRange, ts, x, recentFrom, 0);
    const novel = warm && valueSide !== 0;
    this.level += LEVEL_RATE * (levelResidual > clipLevel ? clipLevel : levelResidual < -clipLevel ? -clipLevel : levelResidual);
    // The spread starts as a plain mean of the first residuals (clipping against a spread that is not
    // known yet would hold it near zero), then runs with outliers clipped.
    if (n <= 1 / SCALE_RATE) this.scale += (Math.abs(levelResidual) - this.scale) / (n - 1);
    else this.scale += SCALE_RATE * (levelAbs - this.scale);
    this.fast += FAST_SMOOTHING * (x - this.fast);
    this.slow += SLOW_SMOOTHING * (x - this.slow);
    // A smoothed view must also leave its range by one standard deviation of the noise it still carries
    // (1.25 mean absolute deviations), or plain noise would set new records of it now and then. The
    // smoothings start from the first value; their ranges wait until they have settled.
    const sigma = 1.25 * s;
    const fastNovel = n > 10 && novelIn(this.fastRange, ts, this.fast, recentFrom, sigma * FAST_NOISE) !== 0 && warm;
    const slowNovel = n > 30 && novelIn(this.slowRange, ts, this.slow, recentFrom, sigma * SLOW_NOISE) !== 0 && warm;

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

    // Suppression: one event, one detection. Within it, only a stronger kind of evidence passes: a new
    // value record after a smoothed one, either after a likelihood rise (a likelihood that creeps up as
    // an event goes on is the same event). A value leaving the range on the other side from the last
    // detection (a record low after a record high) is another event, not more of the same.
    let score = raw;
    const side = x >= expected ? 1 : -1;
    const sameEvent = !novel || side === this.peakSide;
    if (ts - this.peakAt < SUPPRESS_MS && evidence(raw) <= evidence(this.peak) && sameEvent) score = 0;
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
      v: 2,
      n: this.n,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      interval: this.interval,
      level: this.level,
      scale: this.scale,
      levelError: this.levelError,
      fast: this.fast,
      slow: this.slow,
      residual: this.residual,
      residualSince: this.residualSince,
      recent: {
        value: this.valueRange.toJSON(),
        fast: this.fastRange.toJSON(),
        slow: this.slowRange.toJSON(),
        residual: this.residualRange.toJSON(),
      },
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

  /**
   * Takes back a state from `snapshot()`, or from version 1, which kept all-time ranges: each range is
   * taken as seen when the state was saved, so it judges as that version did until it falls out of the
   * recent span. Throws when the state does not fit (the model is then to be dropped).
   */
  restore(input: unknown): void {
    if (input === null || typeof input !== "object") throw new Error("statistical state: unknown version");
    const s = input as Partial<StatisticalState>;
    const version = (s as { v?: unknown }).v;
    if (version !== 1 && version !== 2) throw new Error("statistical state: unknown version");
    if (!Array.isArray(s.ring) || s.ring.length !== SHORT_WINDOW) throw new Error("statistical state: bad window");
    const num = (key: string, fallback?: number): number => {
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
    this.fast = num("fast");
    this.slow = num("slow");
    this.residual = num("residual");
    this.residualSince = num("residualSince");
    if (version === 2) {
      const r = s.recent;
      if (r === null || typeof r !== "object") throw new Error("statistical state: bad recent ranges");
      try {
        this.valueRange.restore(r.value);
        this.fastRange.restore(r.fast);
        this.slowRange.restore(r.slow);
        this.residualRange.restore(r.residual);
      } catch (cause) {
        throw new Error("statistical state: bad recent ranges", { cause });
      }
    } else {
      const seed = (range: RecentRange, at: number, lo: string, hi: string) => {
        const low = num(lo, Number.NaN);
        const high = num(hi, Number.NaN);
        if (Number.isFinite(low) && Number.isFinite(high)) range.seed(at, low, high);
      };
      seed(this.valueRange, this.lastTs, "lo", "hi");
      seed(this.fastRange, this.lastTs, "fastLo", "fastHi");
      seed(this.slowRange, this.lastTs, "slowLo", "slowHi");
      seed(this.residualRange, this.lastTs, "residualLo", "residualHi");
    }
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

/**
 * Adds point (`ts`, `value`) to a view's range and says whether it left the view's range since `from`
 * by `NOVELTY_TOLERANCE` of that range, and at least by `least`: 1 above it, -1 below it, 0 inside (or
 * no range yet).
 */
function novelIn(range: RecentRange, ts: number, value: number, from: number, least: number): number {
  const hi = range.maxSince(from);
  const lo = range.minSince(from);
  range.add(ts, value);
  const span = hi - lo;
  if (!(span > 0)) return 0;
  const margin = Math.max(NOVELTY_TOLERANCE * span, least);
  return value > hi + margin ? 1 : value < lo - margin ? -1 : 0;
}

/** Kind of evidence a score stands for: 2 a value record, 1 a smoothed or seasonal record, 0 likelihood. */
function evidence(score: number): number {
  return score >= RAW_NOVELTY_SCORE ? 2 : score >= SMOOTH_NOVELTY_SCORE ? 1 : 0;
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
