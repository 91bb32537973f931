import type { Database } from "bun:sqlite";
import type { Labels } from "../contracts/sample.ts";
import { floorTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";
import { chooseResolution, type Resolution } from "./resolution.ts";
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

/**
 * Reads the history of the series that match. Hours still in the write buffer are read from it (and
 * rolled up on the fly for the roll-up resolutions), so the newest minutes are never missing.
 */
export function querySeries(db: Database, index: SeriesIndex, query: SeriesQuery, now: number, rawRetentionMs: number): SeriesQueryResult {
  const { resolution, step } = chooseResolution(query, now, rawRetentionMs);
  const matched = index.find(query.metric, query.labels);
  if (matched.length === 0) return { resolution, step, series: [] };
  const ids = JSON.stringify(matched.map((s) => s.id));

  let reads: Array<[sql: string, from: number]>;
  if (resolution === "raw") {
    reads = [
      [rawSql("points", step > 0), query.from],
      [rawSql("points_recent", step > 0), query.from],
    ];
  } else {
    // A roll-up bucket starting before `from` still holds points inside the range.
    const from = floorTo(query.from, resolution === "1m" ? MINUTE_MS : HOUR_MS);
    reads = [
      [rollupSql(resolution === "1m" ? "rollup_1m" : "rollup_1h"), from],
      [rawSql("points_recent", true), from],
    ];
  }

  const bySeries = new Map<number, Map<number, Row>>();
  for (const [sql, from] of reads) {
    const params: Array<string | number> = step > 0 ? [ids, from, query.to, step] : [ids, from, query.to];
    for (const row of db.query<Row, Array<string | number>>(sql).all(...params)) {
      let buckets = bySeries.get(row.id);
      if (!buckets) bySeries.set(row.id, (buckets = new Map()));
      const seen = buckets.get(row.bucket);
      if (!seen) buckets.set(row.bucket, row);
      else {
        // The same bucket from two tables: an hour that was being moved, or a step wider than an hour.
        seen.lo = Math.min(seen.lo, row.lo);
        seen.hi = Math.max(seen.hi, row.hi);
        seen.total += row.total;
        seen.n += row.n;
      }
    }
  }

  const series: SeriesHistory[] = [];
  for (const info of matched) {
    const buckets = bySeries.get(info.id);
    if (!buckets) continue;
    const points = [...buckets.values()]
      .sort((a, b) => a.bucket - b.bucket)
      .map((r) => ({ ts: r.bucket, value: r.total / r.n, min: r.lo, max: r.hi, count: r.n }));
    series.push({ metric: info.metric, labels: info.labels, points });
  }
  return { resolution, step, series };
}

/** The series the store knows that match, sorted by key. */
export function listSeries(index: SeriesIndex, filter: SeriesFilter = {}): SeriesListing[] {
  return index.find(filter.metric, filter.labels).map(({ key, metric, labels }) => ({ key, metric, labels }));
}

/**
 * The newest point of every series that matches. The write buffer is read newest first and the read
 * stops once every series is found, which is after one tick when the host is steady; a series gone
 * for longer than the buffer holds is looked up in `points`.
 */
export function latest(db: Database, index: SeriesIndex, filter: SeriesFilter = {}): LatestPoint[] {
  const matched = index.find(filter.metric, filter.labels);
  const wanted = new Map(matched.map((s) => [s.id, s]));
  const found = new Map<number, { ts: number; value: number }>();
  const recent = db.prepare<{ ts: number; id: number; value: number }, []>(
    "SELECT ts, series_id AS id, value FROM points_recent ORDER BY ts DESC",
  );
  try {
    for (const row of recent.iterate()) {
      if (found.size === wanted.size) break;
      if (wanted.has(row.id) && !found.has(row.id)) found.set(row.id, { ts: row.ts, value: row.value });
    }
  } finally {
    recent.finalize();
  }
  const older = db.query<{ ts: number; value: number }, [number]>("SELECT ts, value FROM points WHERE series_id = ? ORDER BY ts DESC LIMIT 1");
  const out: LatestPoint[] = [];
  for (const info of matched) {
    const point = found.get(info.id) ?? older.get(info.id);
    if (point) out.push({ metric: info.metric, labels: info.labels, ts: point.ts, value: point.value });
  }
  return out;
}
