import type { Labels } from "../contracts/sample.ts";
import type { Detector, DetectorResult } from "./detector.ts";
import type { Finding } from "../contracts/finding.ts";
import { EmpiricalTail, type EmpiricalTailState } from "./empirical-tail.ts";
import { DEFAULT_TUNING, describeSeries, formatValue } from "./statistical.ts";

/**
 * The constants of the contextual detector chosen by cross-validation (bench/nab.ts searches them with
 * the statistical detector's: leave one NAB category out, pick on the others, score on it). The agent
 * never passes others.
 */
export interface ContextualTuning {
  /** Rate per point at which the reference that values are bucketed against follows the series. */
  referenceRate: number;
  /** Points over which the novelty of recent contexts is averaged (span of an exponential average). */
  window: number;
  /** Pseudo-count of every next bucket after a context (additive smoothing of the transition counts). */
  smoothing: number;
  /**
   * A flatline (the value exactly unchanged) opens a finding once it is longer than this many times the
   * longest the series has held a value before; 0 turns flatline findings off.
   */
  flatlineRecord: number;
}

export const DEFAULT_CONTEXTUAL_TUNING: ContextualTuning = {
  referenceRate: 0.002,
  window: 96,
  smoothing: 0.1,
  // The smallest of 1, 1.25 and 1.5 that keeps bench:quiet (1 raises two more findings on its sparse
  // counter: 1.05 per 10,000 points); NAB's categories other than realAWSCloudwatch hold no flatline to
  // choose it by (bench/nab.ts).
  flatlineRecord: 1.25,
};

/** Buckets on each side of the reference: within 1 spread, 1–2, 2–4, 4–8, 8–16, and beyond 16. */
const LEVELS = 5;
const BUCKETS = 2 * LEVELS + 1;
/** A context is the last two buckets; with the next one it makes a transition. */
const CONTEXTS = BUCKETS * BUCKETS;
const TRANSITIONS = CONTEXTS * BUCKETS;
/** Points after which a transition's count has faded to 1/e: the patterns of the last weeks at 5 minutes. */
const CONTEXT_HORIZON = 4000;
/** Points the novelty's empirical tail remembers. */
const TAIL_HORIZON = 10_000;
/** Points before the spread means anything (it starts as a plain mean of the first residuals). */
const SETTLE_POINTS = 50;
/** Residuals are clipped to this many spreads before the reference learns them. */
const CLIP = 3;
/**
 * Contexts need more history than single values before they mean anything (a daily pattern shows each
 * of its transitions once a day): findings wait for this many times the quiet period.
 */
const QUIET_MULTIPLE = 4;
/** A point within this many spreads of the reference opens no finding, however new its context. */
const MIN_AWAY = 1;
/** Counts are renormalised before the growing weight overflows a Float32. */
const RENORMALISE_AT = 1e30;

/** What the contextual detector needs to know of its series and of the configuration. */
export interface ContextualOptions {
  metric: string;
  labels: Labels;
  /** Points watched before any score. */
  warmupPoints: number;
  /** Score (1 − tail probability) at or above which a finding opens. */
  anomalyScore: number;
  /** Seconds of history the statistical detector needs before its first finding (this one waits four times as long). */
  quietSeconds?: number;
  /** Finding type, e.g. `cpu_usage_pattern_anomaly`; no finding is raised without one. */
  findingType?: string;
  /** Type of a flatline finding, e.g. `cpu_usage_flatline`; no flatline finding is raised without one. */
  flatlineType?: string;
  /** Other constants (bench/nab.ts searches them); the defaults otherwise. */
  tuning?: Partial<ContextualTuning>;
}

/** JSON form of the learned state, version 2 (version 1 had no flatline fields: they start at 0). */
export interface ContextualState {
  v: 2;
  n: number;
  firstTs: number;
  previous: number;
  /** Smallest non-zero step between points seen; null before any. */
  resolution: number | null;
  level: number;
  scale: number;
  /** The last two buckets. */
  last: number;
  beforeLast: number;
  novelty: number;
  /** Faded count of every transition (context, then next bucket) and of every context, times `weight`. */
  counts: number[];
  contextCounts: number[];
  weight: number;
  tail: EmpiricalTailState;
  open: boolean;
  onsetAt: number | null;
  /** Points in a row equal to the one before, now; the most there were before; changes of value seen. */
  flatRun: number;
  longestFlat: number;
  changes: number;
  flatOpen: boolean;
}

/** A contextual detector; `novelty` is the recent average surprise of the series' transitions, in bits. */
export interface ContextualDetector extends Detector {
  readonly novelty: number;
  snapshot(): ContextualState;
}

