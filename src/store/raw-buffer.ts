import type { Labels } from "../contracts/sample.ts";
import { floorTo, HOUR_MS } from "./buckets.ts";
import type { BlockPoints } from "./point-block.ts";

/**
 * How long raw points stay in memory before they are written as one block. A `kill -9` loses at
 * most this much of raw history (alerts, the outbox and notifications are written at once, as
 * ever); a clean stop writes the block. Five minutes keep the store under 200 MB a day at a 1 s
 * interval (`npm run bench:store`): each write costs a few pages whatever it holds.
 */
export const BLOCK_WINDOW_MS = 5 * 60_000;

/** Most ticks in one block, whatever the interval. */
export const BLOCK_MAX_TICKS = 300;

/** A series' points not yet written. */
export interface BufferedSeries extends BlockPoints {
  key: string;
  metric: string;
  labels: Labels;
  /** Wall time (ms) the series was first buffered: its creation time if it is new to the store. */
  firstSeen: number;
}

/**
 * The raw points of the current block, in memory. Only series that reported in this block are here,
 * so a tick's work does not grow with series that are gone. A block never spans an hour boundary (the
 * hourly roll-up takes whole blocks) nor a clock set back (its points are in time order).
 */
export class RawBuffer {
  private readonly series = new Map<string, BufferedSeries>();
  private first = Number.NaN;
  private last = Number.NaN;
  private tickCount = 0;
  private pointCount = 0;

  /** Whether the tick at `ts` must go into a new block: this one is full, or `ts` is in another hour or earlier. */
  needsFlushBefore(ts: number): boolean {
    if (this.tickCount === 0) return false;
    return (
      ts < this.last ||
      floorTo(ts, HOUR_MS) !== floorTo(this.first, HOUR_MS) ||
      ts - this.first >= BLOCK_WINDOW_MS ||
      (ts !== this.last && this.tickCount >= BLOCK_MAX_TICKS)
    );
  }

  /** Adds one point; a second point of a series at the same time replaces the first. True when the series is new to the block. */
  add(ts: number, key: string, metric: string, labels: Labels, value: number, wallMs: number): boolean {
    if (this.tickCount === 0 || ts !== this.last) {
      if (this.tickCount === 0) this.first = ts;
      this.last = ts;
      this.tickCount++;
    }
    let entry = this.series.get(key);
    const fresh = entry === undefined;
    if (!entry) this.series.set(key, (entry = { key, metric, labels, firstSeen: wallMs, ts: [], values: [] }));
    const n = entry.ts.length;
    if (n > 0 && entry.ts[n - 1] === ts) {
      entry.values[n - 1] = value;
      return fresh;
    }
    entry.ts.push(ts);
    entry.values.push(value);
    this.pointCount++;
    return fresh;
  }

  /** The series buffered, in the order they first reported. */
  entries(): IterableIterator<BufferedSeries> {
    return this.series.values();
  }

  get(key: string): BufferedSeries | undefined {
    return this.series.get(key);
  }

  /** Time of the first and last tick buffered (NaN when empty). */
  get start(): number {
    return this.first;
  }

  get end(): number {
    return this.last;
  }

  get points(): number {
    return this.pointCount;
  }

  get empty(): boolean {
    return this.tickCount === 0;
  }

  clear(): void {
    this.series.clear();
    this.first = Number.NaN;
    this.last = Number.NaN;
    this.tickCount = 0;
    this.pointCount = 0;
  }
}
