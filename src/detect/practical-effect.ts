import { SERIES } from "../collect/series.ts";
import type { Config } from "../config/schema.ts";
import type { Finding, FindingEffect } from "../contracts/finding.ts";

/**
 * A finding of a detector that learns the series' normal (any but the configured threshold and forecast
 * rules): the minimum effect applies to it, and correlation may fold it into another. Threshold and
 * forecast findings say exactly what they were configured to say.
 */
export function isLearnedFinding(f: Pick<Finding, "detector">): boolean {
  return f.detector !== "threshold" && f.detector !== "forecast";
}

/** Ending of the type of a flatline finding (`disk_write_bytes_flatline`): a value held, not a value far off. */
export const FLATLINE_SUFFIX = "_flatline";

/**
 * A flatline finding (the contextual detector's: a series that changes value holding one for longer
 * than it ever has) is not judged by the minimum effect: its value is the one the series has shown for
 * hours, inside the range of the half hour before; its size is how long, and it already needed a
 * record and at least ~96 points to open.
 */
export function isFlatlineFinding(f: Pick<Finding, "type">): boolean {
  return f.type.endsWith(FLATLINE_SUFFIX);
}

/**
 * Metric families that share one minimum practical effect (the keys of `detect.min_effect`): usage and
 * saturation in percentage points, rates in a relative change with an absolute floor.
 */
export type EffectFamily = "cpu" | "memory" | "filesystem" | "pressure" | "network" | "disk_io" | "ops" | "other";

/** The least change worth a finding: points of a percent, or a relative change with a floor. */
export type MinimumEffect = { kind: "points"; points: number } | { kind: "change"; change: number; floor: number };

/** Which family a metric's effect is judged in. */
export function effectFamilyOf(metric: string): EffectFamily {
  if (/^aiops_(cpu_usage|cpu_mode|cgroup_cpu_usage|container_cpu_usage|process_cpu_usage)_percent$/.test(metric)) return "cpu";
  if (/^aiops_(memory|swap|cgroup_memory|container_memory)_usage_percent$/.test(metric)) return "memory";
  if (/^aiops_disk_(inodes_)?usage_percent$/.test(metric)) return "filesystem";
  if (metric === "aiops_pressure_stalled_percent" || /^aiops_disk_(total_)?busy_percent$/.test(metric)) return "pressure";
  if (/^aiops_network_(total_)?(receive|transmit)_bytes_per_second$/.test(metric)) return "network";
  if (/^aiops_(disk_(total_)?|container_|process_)(read|write)_bytes_per_second$/.test(metric)) return "disk_io";
  if (metric.endsWith("_per_second")) return "ops";
  return "other";
}

/** The configured minimum of a family. */
export function minimumEffectOf(family: EffectFamily, config: Config): MinimumEffect {
  const m = config.detect.min_effect;
  switch (family) {
    case "cpu":
    case "memory":
    case "filesystem":
    case "pressure":
      return { kind: "points", points: m[family] };
    case "network":
      return { kind: "change", change: m.network_change, floor: m.network_floor };
    case "disk_io":
      return { kind: "change", change: m.disk_io_change, floor: m.disk_io_floor };
    case "ops":
      return { kind: "change", change: m.ops_change, floor: m.ops_floor };
    case "other":
      return { kind: "change", change: m.other_change, floor: 0 };
  }
}

/** What a series was expected to be, as of before the current deviation began. */
export interface EffectReference {
  expected: number;
  low: number;
  high: number;
  /** Time (ms) the value left [low, high]; the point's own time when it is inside. */
  since: number;
}

/** Width of one bucket of the reference, ms: one-minute means, lows and highs. */
const BUCKET_MS = 60_000;
/** Buckets kept: the reference is the half hour before the deviation. */
const BUCKETS = 30;
/** Buckets needed before any effect can be told (five minutes of history). */
const MIN_BUCKETS = 5;
/** A deviation longer than this is the new normal: the reference follows the series again. */
const LONGEST_DEVIATION_MS = 3_600_000;
/** The range is the 10th percentile of the one-minute lows to the 90th of the highs: one odd minute does not widen it. */
const RANGE_QUANTILE = 0.1;

const SCRATCH = new Float64Array(BUCKETS);

/** JSON form of a baseline. */
export interface EffectBaselineState {
  v: 1;
  means: number[];
  lows: number[];
  highs: number[];
  /** Next slot of the ring, and slots filled. */
  at: number;
  filled: number;
  bucket: { start: number; sum: number; n: number; low: number; high: number };
  frozen: EffectReference | null;
}

