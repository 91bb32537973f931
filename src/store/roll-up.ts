import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";
import { decodeEntry, readDirectory } from "./raw-block.ts";
import { encodeRollupBlock, mergeRollupBlocks } from "./rollup-block.ts";

/**
 * How long after an hour ends maintenance waits before it moves that hour: the last tick of the hour
 * is written a collection time-out after its timestamp at worst.
 */
export const ROLLUP_GRACE_MS = 120_000;

/**
 * Complete hours of raw blocks that wait before maintenance rolls them up, all at once. Each roll-up
 * touches a page or two of every series in the 1-minute and 1-hour roll-ups, whatever it adds, so
 * four hours at a time write about half as much as one (`npm run bench:store`). Queries roll up the
 * waiting hours on the fly, so they answer the same meanwhile.
 */
export const ROLLUP_BATCH_HOURS = 4;

/**
 * Whether `rollUp` has work due: `batchHours` complete hours of raw blocks wait, or any complete hour
 * of what an older agent left in `points_recent` (moved as soon as it is complete, as before).
 */
export function rollUpDue(db: Database, now: number, batchHours = ROLLUP_BATCH_HOURS, graceMs = ROLLUP_GRACE_MS): boolean {
  const boundary = floorTo(now - graceMs, HOUR_MS);
  const legacy = db.query<{ ts: number | null }, []>("SELECT min(ts) AS ts FROM points_recent").get()?.ts ?? null;
  if (legacy !== null && legacy < boundary) return true;
  const pending = db.query<{ ts: number | null }, []>("SELECT min(start_ts) AS ts FROM raw_blocks_pending").get()?.ts ?? null;
  return pending !== null && floorTo(pending, HOUR_MS) <= boundary - batchHours * HOUR_MS;
}

/** What one roll-up did. */
export interface RollUpReport {
  /** Hours moved out of the write buffer. */
  hours: number;
  /** Raw points moved. */
  points: number;
}

/**
 * Rolls up every complete hour of raw points: the raw blocks not yet rolled up (`rollUpBlocks`), then
 * what an older agent left in its write buffer (`points_recent`).
 */
export function rollUp(db: Database, now: number, graceMs = ROLLUP_GRACE_MS): RollUpReport {
  const blocks = rollUpBlocks(db, now, graceMs);
  const legacy = rollUpPointsRecent(db, now, graceMs);
  return { hours: blocks.hours + legacy.hours, points: blocks.points + legacy.points };
}

/** Adds the hour starting at ?1 to the 1-hour roll-up, from its minutes. */
const HOUR_FROM_MINUTES = `INSERT OR REPLACE INTO rollup_1h (series_id, ts, min_value, max_value, sum_value, count)
   SELECT series_id, ?1, min(min_value), max(max_value), sum(sum_value), sum(count)
   FROM rollup_1m WHERE series_id IN (SELECT id FROM series) AND ts >= ?1 AND ts < ?2 GROUP BY series_id`;

interface Bucket {
  lo: number;
  hi: number;
  total: number;
  n: number;
}

/**
 * Adds the raw blocks of every complete hour that are not yet rolled up to the 1-minute and 1-hour
 * roll-ups, one hour per transaction, and marks them rolled up (they stay, as raw points, until
 * retention). Blocks written late (a clock set back) into an hour already rolled up merge into its
 * minutes, and the hour is computed again from them.
 */
