import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS } from "./buckets.ts";
import { type DecodedPoints, decodeBlock } from "./point-block.ts";

/** Where a series' encoded points sit in a raw block's `data`. */
export interface BlockEntry {
  id: number;
  offset: number;
  length: number;
}

/**
 * A raw block as stored (a row of `raw_blocks`): the directory of the series it holds (id and length
 * of each, in `series`) and their encoded points one after the other (in `data`). The directory is
 * its own column, so that finding which series a block holds reads a few hundred bytes, and a query
 * decodes only the series it asks for.
 */
export interface EncodedRawBlock {
  series: Uint8Array;
  data: Uint8Array;
}

/** A raw block of the series `ids`, whose points were encoded (`encodeBlock`) into `parts`, index for index. */
export function joinRawBlock(ids: readonly number[], parts: readonly Uint8Array[]): EncodedRawBlock {
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return { series: encodeDirectory(ids.map((id, i) => ({ id, length: parts[i]!.length }))), data };
}

/** A block's directory: how many series, then each one's id and the length of its part, as varints. */
export function encodeDirectory(entries: ReadonlyArray<{ id: number; length: number }>): Uint8Array {
  const directory: number[] = [];
  pushVarint(directory, entries.length);
  for (const e of entries) {
    pushVarint(directory, e.id);
    pushVarint(directory, e.length);
  }
  return Uint8Array.from(directory);
}

/** The series a block holds and where their points are. */
export function readDirectory(series: Uint8Array): BlockEntry[] {
  let at = 0;
  const next = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= series.length) throw new Error("store: raw block directory ends early");
      const b = series[at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  };
  const count = next();
  const out: BlockEntry[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const id = next();
    const length = next();
    out.push({ id, offset, length });
    offset += length;
  }
  return out;
}

/** The points of one entry of a block. */
export function decodeEntry(data: Uint8Array, entry: BlockEntry): DecodedPoints {
  return decodeBlock(data.subarray(entry.offset, entry.offset + entry.length));
}

function pushVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/**
 * Calls `visit` for each point in [from, to] of the series `ids` held in raw blocks (only those not
 * yet rolled up when `unrolledOnly`). Blocks never span an hour, so only those starting from the
 * hour of `from` can hold points in range; only the series asked for are decoded.
 */
export function forEachBlockPoint(
  db: Database,
  ids: ReadonlySet<number>,
  from: number,
  to: number,
  unrolledOnly: boolean,
  visit: (id: number, ts: number, value: number) => void,
): void {
  if (ids.size === 0) return;
  const sql = `SELECT series, data FROM raw_blocks WHERE start_ts >= ?1 AND start_ts <= ?2${unrolledOnly ? " AND id IN (SELECT id FROM raw_blocks_pending)" : ""} ORDER BY start_ts, id`;
  for (const row of db.query<{ series: Uint8Array; data: Uint8Array }, [number, number]>(sql).iterate(floorTo(from, HOUR_MS), to)) {
    for (const entry of readDirectory(row.series)) {
      if (!ids.has(entry.id)) continue;
      const { ts, values } = decodeEntry(row.data, entry);
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i]!;
        if (t >= from && t <= to) visit(entry.id, t, values[i]!);
      }
    }
  }
}