/**
 * Scores how new the series' recent pattern is, rather than how far its value is: the sort of change a
 * value-by-value detector misses because no single point is extreme (spikes that were rare coming every
 * few points, as NAB's art_increase_spike_density; a steady series turning jagged, as its
 * grok_asg_anomaly; write bursts starting after a quiet spell). In the manner of CAD-OSE (the
 * Contextual Anomaly Detector), each value is put in one of eleven buckets by its distance from a slow
 * reference level, in spreads on a log scale and signed; the detector learns how often each bucket
 * follows each pair of buckets (faded counts over about 4,000 points), and a point's surprise is
 * −log2 of the learned probability of its bucket after the two before it. The novelty is the average
 * surprise of the last ~96 points, and the score is 1 − its conformal p-value against the series' own
 * recent novelty (`EmpiricalTail`), the same scale as the statistical detector's: 0.999 means one point
 * in a thousand is as new.
 *
 * A finding opens when the score reaches `anomalyScore`, the value is at least a spread away from the
 * reference, the tail holds a quarter of 1 / (1 − `anomalyScore`) points, the series has four times
 * `quietSeconds` of history and no finding opened within the statistical detector's hold time; it holds
 * while the score stays there and the value half a spread away.
 *
 * It also counts how long the value stays exactly the same: once the series has changed value a
 * quarter of 1 / (1 − `anomalyScore`) times, holding one value for longer than `flatlineRecord` (1.25)
 * times the longest it held one before, and for at least `window` points, opens a flatline finding
 * (`flatlineType`: a disk's writes at 0 for a day where it had idled at most 17 hours); it holds until
 * the value changes. The longest run never fades: a flatline as long as one before raises nothing.
 * O(1) per point; about 10 KB per series (the 1,331 transition counts and the tail); NaN points are skipped.
 */
export function createContextualDetector(options: ContextualOptions, state?: unknown): ContextualDetector {
  const model = new ContextualModel(options);
  if (state !== undefined) model.restore(state);
  return model;
}

class ContextualModel implements ContextualDetector {
  readonly name = "contextual";
  novelty = 0;

  /** The tuning's constants and the warm-up, as plain fields (read on every point). */
  private readonly window: number;
  private readonly smoothing: number;
  private readonly referenceRate: number;
  private readonly warmupPoints: number;
  private n = 0;
  private firstTs = 0;
  private previous = 0;
  private resolution = Number.POSITIVE_INFINITY;
  /** Half the resolution (0 before any step): the spread's floor. */
  private resolutionFloor = 0;
  private level = 0;
  private scale = 0;
  /** The spread the last point was bucketed with (the scale, or its floor). */
  private spread = 0;
  private last = LEVELS;
  private beforeLast = LEVELS;
  /** Transition counts times `weight` (weights grow instead of old counts shrinking), and their sums per context. */
  private readonly counts = new Float32Array(TRANSITIONS);
  private readonly contextCounts = new Float32Array(CONTEXTS);
  private weight = 1;
  private readonly growth = 1 / (1 - 1 / CONTEXT_HORIZON);
  private readonly tail = new EmpiricalTail(TAIL_HORIZON);
  private open = false;
  private onsetAt = Number.NEGATIVE_INFINITY;
  private readonly flatlineRecord: number;
  private flatRun = 0;
  private longestFlat = 0;
  private changes = 0;
  private flatOpen = false;

  constructor(private readonly options: ContextualOptions) {
    const tuning = { ...DEFAULT_CONTEXTUAL_TUNING, ...options.tuning };
    this.window = tuning.window;
    this.smoothing = tuning.smoothing;
    this.referenceRate = tuning.referenceRate;
    this.flatlineRecord = tuning.flatlineRecord;
    this.warmupPoints = options.warmupPoints;
  }