/**
 * The reference a learned finding's effect is measured against: one-minute means, lows and highs of the
 * last half hour, as of before the current deviation began. When the value leaves the range, the
 * reference is frozen (the deviation must not become its own normal) until the value comes back, or for
 * at most an hour (then it is the new normal). O(1) per point; 30 buckets of three numbers per series.
 */
export class EffectBaseline {
  private readonly means = new Float64Array(BUCKETS);
  private readonly lows = new Float64Array(BUCKETS);
  private readonly highs = new Float64Array(BUCKETS);
  private at = 0;
  private filled = 0;
  private bucket = { start: Number.NaN, sum: 0, n: 0, low: Number.POSITIVE_INFINITY, high: Number.NEGATIVE_INFINITY };
  private live: Omit<EffectReference, "since"> | undefined;
  private frozen: EffectReference | undefined;
  private readonly frozenSlot: EffectReference = { expected: 0, low: 0, high: 0, since: 0 };

  /** What `observe` returns while the value is inside its range: reused, so a tick allocates nothing. */
  private readonly current: EffectReference = { expected: 0, low: 0, high: 0, since: 0 };

  /**
   * Takes point (`ts`, `value`) and returns the reference it is judged against (from before it), with
   * the time the current deviation began; undefined until there are five minutes of history. The
   * object is only good until the next call (copy what is kept).
   */
  observe(ts: number, value: number): EffectReference | undefined {
    if (!Number.isFinite(value) || !Number.isFinite(ts)) return this.frozen ?? this.liveAt(ts);
    const frozen = this.frozen;
    if (frozen && (ts - frozen.since > LONGEST_DEVIATION_MS || (value >= frozen.low && value <= frozen.high))) this.frozen = undefined;
    let ref = this.frozen;
    if (!ref) {
      ref = this.liveAt(ts);
      if (ref && (value < ref.low || value > ref.high)) {
        // Noise leaves the range now and then: the frozen copy is one object, reused.
        const f = this.frozenSlot;
        f.expected = ref.expected;
        f.low = ref.low;
        f.high = ref.high;
        f.since = ref.since;
        this.frozen = ref = f;
      }
    }
    this.add(ts, value);
    return ref;
  }

  private liveAt(ts: number): EffectReference | undefined {
    const live = this.live;
    if (!live) return undefined;
    const c = this.current;
    c.expected = live.expected;
    c.low = live.low;
    c.high = live.high;
    c.since = ts;
    return c;
  }

  private add(ts: number, value: number): void {
    const start = Math.floor(ts / BUCKET_MS) * BUCKET_MS;
    const b = this.bucket;
    if (start !== b.start) {
      if (b.n > 0 && start > b.start) this.close();
      if (!(start < b.start)) this.bucket = { start, sum: 0, n: 0, low: Number.POSITIVE_INFINITY, high: Number.NEGATIVE_INFINITY };
    }
    const c = this.bucket;
    c.sum += value;
    c.n++;
    if (value < c.low) c.low = value;
    if (value > c.high) c.high = value;
  }

  private close(): void {
    const b = this.bucket;
    this.means[this.at] = b.sum / b.n;
    this.lows[this.at] = b.low;
    this.highs[this.at] = b.high;
    this.at = (this.at + 1) % BUCKETS;
    if (this.filled < BUCKETS) this.filled++;
    this.live = this.filled >= MIN_BUCKETS ? this.summarise() : undefined;
  }

