import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS } from "./buckets.ts";
import { type BlockPoints, ByteReader, ByteWriter, deflate, inflate, readTimestamps, readXorValues, writeTimestamps, writeXorValues } from "./point-block.ts";
import { encodeDirectory, readDirectory } from "./raw-block.ts";

/** Min, max, sum and count of a series' points per bucket (a minute or an hour), oldest bucket first. */
export interface Buckets {
  /** Start of each bucket, ms. */
  ts: number[];
  lo: number[];
  hi: number[];
  total: number[];
  n: number[];
}

/** One series' buckets in a roll-up block, under its series id. */
export interface SeriesBuckets extends Buckets {
  id: number;
}

/** First byte of a roll-up block's data: the layout below. */
const FORMAT = 1;

/** An empty set of buckets. */
export function noBuckets(): Buckets {
  return { ts: [], lo: [], hi: [], total: [], n: [] };
}

/**
 * Adds points (in time order) to buckets of `size` ms: a point of the last bucket merges into it, a
 * later one starts a new bucket. Returns `into`.
 */
export function addToBuckets(into: Buckets, points: BlockPoints, size: number, count = points.ts.length): Buckets {
  const { ts, values } = points;
  let last = into.ts.length - 1;
  for (let i = 0; i < count; i++) {
    const bucket = floorTo(ts[i]!, size);
    const value = values[i]!;
    if (last >= 0 && into.ts[last] === bucket) {
      if (value < into.lo[last]!) into.lo[last] = value;
      if (value > into.hi[last]!) into.hi[last] = value;
      into.total[last]! += value;
      into.n[last]!++;
    } else {
      into.ts.push(bucket);
      into.lo.push(value);
      into.hi.push(value);
      into.total.push(value);
      into.n.push(1);
      last++;
    }
  }
  return into;
}

/** A roll-up block as stored (a row of `rollup_blocks`): the directory of its series and their buckets, compressed together. */
export interface EncodedRollupBlock {
  series: Uint8Array;
  data: Uint8Array;
}

/**
 * Encodes the buckets of a few minutes (or an hour) of every series: per series its bucket starts
 * (one byte each at a steady size), min, max and sum as XOR streams (see `writeXorValues`) and the
 * counts, then deflate over the whole block, which is small (a bucket is a few bytes, a series a few
 * buckets). The directory (id and length of each series' part) is its own column, as in a raw block,
 * so which series a block holds is read without inflating it.
 */
export function encodeRollupBlock(series: readonly SeriesBuckets[]): EncodedRollupBlock {
  const out = new ByteWriter(64 + series.length * 64);
  const entries: Array<{ id: number; length: number }> = [];
  for (const s of series) {
    const start = out.size;
    out.varint(s.ts.length);
    writeTimestamps(out, s.ts);
    writeXorValues(out, s.lo);
    writeXorValues(out, s.hi);
    writeXorValues(out, s.total);
    for (const n of s.n) out.varint(n);
    entries.push({ id: s.id, length: out.size - start });
  }
  const packed = deflate(out.bytes());
  const data = new Uint8Array(packed.length + 1);
  data[0] = FORMAT;
  data.set(packed, 1);
  return { series: encodeDirectory(entries), data };
}

/** The buckets of the series of a roll-up block that `wanted` accepts (all when it is absent). */
export function decodeRollupBlock(block: EncodedRollupBlock, wanted?: (id: number) => boolean): SeriesBuckets[] {
  const entries = readDirectory(block.series);
  if (wanted && !entries.some((e) => wanted(e.id))) return [];
  if (block.data[0] !== FORMAT) throw new Error(`store: unknown roll-up block format ${block.data[0]}`);
  const bytes = inflate(block.data.subarray(1));
  const out: SeriesBuckets[] = [];
  for (const entry of entries) {
    if (wanted && !wanted(entry.id)) continue;
    const input = new ByteReader(bytes.subarray(entry.offset, entry.offset + entry.length));
    const count = input.varint();
    const b: SeriesBuckets = { id: entry.id, ts: new Array(count), lo: new Array(count), hi: new Array(count), total: new Array(count), n: new Array(count) };
    readTimestamps(input, b.ts);
    readXorValues(input, b.lo);
    readXorValues(input, b.hi);
    readXorValues(input, b.total);
    for (let i = 0; i < count; i++) b.n[i] = input.varint();
    out.push(b);
  }
  return out;
}

/**
 * Calls `visit` for each bucket of resolution `size` (ms) that starts in [from, to], of the series
 * `ids`. A roll-up block never spans an hour, so only those starting from the hour of `from` can hold
 * buckets in range.
 */
export function forEachRollupBucket(
  db: Database,
  size: number,
  ids: ReadonlySet<number>,
  from: number,
  to: number,
  visit: (id: number, ts: number, lo: number, hi: number, total: number, n: number) => void,
): void {
  if (ids.size === 0) return;
  const rows = db
    .query<EncodedRollupBlock, [number, number, number]>(
      "SELECT series, data FROM rollup_blocks WHERE resolution = ? AND start_ts >= ? AND start_ts <= ? ORDER BY start_ts, id",
    )
    .iterate(size, floorTo(from, HOUR_MS), to);
  for (const row of rows) {
    for (const b of decodeRollupBlock(row, (id) => ids.has(id))) {
      for (let i = 0; i < b.ts.length; i++) {
        const t = b.ts[i]!;
        if (t >= from && t <= to) visit(b.id, t, b.lo[i]!, b.hi[i]!, b.total[i]!, b.n[i]!);
      }
    }
  }
}

/** Merges several roll-up blocks of one span into one set of buckets per series (ids in ascending order). */
export function mergeRollupBlocks(blocks: readonly EncodedRollupBlock[]): SeriesBuckets[] {
  const bySeries = new Map<number, Map<number, { lo: number; hi: number; total: number; n: number }>>();
  for (const block of blocks) {
    for (const b of decodeRollupBlock(block)) {
      let buckets = bySeries.get(b.id);
      if (!buckets) bySeries.set(b.id, (buckets = new Map()));
      for (let i = 0; i < b.ts.length; i++) {
        const seen = buckets.get(b.ts[i]!);
        if (!seen) buckets.set(b.ts[i]!, { lo: b.lo[i]!, hi: b.hi[i]!, total: b.total[i]!, n: b.n[i]! });
        else {
          seen.lo = Math.min(seen.lo, b.lo[i]!);
          seen.hi = Math.max(seen.hi, b.hi[i]!);
          seen.total += b.total[i]!;
          seen.n += b.n[i]!;
        }
      }
    }
  }
  const out: SeriesBuckets[] = [];
  for (const id of [...bySeries.keys()].sort((a, b) => a - b)) {
    const merged: SeriesBuckets = { id, ...noBuckets() };
    for (const [ts, b] of [...bySeries.get(id)!].sort((a, b) => a[0] - b[0])) {
      merged.ts.push(ts);
      merged.lo.push(b.lo);
      merged.hi.push(b.hi);
      merged.total.push(b.total);
      merged.n.push(b.n);
    }
    out.push(merged);
  }
  return out;
}