export function rollUpBlocks(db: Database, now: number, graceMs = ROLLUP_GRACE_MS): RollUpReport {
  const boundary = floorTo(now - graceMs, HOUR_MS);
  const oldest = db.query<{ ts: number | null }, []>("SELECT min(start_ts) AS ts FROM raw_blocks_pending");
  const blocksOf = db.query<{ id: number; series: Uint8Array; data: Uint8Array }, [number, number]>(
    "SELECT id, series, data FROM raw_blocks WHERE id IN (SELECT id FROM raw_blocks_pending WHERE start_ts >= ? AND start_ts < ?)",
  );
  const addMinute = db.prepare<unknown, [number, number, number, number, number, number]>(
    `INSERT INTO rollup_1m (series_id, ts, min_value, max_value, sum_value, count) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (series_id, ts) DO UPDATE SET
       min_value = min(min_value, excluded.min_value),
       max_value = max(max_value, excluded.max_value),
       sum_value = sum_value + excluded.sum_value,
       count = count + excluded.count`,
  );
  const markRolled = db.prepare<unknown, [number, number]>("DELETE FROM raw_blocks_pending WHERE start_ts >= ? AND start_ts < ?");
  const rollHour = db.transaction((start: number): number => {
    const minutes = new Map<number, Map<number, Bucket>>();
    let points = 0;
    for (const row of blocksOf.all(start, start + HOUR_MS)) {
      for (const entry of readDirectory(row.series)) {
        let byMinute = minutes.get(entry.id);
        if (!byMinute) minutes.set(entry.id, (byMinute = new Map()));
        const { ts, values } = decodeEntry(row.data, entry);
        points += ts.length;
        for (let i = 0; i < ts.length; i++) {
          const minute = floorTo(ts[i]!, MINUTE_MS);
          const value = values[i]!;
          const b = byMinute.get(minute);
          if (!b) byMinute.set(minute, { lo: value, hi: value, total: value, n: 1 });
          else {
            b.lo = Math.min(b.lo, value);
            b.hi = Math.max(b.hi, value);
            b.total += value;
            b.n++;
          }
        }
      }
    }
    // Series order: each series' minutes are one range of the roll-up's tree.
    for (const id of [...minutes.keys()].sort((a, b) => a - b)) {
      for (const [minute, b] of minutes.get(id)!) addMinute.run(id, minute, b.lo, b.hi, b.total, b.n);
    }
    db.run(HOUR_FROM_MINUTES, [start, start + HOUR_MS]);
    markRolled.run(start, start + HOUR_MS);
    return points;
  });
  const report: RollUpReport = { hours: 0, points: 0 };
  for (;;) {
    const first = oldest.get()?.ts ?? null;
    if (first === null || first >= boundary) return report;
    report.points += rollHour(floorTo(first, HOUR_MS));
    report.hours++;
  }
}

/**
 * Moves every complete hour of raw points out of the write buffer (`points_recent`) into `points`,
 * and adds them to the 1-minute and 1-hour roll-ups, one hour per transaction. Batching by the hour
 * writes each series' range once an hour rather than once a tick. Late points (a clock set back) land
 * in an hour already rolled up: its minutes merge them instead of being replaced, and the hour is
 * computed again from its minutes.
 */
export function rollUpPointsRecent(db: Database, now: number, graceMs = ROLLUP_GRACE_MS): RollUpReport {
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
    db.run(HOUR_FROM_MINUTES, [start, start + HOUR_MS]);
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

/**
 * Merges the shares of one complete hour (each raw block writes its hour's share with it, see
 * `sample-writer.ts`) into one row, the oldest hour first; a share written late (a clock set back)
 * into an hour already merged is merged the same way. One hour a run, a few kilobytes, so that a
 * maintenance run stays short; returns the hour merged, or null when none waits. A query reads the
 * shares or the merged row alike: this only keeps long 1-hour queries to a row an hour.
 */
export function mergeHourBlocks(db: Database, now: number, graceMs = ROLLUP_GRACE_MS): number | null {
  const boundary = floorTo(now - graceMs, HOUR_MS);
  const hour = db
    .query<{ ts: number }, [number, number]>(
      "SELECT start_ts AS ts FROM rollup_blocks WHERE resolution = ? AND start_ts < ? GROUP BY start_ts HAVING count(*) > 1 ORDER BY start_ts LIMIT 1",
    )
    .get(HOUR_MS, boundary)?.ts;
  if (hour === undefined) return null;
  db.transaction(() => {
    const shares = db
      .query<{ series: Uint8Array; data: Uint8Array }, [number, number]>("SELECT series, data FROM rollup_blocks WHERE resolution = ? AND start_ts = ?")
      .all(HOUR_MS, hour);
    const merged = encodeRollupBlock(mergeRollupBlocks(shares));
    db.run("DELETE FROM rollup_blocks WHERE resolution = ? AND start_ts = ?", [HOUR_MS, hour]);
    db.run("INSERT INTO rollup_blocks (resolution, start_ts, end_ts, series, data) VALUES (?, ?, ?, ?, ?)", [HOUR_MS, hour, hour, merged.series, merged.data]);
  })();
  return hour;
}
