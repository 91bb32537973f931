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

/** A series with points not yet written (read them with `RawBuffer.pointsOf` and `lastOf`). */
export interface BufferedSeries {
  key: string;
  metric: string;
  labels: Labels;
  /** Wall time (ms) the series was first buffered: its creation time if it is new to the store. */
  firstSeen: number;
  /** Points of this series in the block being filled (0: it has not reported in this block). */
  length: number;
  /** Its column in the block's table of values. */
  slot: number;
  /** Index of the last tick it has a point at (-1: none in this block). */
  lastTick: number;
}

/** Ticks per chunk of the table of values: a chunk is allocated (or reused) every this many ticks, for every series at once. */
const CHUNK_TICKS = 16;

/** Ticks `CHUNK_TICKS` of the block, a row per tick and a column per series (`stride` columns); NaN where a series has no point. */
interface Chunk {
  stride: number;
  values: Float64Array;
}

/**
 * The raw points of the current block, in memory: a table of values, a row per tick and a column
 * (slot) per series, in chunks of CHUNK_TICKS rows allocated once for every series, so that a tick
 * allocates nothing per sample and no series' array ever grows on its own. A tick finds each
 * sample's series without building a key or hashing one when the samples come in the order of the
 * tick before (the flattener's order is stable): its work is one store per sample. The time of a
 * tick is kept once for the block. Series stay while they report; one that did not report in a
 * whole block is forgotten when that block is written (`clear`, or `forget` at once), so memory and
 * work follow the live series. A block never spans an hour boundary (the roll-ups take whole
 * blocks) nor a clock set back (its points are in time order).
 */