  update(ts: number, x: number): DetectorResult {
    if (!Number.isFinite(x) || !Number.isFinite(ts)) return { score: 0 };
    const n = ++this.n;
    if (n === 1) {
      this.firstTs = ts;
      this.level = this.previous = x;
      return { score: 0 };
    }
    const step = Math.abs(x - this.previous);
    if (step > 0 && step < this.resolution) {
      this.resolution = step;
      this.resolutionFloor = 0.5 * step;
    }
    this.previous = x;
    if (step === 0) this.flatRun++;
    else {
      if (this.flatRun > this.longestFlat) this.longestFlat = this.flatRun;
      this.flatRun = 0;
      this.changes++;
    }

    // The bucket: signed distance from the reference, in spreads, on a log scale.
    // (Floors: half the resolution, and a billionth of the level; kept by hand: this runs on every point of every series.)
    let s = this.scale > this.resolutionFloor ? this.scale : this.resolutionFloor;
    const tiny = Math.max(1e-9 * Math.abs(this.level), 1e-12);
    if (s < tiny) s = tiny;
    this.spread = s;
    const d = x - this.level;
    const away = Math.abs(d) / s;
    let magnitude = 0;
    for (let edge = 1; magnitude < LEVELS && away >= edge; edge *= 2) magnitude++;
    const bucket = LEVELS + (d < 0 ? -magnitude : magnitude);

    // Surprise of this bucket after the two before it, averaged over the recent points.
    const context = this.beforeLast * BUCKETS + this.last;
    const transition = context * BUCKETS + bucket;
    const w = this.weight;
    const alpha = this.smoothing;
    const surprise = -Math.log2((this.counts[transition]! / w + alpha) / (this.contextCounts[context]! / w + alpha * BUCKETS));
    // A plain mean of the surprises until there are `window` of them (an average started at 0 would climb
    // for its first hundred points, each value the highest yet), then an exponential one.
    this.novelty += (surprise - this.novelty) / (n <= this.window ? n - 1 : this.window);
    const at = EmpiricalTail.position(this.novelty);
    const p = this.tail.pValue(this.novelty, at);
    const warm = n > this.warmupPoints;
    const score = warm ? 1 - p : 0;

    // Learning: the tail (every point, anomalies included: it is the calibration), the transition, the
    // reference. The tail starts once the novelty averages surprises of a model that had already seen
    // `window` points: the first surprises, of a model that knows almost nothing, say nothing of the series.
    if (n > 2 * this.window) this.tail.add(this.novelty, 1, at);
    this.counts[transition]! += w;
    this.contextCounts[context]! += w;
    this.weight *= this.growth;
    if (this.weight > RENORMALISE_AT) this.renormalise();
    this.beforeLast = this.last;
    this.last = bucket;
    const clip = CLIP * s;
    const rate = n * this.referenceRate < 1 ? 1 / n : this.referenceRate;
    this.level += rate * (d > clip ? clip : d < -clip ? -clip : d);
    if (n <= SETTLE_POINTS) this.scale += (Math.abs(d) - this.scale) / (n - 1);
    else this.scale += rate * (Math.min(Math.abs(d), clip) - this.scale);

    const { anomalyScore } = this.options;
    const history = ts - this.firstTs >= QUIET_MULTIPLE * (this.options.quietSeconds ?? 0) * 1000;
    if (!this.open) {
      const seenEnough = this.tail.size * (1 - anomalyScore) >= DEFAULT_TUNING.calibrationShare;
      this.open = warm && seenEnough && history && score >= anomalyScore && away >= MIN_AWAY && ts - this.onsetAt >= DEFAULT_TUNING.holdMs;
      if (this.open) this.onsetAt = ts;
    } else {
      this.open = score >= anomalyScore && away >= MIN_AWAY / 2;
    }
    // A flatline: the value unchanged for longer than the series ever held one (by `flatlineRecord`), and
    // for at least the window of recent points (shorter is no pattern), once the series has changed value
    // often enough for a record among its runs to be one in 1 / (1 − `anomalyScore`) (`calibrationShare`).
    if (!this.flatOpen) {
      this.flatOpen =
        this.flatlineRecord > 0 &&
        warm &&
        history &&
        this.changes * (1 - anomalyScore) >= DEFAULT_TUNING.calibrationShare &&
        this.flatRun >= this.window &&
        this.flatRun > this.flatlineRecord * this.longestFlat;
    } else {
      this.flatOpen = step === 0;
    }
    if (this.open && this.options.findingType !== undefined) return { score, finding: this.finding(ts, x, score) };
    if (this.flatOpen && this.options.flatlineType !== undefined) return { score, finding: this.flatlineFinding(ts, x, score) };
    return { score };
  }

  private flatlineFinding(ts: number, x: number, score: number): Finding {
    const { metric, labels, flatlineType } = this.options;
    return {
      type: flatlineType!,
      severity: "warning",
      message: `${describeSeries(metric, labels)} has stayed at exactly ${formatValue(x)} for ${this.flatRun + 1} points in a row, longer than it ever held a value before (${this.longestFlat + 1})`,
      value: x,
      threshold: x,
      metric,
      labels,
      detector: this.name,
      // A record among the series' runs of one value: about one in (runs + 1).
      score: Math.max(score, 1 - 1 / (this.changes + 1)),
      timestamp: new Date(ts).toISOString(),
    };
  }

