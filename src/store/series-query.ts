import type { Database } from "bun:sqlite";
import type { Labels } from "../contracts/sample.ts";
import { floorTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";
import { chooseResolution, type Resolution } from "./resolution.ts";
import { decodeEntry, forEachBlockPoint, readDirectory } from "./raw-block.ts";
import type { PendingBlocks } from "./pending-blocks.ts";
import { forEachRollupBucket } from "./rollup-block.ts";
import type { SeriesIndex } from "./series-index.ts";

/** A history query: one metric, label values that must match exactly, a range and a step, in ms. */
export interface SeriesQuery {
  metric: string;
  /** Every label given must have this value; labels not given match anything. */
  labels?: Labels;
  from: number;
  /** Inclusive. */
  to: number;
  /** Wanted spacing of points; the store picks the data by it (see `chooseResolution`). */
  step?: number;
}

/** One point of history. A bucket's `ts` is its start; `value` is the mean of what it holds. */
export interface HistoryPoint {
  ts: number;
  value: number;
  min: number;
  max: number;
  /** Raw points behind it. */
  count: number;
}

/** The history of one series. */
export interface SeriesHistory {
  metric: string;
  labels: Labels;
  points: HistoryPoint[];
}

/** What a history query returns: the data it read, the step (0: raw points as stored) and each series with points. */
export interface SeriesQueryResult {
  resolution: Resolution;
  step: number;
  series: SeriesHistory[];
}

/** Labels to match, for `listSeries` and `latest`. */
export interface SeriesFilter {
  metric?: string;
  labels?: Labels;
}

/** A series the store knows. */
export interface SeriesListing {
  key: string;
  metric: string;
  labels: Labels;
}

/** The newest point of a series. */
export interface LatestPoint {
  metric: string;
  labels: Labels;
  ts: number;
  value: number;
}

interface Row {
  id: number;
  bucket: number;
  lo: number;
  hi: number;
  total: number;
  n: number;
}

const IN_SERIES = "series_id IN (SELECT value FROM json_each(?1))";

/** Raw points (?2..?3) one by one, or (with ?4) grouped in buckets of ?4 ms. */
function rawSql(table: "points" | "points_recent", bucketed: boolean): string {
  // points is in series order, points_recent in time order: put each one's key first.
  const where = table === "points" ? `${IN_SERIES} AND ts >= ?2 AND ts <= ?3` : `ts >= ?2 AND ts <= ?3 AND ${IN_SERIES}`;
  return bucketed
    ? `SELECT series_id AS id, ts - ts % ?4 AS bucket, min(value) AS lo, max(value) AS hi, sum(value) AS total, count(*) AS n
       FROM ${table} WHERE ${where} GROUP BY series_id, bucket`
    : `SELECT series_id AS id, ts AS bucket, value AS lo, value AS hi, value AS total, 1 AS n FROM ${table} WHERE ${where}`;
}

function rollupSql(table: "rollup_1m" | "rollup_1h"): string {
  return `SELECT series_id AS id, ts - ts % ?4 AS bucket, min(min_value) AS lo, max(max_value) AS hi, sum(sum_value) AS total, sum(count) AS n
          FROM ${table} WHERE ${IN_SERIES} AND ts >= ?2 AND ts <= ?3 GROUP BY series_id, bucket`;
}

/** A series a query matched: known to the store (`id`), or so far only in the raw buffer. */
interface Matched {
  id: number | undefined;
  key: string;
  metric: string;
  labels: Labels;
}

/** Series of the store and of the raw buffer (not yet written) that match, sorted by key. */
function matchSeries(index: SeriesIndex, pending: PendingBlocks | undefined, metric?: string, labels?: Labels): Matched[] {
  const out: Matched[] = index.find(metric, labels);
  if (pending) {
    const seen = new Set<string>();
    for (const entry of pending.buffers().flatMap((b) => [...b.entries()])) {
      if (index.byKeyOf(entry.key) || seen.has(entry.key)) continue;
      seen.add(entry.key);
      if (metric !== undefined && entry.metric !== metric) continue;
      if (labels && !Object.entries(labels).every(([name, value]) => entry.labels[name] === value)) continue;
      out.push({ id: undefined, key: entry.key, metric: entry.metric, labels: entry.labels });
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return out;
}

/**
 * Reads the history of the series that match. Raw points come from the raw blocks, from the raw
 * buffer (the newest minutes, not yet written) and from the tables older agents wrote; roll-ups from
 * the roll-up blocks (written with each raw block) and those tables, and the raw buffer and any raw
 * block an older agent left unrolled are rolled up on the fly, so the newest points are never missing.
 */
export function querySeries(
  db: Database,
  index: SeriesIndex,
  query: SeriesQuery,
  now: number,
  rawRetentionMs: number,
  pending?: PendingBlocks,
): SeriesQueryResult {
  const { resolution, step } = chooseResolution(query, now, rawRetentionMs);
  const matched = matchSeries(index, pending, query.metric, query.labels);
  if (matched.length === 0) return { resolution, step, series: [] };
  const known = matched.filter((s) => s.id !== undefined);
  const keyOfId = new Map(known.map((s) => [s.id!, s.key]));
  const ids = JSON.stringify(known.map((s) => s.id));

  let reads: Array<[sql: string, from: number]>;
  let from = query.from;
  if (resolution === "raw") {
    reads = [
      [rawSql("points", step > 0), from],
      [rawSql("points_recent", step > 0), from],
    ];
  } else {
    // A roll-up bucket starting before `from` still holds points inside the range.
    from = floorTo(query.from, resolution === "1m" ? MINUTE_MS : HOUR_MS);
    reads = [
      [rollupSql(resolution === "1m" ? "rollup_1m" : "rollup_1h"), from],
      [rawSql("points_recent", true), from],
    ];
  }

  const byKey = new Map<string, Map<number, Row>>();
  const merge = (key: string, row: Row) => {
    let buckets = byKey.get(key);
    if (!buckets) byKey.set(key, (buckets = new Map()));
    const seen = buckets.get(row.bucket);
    if (!seen) buckets.set(row.bucket, row);
    else {
      // The same bucket from two sources: an hour that was being moved, or a step wider than a block.
      seen.lo = Math.min(seen.lo, row.lo);
      seen.hi = Math.max(seen.hi, row.hi);
      seen.total += row.total;
      seen.n += row.n;
    }
  };
  if (known.length > 0) {
    for (const [sql, readFrom] of reads) {
      const params: Array<string | number> = step > 0 ? [ids, readFrom, query.to, step] : [ids, readFrom, query.to];
      for (const row of db.query<Row, Array<string | number>>(sql).all(...params)) merge(keyOfId.get(row.id)!, row);
    }
  }
  const point = (key: string, ts: number, value: number) =>
    merge(key, { id: 0, bucket: step > 0 ? ts - (ts % step) : ts, lo: value, hi: value, total: value, n: 1 });
  const knownIds = new Set(keyOfId.keys());
  // Raw blocks: all of them for raw points; otherwise the roll-up blocks, and the raw blocks an
  // older agent left waiting for their roll-up.
  forEachBlockPoint(db, knownIds, from, query.to, resolution !== "raw", (id, ts, value) => point(keyOfId.get(id)!, ts, value));
  if (resolution !== "raw") {
    forEachRollupBucket(db, resolution === "1m" ? MINUTE_MS : HOUR_MS, knownIds, from, query.to, (id, ts, lo, hi, total, n) =>
      merge(keyOfId.get(id)!, { id, bucket: ts - (ts % step), lo, hi, total, n }),
    );
  }
  for (const buffer of pending?.buffers() ?? []) {
    for (const s of matched) {
      const entry = buffer.get(s.key);
      if (!entry) continue;
      const { ts: times, values } = buffer.pointsOf(entry);
      for (let i = 0; i < times.length; i++) {
        const ts = times[i]!;
        if (ts >= from && ts <= query.to) point(s.key, ts, values[i]!);
      }
    }
  }

  const series: SeriesHistory[] = [];
  for (const info of matched) {
    const buckets = byKey.get(info.key);
    if (!buckets) continue;
    const points = [...buckets.values()]
      .sort((a, b) => a.bucket - b.bucket)
      .map((r) => ({ ts: r.bucket, value: r.total / r.n, min: r.lo, max: r.hi, count: r.n }));
    series.push({ metric: info.metric, labels: info.labels, points });
  }
  return { resolution, step, series };
}

/** The series the store knows (and those only in the raw buffer so far) that match, sorted by key. */
export function listSeries(index: SeriesIndex, filter: SeriesFilter = {}, pending?: PendingBlocks): SeriesListing[] {
  return matchSeries(index, pending, filter.metric, filter.labels).map(({ key, metric, labels }) => ({ key, metric, labels }));
}

/**
 * The newest point of every series that matches: from the raw buffer, else the raw blocks newest
 * first (the read stops once every series is found, after one block when the host is steady), else
 * the tables older agents wrote.
 */
export function latest(db: Database, index: SeriesIndex, filter: SeriesFilter = {}, pending?: PendingBlocks): LatestPoint[] {
  const matched = matchSeries(index, pending, filter.metric, filter.labels);
  const found = new Map<string, { ts: number; value: number }>();
  // Newest first: the block being filled, then the one being encoded.
  for (const buffer of (pending?.buffers() ?? []).reverse()) {
    for (const s of matched) {
      if (found.has(s.key)) continue;
      const entry = buffer.get(s.key);
      const last = entry && buffer.lastOf(entry);
      if (last) found.set(s.key, last);
    }
  }
  const wanted = new Map<number, string>();
  for (const s of matched) if (s.id !== undefined && !found.has(s.key)) wanted.set(s.id, s.key);
  if (wanted.size > 0) {
    const blocks = db.prepare<{ series: Uint8Array; data: Uint8Array }, []>("SELECT series, data FROM raw_blocks ORDER BY start_ts DESC, id DESC");
    try {
      for (const row of blocks.iterate()) {
        for (const entry of readDirectory(row.series)) {
          const key = wanted.get(entry.id);
          if (key === undefined || found.has(key)) continue;
          const { ts, values } = decodeEntry(row.data, entry);
          if (ts.length > 0) found.set(key, { ts: ts.at(-1)!, value: values.at(-1)! });
        }
        if ([...wanted.values()].every((key) => found.has(key))) break;
      }
    } finally {
      blocks.finalize();
    }
  }
  const missing = new Map<number, string>([...wanted].filter(([, key]) => !found.has(key)));
  if (missing.size > 0) {
    const recent = db.prepare<{ ts: number; id: number; value: number }, []>("SELECT ts, series_id AS id, value FROM points_recent ORDER BY ts DESC");
    try {
      let left = missing.size;
      for (const row of recent.iterate()) {
        if (left === 0) break;
        const key = missing.get(row.id);
        if (key !== undefined && !found.has(key)) {
          found.set(key, { ts: row.ts, value: row.value });
          left--;
        }
      }
    } finally {
      recent.finalize();
    }
    const older = db.query<{ ts: number; value: number }, [number]>("SELECT ts, value FROM points WHERE series_id = ? ORDER BY ts DESC LIMIT 1");
    for (const [id, key] of missing) {
      if (found.has(key)) continue;
      const point = older.get(id);
      if (point) found.set(key, point);
    }
  }
  const out: LatestPoint[] = [];
  for (const s of matched) {
    const point = found.get(s.key);
    if (point) out.push({ metric: s.metric, labels: s.labels, ts: point.ts, value: point.value });
  }
  return out;
}