  private summarise(): Omit<EffectReference, "since"> {
    const n = this.filled;
    const at = (q: number) => Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))));
    const pick = (a: Float64Array, q: number) => {
      // One scratch array for every series: a summary is taken once a minute and kept, nothing allocated.
      const sorted = SCRATCH.subarray(0, n);
      sorted.set(a.subarray(0, n));
      sorted.sort();
      return sorted[at(q)]!;
    };
    return { expected: pick(this.means, 0.5), low: pick(this.lows, RANGE_QUANTILE), high: pick(this.highs, 1 - RANGE_QUANTILE) };
  }

  toJSON(): EffectBaselineState {
    return {
      v: 1,
      means: Array.from(this.means),
      lows: Array.from(this.lows),
      highs: Array.from(this.highs),
      at: this.at,
      filled: this.filled,
      bucket: { ...this.bucket },
      frozen: this.frozen ? { ...this.frozen } : null,
    };
  }

  /** Takes back `toJSON()`; throws when it does not fit (the baseline then relearns). */
  static restore(input: unknown): EffectBaseline {
    const s = input as Partial<EffectBaselineState> | null;
    const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.length === BUCKETS && a.every((x) => typeof x === "number" && Number.isFinite(x));
    if (s === null || typeof s !== "object" || s.v !== 1 || !numbers(s.means) || !numbers(s.lows) || !numbers(s.highs)) {
      throw new Error("effect baseline: unknown state");
    }
    const int = (x: unknown) => typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= BUCKETS;
    const b = s.bucket;
    if (!int(s.at) || !int(s.filled) || b === null || typeof b !== "object" || typeof b.n !== "number" || typeof b.sum !== "number") {
      throw new Error("effect baseline: bad ring");
    }
    const out = new EffectBaseline();
    out.means.set(s.means);
    out.lows.set(s.lows);
    out.highs.set(s.highs);
    out.at = s.at! % BUCKETS;
    out.filled = s.filled!;
    // JSON has no infinities: an empty bucket's low and high come back as null.
    out.bucket = {
      start: typeof b.start === "number" ? b.start : Number.NaN,
      sum: b.sum,
      n: b.n,
      low: typeof b.low === "number" ? b.low : Number.POSITIVE_INFINITY,
      high: typeof b.high === "number" ? b.high : Number.NEGATIVE_INFINITY,
    };
    const f = s.frozen;
    if (f && [f.expected, f.low, f.high, f.since].every((x) => typeof x === "number" && Number.isFinite(x))) out.frozen = { ...f };
    out.live = out.filled >= MIN_BUCKETS ? out.summarise() : undefined;
    return out;
  }
}

/** The effect of `value` at `ts` against `ref`, in the unit of `metric`. */
export function effectOf(metric: string, value: number, ts: number, ref: EffectReference): FindingEffect {
  const deviation = value - ref.expected;
  const larger = Math.max(Math.abs(value), Math.abs(ref.expected));
  return {
    expected: ref.expected,
    expected_low: ref.low,
    expected_high: ref.high,
    deviation,
    change: larger > 0 ? Math.abs(deviation) / larger : 0,
    unit: unitOf(metric),
    since: new Date(ref.since).toISOString(),
    duration_seconds: Math.max(0, (ts - ref.since) / 1000),
  };
}

/**
 * Whether a value is far enough from its reference to tell: outside the range the series moved in, and
 * its distance from the expected value reaches the family's minimum (points, or both the relative change
 * and the floor). Numbers only: called for every point of every watched series.
 */
export function meetsMinimum(ref: Pick<EffectReference, "expected" | "low" | "high">, value: number, minimum: MinimumEffect): boolean {
  if (value >= ref.low && value <= ref.high) return false;
  const size = Math.abs(value - ref.expected);
  if (!(size > 0)) return false;
  if (minimum.kind === "points") return size >= minimum.points;
  const larger = Math.max(Math.abs(value), Math.abs(ref.expected));
  return size / larger >= minimum.change && size >= minimum.floor;
}

const UNITS = new Map(SERIES.map((d) => [d.metric, d.unit as string]));

function unitOf(metric: string): string {
  return UNITS.get(metric) ?? "";
}

/** The effect in words, for a finding's message: `+12.0 points from 29.50 %–30.60 % (expected 30.00 %) for 1m 40s`. */
export function describeEffect(effect: FindingEffect): string {
  const sign = effect.deviation >= 0 ? "+" : "−";
  const size = Math.abs(effect.deviation);
  const fmt = (v: number) => formatIn(effect.unit, v);
  const delta =
    effect.unit === "percent"
      ? `${sign}${size.toFixed(size < 10 ? 2 : 1)} points`
      : `${sign}${fmt(size)} (${sign}${Math.round(effect.change * 100)} % of the larger)`;
  return `${delta} from ${fmt(effect.expected_low)}–${fmt(effect.expected_high)} (expected ${fmt(effect.expected)}) for ${formatSeconds(effect.duration_seconds)}`;
}

function formatIn(unit: string, v: number): string {
  if (unit === "bytes/s") return formatRate(v);
  if (unit === "percent") return `${v.toFixed(2)} %`;
  const a = Math.abs(v);
  const n = a !== 0 && (a >= 1e6 || a < 0.01) ? v.toPrecision(3) : String(Math.round(v * 100) / 100);
  return unit === "" || unit === "count" ? n : `${n} ${unit}`;
}

function formatRate(bytesPerSecond: number): string {
  const units = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s"];
  let v = bytesPerSecond;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

function formatSeconds(s: number): string {
  const total = Math.round(s);
  if (total < 60) return `${total}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h ${m}m` : sec > 0 ? `${m}m ${sec}s` : `${m}m`;
}