  private renormalise(): void {
    const k = 1 / this.weight;
    for (let i = 0; i < TRANSITIONS; i++) this.counts[i]! *= k;
    for (let i = 0; i < CONTEXTS; i++) this.contextCounts[i]! *= k;
    this.weight = 1;
  }

  private finding(ts: number, x: number, score: number): Finding {
    const { metric, labels, findingType } = this.options;
    return {
      type: findingType!,
      severity: "warning",
      message: `Unusual pattern of ${describeSeries(metric, labels)}: ${formatValue(x)}, in a sequence rarely seen before (about ${formatValue(this.level)} usually)`,
      value: x,
      threshold: x >= this.level ? this.level + MIN_AWAY * this.spread : this.level - MIN_AWAY * this.spread,
      metric,
      labels,
      detector: this.name,
      score,
      timestamp: new Date(ts).toISOString(),
    };
  }

  snapshot(): ContextualState {
    return {
      v: 2,
      n: this.n,
      firstTs: this.firstTs,
      previous: this.previous,
      resolution: Number.isFinite(this.resolution) ? this.resolution : null,
      level: this.level,
      scale: this.scale,
      last: this.last,
      beforeLast: this.beforeLast,
      novelty: this.novelty,
      // As they are (Float32, most of them 0): the restored copy scores exactly as this one.
      counts: Array.from(this.counts),
      contextCounts: Array.from(this.contextCounts),
      weight: this.weight,
      tail: this.tail.toJSON(),
      open: this.open,
      onsetAt: Number.isFinite(this.onsetAt) ? this.onsetAt : null,
      flatRun: this.flatRun,
      longestFlat: this.longestFlat,
      changes: this.changes,
      flatOpen: this.flatOpen,
    };
  }

  /** Takes back a state from `snapshot()`; throws when it does not fit (the series is then learned afresh). */
  restore(input: unknown): void {
    if (input === null || typeof input !== "object" || ((input as { v?: unknown }).v !== 1 && (input as { v?: unknown }).v !== 2)) throw new Error("contextual state: unknown version");
    const s = input as Record<string, unknown>;
    const num = (key: string, fallback?: number): number => {
      const v = s[key];
      if (typeof v === "number" && Number.isFinite(v)) return v;
      if (fallback !== undefined && v === null) return fallback;
      throw new Error(`contextual state: bad ${key}`);
    };
    const bucket = (key: string): number => {
      const b = num(key);
      if (!Number.isInteger(b) || b < 0 || b >= BUCKETS) throw new Error(`contextual state: bad ${key}`);
      return b;
    };
    const counts = s.counts;
    const contextCounts = s.contextCounts;
    if (!Array.isArray(counts) || counts.length !== TRANSITIONS) throw new Error("contextual state: wrong transition count");
    if (!Array.isArray(contextCounts) || contextCounts.length !== CONTEXTS) throw new Error("contextual state: wrong context count");
    const weight = num("weight");
    if (!(weight >= 1 && weight <= RENORMALISE_AT * this.growth)) throw new Error("contextual state: bad weight");
    try {
      this.tail.restore(s.tail as EmpiricalTailState);
    } catch (cause) {
      throw new Error(`contextual state: ${(cause as Error).message}`, { cause });
    }
    const count = (c: unknown): number => {
      if (typeof c !== "number" || !(c >= 0) || !Number.isFinite(c)) throw new Error("contextual state: bad count");
      return c;
    };
    for (let i = 0; i < TRANSITIONS; i++) this.counts[i] = count(counts[i]);
    for (let i = 0; i < CONTEXTS; i++) this.contextCounts[i] = count(contextCounts[i]);
    this.weight = weight;
    this.n = num("n");
    this.firstTs = num("firstTs");
    this.previous = num("previous");
    this.resolution = num("resolution", Number.POSITIVE_INFINITY);
    this.resolutionFloor = Number.isFinite(this.resolution) ? 0.5 * this.resolution : 0;
    this.level = num("level");
    this.scale = num("scale");
    this.last = bucket("last");
    this.beforeLast = bucket("beforeLast");
    this.novelty = num("novelty");
    this.open = s.open === true;
    this.onsetAt = num("onsetAt", Number.NEGATIVE_INFINITY);
    // Version 1 knew nothing of runs: they are counted from here.
    const v1 = s.v === 1;
    const runCount = (key: string): number => {
      const c = v1 ? 0 : num(key);
      if (!Number.isInteger(c) || c < 0) throw new Error(`contextual state: bad ${key}`);
      return c;
    };
    this.flatRun = runCount("flatRun");
    this.longestFlat = runCount("longestFlat");
    this.changes = runCount("changes");
    this.flatOpen = !v1 && s.flatOpen === true;
  }
}
