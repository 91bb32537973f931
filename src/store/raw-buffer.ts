import type { Labels, Sample } from "../contracts/sample.ts";
import { floorTo, HOUR_MS } from "./buckets.ts";
import type { BlockPoints } from "./point-block.ts";
import { SeriesKeyCache } from "./series-key-cache.ts";

/**
 * How long raw points stay in memory before they are written as one block. A `kill -9` loses at
 * most this much of raw history (alerts, the outbox and notifications are written at once, as
 * ever); a clean stop writes the block. Five minutes keep the store under 200 MB a day at a 1 s
 * interval (`npm run bench:store`): each write costs a few pages whatever it holds.
 */
export const BLOCK_WINDOW_MS = 5 * 60_000;

/** Most ticks in one block, whatever the interval. */
export const BLOCK_MAX_TICKS = 300;

/** A series' points not yet written: `length` of them, at the block's ticks `ticks[i]`, values `values[i]`. */
export interface BufferedSeries {
  key: string;
  metric: string;
  labels: Labels;
  /** Wall time (ms) the series was first buffered: its creation time if it is new to the store. */
  firstSeen: number;
  /** Points of this series in the block being filled (0: it has not reported in this block). */
  length: number;
  /** Index of each point's tick in the block (see `RawBuffer.tickTime`). */
  ticks: Uint16Array;
  values: Float64Array;
}

/** Capacity of a series' arrays when it first reports; they double up to BLOCK_MAX_TICKS. */
const FIRST_CAPACITY = 16;

/**
 * The raw points of the current block, in memory. A tick appends one number per sample to typed
 * arrays kept per series, found without building a key or hashing one when the samples come in the
 * order of the tick before (the flattener's order is stable): the work of a tick is an append per
 * sample. The time of a tick is kept once for the block, not once per point. Series stay (with
 * their arrays, reused) while they report; one that did not report in a whole block is forgotten when
 * that block is written (`clear`), so memory and work follow the live series. A block never spans an
 * hour boundary (the roll-ups take whole blocks) nor a clock set back (its points are in time order).
 */
export class RawBuffer {
  private readonly series = new Map<string, BufferedSeries>();
  /** The series of each position of the last tick's samples: a tick in the same order finds them here. */
  private byPosition: Array<BufferedSeries | undefined> = [];
  /** Keys of samples built by hand (without the flattener's interned key). */
  private readonly keys = new SeriesKeyCache();
  private readonly tickTs = new Float64Array(BLOCK_MAX_TICKS);
  private tickCount = 0;
  private pointCount = 0;
  /** Series with at least one point in this block. */
  private liveCount = 0;

  /** Whether the tick at `ts` must go into a new block: this one is full, or `ts` is in another hour or earlier. */
  needsFlushBefore(ts: number): boolean {
    if (this.tickCount === 0) return false;
    const first = this.tickTs[0]!;
    const last = this.tickTs[this.tickCount - 1]!;
    return (
      ts < last ||
      floorTo(ts, HOUR_MS) !== floorTo(first, HOUR_MS) ||
      ts - first >= BLOCK_WINDOW_MS ||
      (ts !== last && this.tickCount >= BLOCK_MAX_TICKS)
    );
  }

