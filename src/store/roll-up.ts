import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";

/**
 * How long after an hour ends maintenance waits before it moves that hour: the last tick of the hour
 * is written a collection time-out after its timestamp at worst.
 */
export const ROLLUP_GRACE_MS = 120_000;

/** What one roll-up did. */
export interface RollUpReport {
  /** Hours moved out of the write buffer. */
  hours: number;
  /** Raw points moved. */
  points: number;
}

/**
 * Moves every complete hour of raw points out of the write buffer (`points_recent`) into `points`,
 * and adds them to the 1-minute and 1-hour roll-ups, one hour per transaction. Batching by the hour
 * writes each series' range once an hour rather than once a tick. Late points (a clock set back) land
 * in an hour already rolled up: its minutes merge them instead of being replaced, and the hour is
 * computed again from its minutes.
 */
export function rollUp(db: Database, now: number, graceMs = ROLLUP_GRACE_MS): RollUpReport {
  const boundary = floorTo(now - graceMs, HOUR_MS);
  const oldest = db.query<{ ts: number | null }, []>("SELECT min(ts) AS ts FROM points_recent");
  const moveHour = db.transaction((start: number, end: number): number => {
    db.run("INSERT OR REPLACE INTO points (series_id, ts, value) SELECT series_id, ts, value FROM points_recent WHERE ts < ? ORDER BY series_id, ts", [end]);
    db.run(
      `INSERT INTO rollup_1m (series_id, ts, min_value, max_value, sum_value, count)
       SELECT series_id, ts - ts % ${MINUTE_MS} AS bucket, min(value), max(value), sum(value), count(*)
       FROM points_recent WHERE ts < ? GROUP BY series_id, bucket
       ON CONFLICT (series_id, ts) DO UPDATE SET
         min_value = min(min_value, excluded.min_value),
         max_value = max(max_value, excluded.max_value),
         sum_value = sum_value + excluded.sum_value,
         count = count + excluded.count`,
      [end],
    );
    // The hour from its 60 minutes (a range per series), not from its raw points again: half the
    // work, and an hour that took late points stays equal to the sum of its minutes.
    db.run(
      `INSERT OR REPLACE INTO rollup_1h (series_id, ts, min_value, max_value, sum_value, count)
       SELECT series_id, ?1, min(min_value), max(max_value), sum(sum_value), sum(count)
       FROM rollup_1m WHERE series_id IN (SELECT id FROM series) AND ts >= ?1 AND ts < ?2 GROUP BY series_id`,
      [start, start + HOUR_MS],
    );
    return db.run("DELETE FROM points_recent WHERE ts < ?", [end]).changes;
  });
  const report: RollUpReport = { hours: 0, points: 0 };
  for (;;) {
    const first = oldest.get()?.ts ?? null;
    if (first === null || first >= boundary) return report;
    const start = floorTo(first, HOUR_MS);
    report.points += moveHour(start, Math.min(start + HOUR_MS, boundary));
    report.hours++;
  }
}