export class RawBuffer {
  private readonly series = new Map<string, BufferedSeries>();
  /** The series of each slot. */
  private slots: BufferedSeries[] = [];
  /** The series of each position of the last tick's samples: a tick in the same order finds them here. */
  private byPosition: Array<BufferedSeries | undefined> = [];
  /** Keys of samples built by hand (without the flattener's interned key). */
  private readonly keys = new SeriesKeyCache();
  private readonly tickTs = new Float64Array(BLOCK_MAX_TICKS);
  private chunks: Chunk[] = [];
  /** Chunks of an earlier block, reused (refilled with NaN) as this block reaches them. */
  private spareChunks: Chunk[] = [];
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
    let chunk = this.chunkFor(tick);
    let row = (tick % CHUNK_TICKS) * chunk.stride;
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
        entry = this.series.get(key) ?? this.newSeries(key, sample, wallMs);
        byPosition[i] = entry;
      }
      if (entry.slot >= chunk.stride) {
        chunk = this.widen(tick);
        row = (tick % CHUNK_TICKS) * chunk.stride;
      }
      chunk.values[row + entry.slot] = value;
      taken++;
      if (entry.lastTick === tick) continue;
      if (entry.length === 0) {
        this.liveCount++;
        onNew?.(entry);
      }
      entry.lastTick = tick;
      entry.length++;
      this.pointCount++;
    }
    if (byPosition.length > samples.length) byPosition.length = samples.length;
    return taken;
  }

  /** The series with points in this block, in the order they first reported. */
  *entries(): IterableIterator<BufferedSeries> {
    for (const entry of this.slots) if (entry.length > 0) yield entry;
  }

  /** A series with points in this block. */
  get(key: string): BufferedSeries | undefined {
    const entry = this.series.get(key);
    return entry && entry.length > 0 ? entry : undefined;
  }

  /** A series' points in this block, oldest first (allocates: for encoding and queries). */
  pointsOf(entry: BufferedSeries): BlockPoints {
    const ts = new Float64Array(entry.length);
    const values = new Float64Array(entry.length);
    let n = 0;
    for (let c = 0; c < this.chunks.length && n < entry.length; c++) {
      const { stride, values: table } = this.chunks[c]!;
      if (entry.slot >= stride) continue;
      const rows = Math.min(CHUNK_TICKS, this.tickCount - c * CHUNK_TICKS);
      for (let r = 0; r < rows; r++) {
        const value = table[r * stride + entry.slot]!;
        if (Number.isNaN(value)) continue;
        ts[n] = this.tickTs[c * CHUNK_TICKS + r]!;
        values[n++] = value;
      }
    }
    return { ts, values };
  }

  /** A series' newest point in this block. */
  lastOf(entry: BufferedSeries): { ts: number; value: number } | undefined {
    if (entry.length === 0 || entry.lastTick < 0) return undefined;
    const chunk = this.chunks[Math.floor(entry.lastTick / CHUNK_TICKS)]!;
    return { ts: this.tickTs[entry.lastTick]!, value: chunk.values[(entry.lastTick % CHUNK_TICKS) * chunk.stride + entry.slot]! };
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

  /** Bytes of the table of values held: this block's chunks and those kept from the block before for reuse. */
  get tableBytes(): number {
    let bytes = 0;
    for (const chunk of this.chunks) bytes += chunk.values.byteLength;
    for (const chunk of this.spareChunks) if (chunk && !this.chunks.includes(chunk)) bytes += chunk.values.byteLength;
    return bytes;
  }

  /** Series with points in this block. */
  get seriesCount(): number {
    return this.liveCount;
  }

  get empty(): boolean {
    return this.tickCount === 0;
  }

  /**
   * Starts a new block: series that reported in the block just written keep a slot (renumbered, so
   * the table stays as narrow as the live series) for the next one; those that did not are forgotten.
   */
  clear(): void {
    const kept: BufferedSeries[] = [];
    for (const entry of this.slots) {
      if (entry.length === 0) {
        // (A series forgotten and back since has a new entry under its key: leave that one.)
        if (this.series.get(entry.key) === entry) this.series.delete(entry.key);
      } else if (this.series.get(entry.key) === entry) {
        entry.slot = kept.length;
        entry.length = 0;
        entry.lastTick = -1;
        kept.push(entry);
      }
    }
    if (kept.length !== this.slots.length) this.byPosition = [];
    this.slots = kept;
    this.spareChunks = this.chunks;
    this.chunks = [];
    // Keys built for hand-made samples go too, so that series that are gone do not stay in it.
    this.keys.clear();
    this.tickCount = 0;
    this.pointCount = 0;
    this.liveCount = 0;
  }

  /** Forgets a series now, its points in this block with it: for series known to be gone. */
  forget(key: string): void {
    const entry = this.series.get(key);
    if (!entry) return;
    if (entry.length > 0) {
      this.pointCount -= entry.length;
      this.liveCount--;
    }
    this.series.delete(key);
    // Its slot stays, empty, until the block is written (the table is renumbered then).
    entry.length = 0;
    this.byPosition = [];
  }

  private newSeries(key: string, sample: Sample, wallMs: number): BufferedSeries {
    const entry: BufferedSeries = { key, metric: sample.metric, labels: sample.labels, firstSeen: wallMs, length: 0, slot: this.slots.length, lastTick: -1 };
    this.series.set(key, entry);
    this.slots.push(entry);
    return entry;
  }

  /** The chunk holding `tick`, allocated (or taken from an earlier block and emptied) when the block reaches it. */
  private chunkFor(tick: number): Chunk {
    const index = Math.floor(tick / CHUNK_TICKS);
    const existing = this.chunks[index];
    if (existing) return existing;
    const stride = strideFor(this.slots.length);
    const spare = this.spareChunks[index];
    let chunk: Chunk;
    // An earlier block's chunk is reused when it fits and is not much wider than the series now: a
    // burst of short-lived series (processes) widens the table for a block, and reusing its chunks
    // for every block after would keep that width, in memory and in the NaN filled per tick, for good.
    if (spare && spare.values.length >= stride * CHUNK_TICKS && spare.values.length <= 2 * stride * CHUNK_TICKS) {
      chunk = { stride: Math.floor(spare.values.length / CHUNK_TICKS), values: spare.values };
      chunk.values.fill(Number.NaN);
    } else chunk = { stride, values: new Float64Array(stride * CHUNK_TICKS).fill(Number.NaN) };
    this.chunks[index] = chunk;
    return chunk;
  }

  /** New series outgrew the chunk holding `tick`: copies it into a wider one. */
  private widen(tick: number): Chunk {
    const index = Math.floor(tick / CHUNK_TICKS);
    const old = this.chunks[index]!;
    const stride = strideFor(this.slots.length);
    const values = new Float64Array(stride * CHUNK_TICKS).fill(Number.NaN);
    for (let r = 0; r < CHUNK_TICKS; r++) values.set(old.values.subarray(r * old.stride, (r + 1) * old.stride), r * stride);
    const chunk = { stride, values };
    this.chunks[index] = chunk;
    return chunk;
  }
}

/** Columns for `series` series, with room for a few more to come. */
function strideFor(series: number): number {
  return Math.ceil((series + 8) * 1.125);
}