  /**
   * Adds the samples with a finite value at `ts` (call `needsFlushBefore` first); a second point of
   * a series at the same time replaces the first. `onNew` hears of each series new to this block.
   * Returns the points taken.
   */
  addTick(ts: number, samples: readonly Sample[], wallMs: number, onNew?: (entry: BufferedSeries) => void): number {
    if (this.tickCount === 0 || ts !== this.tickTs[this.tickCount - 1]) {
      if (this.tickCount >= BLOCK_MAX_TICKS) throw new Error("store: raw buffer full; write the block first");
      this.tickTs[this.tickCount++] = ts;
    }
    const tick = this.tickCount - 1;
    const byPosition = this.byPosition;
    let taken = 0;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      const value = sample.value;
      // SQLite would store NaN as NULL, and a block holds only numbers: a missing value is no point.
      if (!Number.isFinite(value)) continue;
      const key = sample.key ?? this.keys.keyOf(sample.metric, sample.labels);
      let entry = byPosition[i];
      if (entry === undefined || entry.key !== key) {
        entry = this.series.get(key);
        if (entry === undefined) {
          entry = { key, metric: sample.metric, labels: sample.labels, firstSeen: wallMs, length: 0, ticks: new Uint16Array(FIRST_CAPACITY), values: new Float64Array(FIRST_CAPACITY) };
          this.series.set(key, entry);
        }
        byPosition[i] = entry;
      }
      taken++;
      const n = entry.length;
      if (n > 0 && entry.ticks[n - 1] === tick) {
        entry.values[n - 1] = value;
        continue;
      }
      if (n === 0) {
        this.liveCount++;
        onNew?.(entry);
      } else if (n === entry.values.length) grow(entry);
      entry.ticks[n] = tick;
      entry.values[n] = value;
      entry.length = n + 1;
      this.pointCount++;
    }
    if (byPosition.length > samples.length) byPosition.length = samples.length;
    return taken;
  }

  /** Adds one point (tests, and samples one by one); true when the series is new to the block. */
  add(ts: number, key: string, metric: string, labels: Labels, value: number, wallMs: number): boolean {
    let fresh = false;
    this.byPosition = [];
    this.addTick(ts, [{ metric, labels, value, key }], wallMs, () => (fresh = true));
    this.byPosition = [];
    return fresh;
  }

  /** The series with points in this block, in the order they first reported. */
  *entries(): IterableIterator<BufferedSeries> {
    for (const entry of this.series.values()) if (entry.length > 0) yield entry;
  }

  /** A series with points in this block. */
  get(key: string): BufferedSeries | undefined {
    const entry = this.series.get(key);
    return entry && entry.length > 0 ? entry : undefined;
  }

  /** Time (ms) of the block's tick `index`. */
  tickTime(index: number): number {
    return this.tickTs[index]!;
  }

  /** A series' points as arrays (for encoding and queries; allocates). */
  pointsOf(entry: BufferedSeries): BlockPoints {
    const ts = new Float64Array(entry.length);
    for (let i = 0; i < entry.length; i++) ts[i] = this.tickTs[entry.ticks[i]!]!;
    return { ts, values: entry.values.subarray(0, entry.length) };
  }

  /** Time of the first and last tick buffered (NaN when empty). */
  get start(): number {
    return this.tickCount === 0 ? Number.NaN : this.tickTs[0]!;
  }

  get end(): number {
    return this.tickCount === 0 ? Number.NaN : this.tickTs[this.tickCount - 1]!;
  }

  get points(): number {
    return this.pointCount;
  }

  /** Series with points in this block. */
  get seriesCount(): number {
    return this.liveCount;
  }

  get empty(): boolean {
    return this.tickCount === 0;
  }

  /**
   * Starts a new block: series that reported in the block just written keep their arrays for the
   * next one; those that did not are forgotten (`forget`).
   */
  clear(): void {
    let forgot = false;
    for (const entry of this.series.values()) {
      if (entry.length === 0) {
        this.series.delete(entry.key);
        forgot = true;
      } else entry.length = 0;
    }
    if (forgot) this.byPosition = [];
    // Keys built for hand-made samples go too, so that series that are gone do not stay in it.
    this.keys.clear();
    this.tickCount = 0;
    this.pointCount = 0;
    this.liveCount = 0;
  }

  /** Forgets a series now (its points in this block too): for series known to be gone. */
  forget(key: string): void {
    const entry = this.series.get(key);
    if (!entry) return;
    if (entry.length > 0) {
      this.pointCount -= entry.length;
      this.liveCount--;
    }
    this.series.delete(key);
    this.byPosition = [];
  }
}

/** Doubles a series' arrays, up to a block's most ticks. */
function grow(entry: BufferedSeries): void {
  const capacity = Math.min(BLOCK_MAX_TICKS, entry.values.length * 2);
  const ticks = new Uint16Array(capacity);
  ticks.set(entry.ticks);
  const values = new Float64Array(capacity);
  values.set(entry.values);
  entry.ticks = ticks;
  entry.values = values;
}
