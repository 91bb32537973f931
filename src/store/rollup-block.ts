import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS } from "./buckets.ts";
import { type BlockPoints, ByteReader, ByteWriter, deflate, inflate, readTimestamps, readXorValues, writeTimestamps, writeXorValues } from "./point-block.ts";
import { type BlockEntry, encodeDirectory, readDirectory } from "./raw-block.ts";

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

/**
 * First byte of a roll-up block's data: the layout. 1 (migration 7): every series' part, deflated
 * together; 2: parts deflated in groups of GROUP_SERIES series (see `encodeRollupBlock`). Migration 8
 * converts blocks of layout 1; a block of another layout is refused, not misread.
 */
const WHOLE = 1;
const GROUPED = 2;

/**
 * Series per compressed group of a roll-up block. A history query of one series inflates only its
 * group: over 24 hours at 1 s on `bench:store`'s large host (813 series), 288 groups of 2.7 KB
 * instead of 288 blocks of 71 KB. Deflate still sees enough alike series to squeeze: groups of 32
 * make the minute blocks 4.5 % larger than one deflate of the whole block (64: 2 %, 8: 18 %, 1: 61 %).
 */
export const GROUP_SERIES = 32;

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

/** A roll-up block as stored (a row of `rollup_blocks`): the directory of its series and their buckets, compressed in groups of series. */
export interface EncodedRollupBlock {
  series: Uint8Array;
  data: Uint8Array;
}

/**
 * Encodes the buckets of a few minutes (or an hour) of every series: per series its bucket starts
 * (one byte each at a steady size), min, max and sum as XOR streams (see `writeXorValues`) and the
 * counts. The directory (id and length of each series' part) is its own column, as in a raw block,
 * so which series a block holds is read without inflating anything; the parts are deflated in groups
 * of GROUP_SERIES series, each after its compressed length, so a query inflates only the groups of
 * the series it asks for.
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
  return { series: encodeDirectory(entries), data: groupParts(out.bytes(), entries) };
}

/** The parts (one after the other in `parts`, `entries` long each) as a block's data of layout GROUPED. */
function groupParts(parts: Uint8Array, entries: ReadonlyArray<{ length: number }>): Uint8Array {
  const chunks: Uint8Array[] = [Uint8Array.of(GROUPED)];
  let offset = 0;
  for (let first = 0; first < entries.length; first += GROUP_SERIES) {
    let length = 0;
    for (let i = first; i < Math.min(first + GROUP_SERIES, entries.length); i++) length += entries[i]!.length;
    const packed = deflate(parts.subarray(offset, offset + length));
    const size = new ByteWriter(4);
    size.varint(packed.length);
    chunks.push(size.bytes(), packed);
    offset += length;
  }
  const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  return data;
}

/**
 * The data of a block of layout 1 (every part deflated together) in layout 2, its directory kept;
 * a block already grouped comes back as it is. For migration 8.
 */
export function regroupRollupBlock(block: EncodedRollupBlock): Uint8Array {
  if (block.data[0] === GROUPED) return block.data;
  if (block.data[0] !== WHOLE) throw new Error(`store: unknown roll-up block format ${block.data[0]}`);
  return groupParts(inflate(block.data.subarray(1)), readDirectory(block.series));
}

/**
 * The uncompressed parts that hold the entries `wanted` accepts, by entry index: the whole block
 * inflated once for layout 1, only the groups with a wanted entry for layout 2. Offsets are the
 * entries' own (`readDirectory`), so each group is placed where its parts sit in the block.
 */
function inflateWanted(data: Uint8Array, entries: readonly BlockEntry[], wanted: (i: number) => boolean): Uint8Array {
  if (data[0] === WHOLE) return inflate(data.subarray(1));
  if (data[0] !== GROUPED) throw new Error(`store: unknown roll-up block format ${data[0]}`);
  const last = entries.at(-1);
  const bytes = new Uint8Array(last ? last.offset + last.length : 0);
  const input = new ByteReader(data);
  input.byte();
  for (let first = 0; first < entries.length; first += GROUP_SERIES) {
    const length = input.varint();
    const end = Math.min(first + GROUP_SERIES, entries.length);
    let needed = false;
    for (let i = first; i < end && !needed; i++) needed = wanted(i);
    if (needed) bytes.set(inflate(input.take(length)), entries[first]!.offset);
    else input.skip(length);
  }
  return bytes;
}

/** The buckets of the series of a roll-up block that `wanted` accepts (all when it is absent). */
export function decodeRollupBlock(block: EncodedRollupBlock, wanted?: (id: number) => boolean): SeriesBuckets[] {
  const entries = readDirectory(block.series);
  const chosen = entries.map((e) => !wanted || wanted(e.id));
  if (!chosen.includes(true)) return [];
  const bytes = inflateWanted(block.data, entries, (i) => chosen[i]!);
  const out: SeriesBuckets[] = [];
  entries.forEach((entry, i) => {
    if (!chosen[i]) return;
    const input = new ByteReader(bytes.subarray(entry.offset, entry.offset + entry.length));
    const count = input.varint();
    const b: SeriesBuckets = { id: entry.id, ts: new Array(count), lo: new Array(count), hi: new Array(count), total: new Array(count), n: new Array(count) };
    readTimestamps(input, b.ts);
    readXorValues(input, b.lo);
    readXorValues(input, b.hi);
    readXorValues(input, b.total);
    for (let i = 0; i < count; i++) b.n[i] = input.varint();
    out.push(b);
  });
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
