import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS } from "./buckets.ts";
import { readDirectory } from "./raw-block.ts";

/** How long each kind of history is kept, in milliseconds. */
export interface RetentionSettings {
  /** Raw points. */
  rawMs: number;
  /** Roll-ups, anomalies, delivery attempts, and finished alerts, notifications and silences. */
  rollupMs: number;
  /**
   * Raw points are deleted in whole steps of this (ms, whole hours; default an hour). Raw points
   * past the raw window are never read (older ranges read the roll-ups), so deleting them a few
   * hours at a time changes no answer and touches the file less often.
   */
  rawStepMs?: number;
}

/** Rows deleted, by table. */
export type DeletedRows = Record<string, number>;

/**
 * Deletes what is older than its retention. Cut-offs fall on whole hours, so the deletes happen once
 * an hour (each takes an hour off the front of every series' range) instead of trimming a few rows
 * off every series on every run. Alerts that are still open, notifications still to deliver and
 * silences still in force and remediation runs not yet final are never deleted. Series left with no data anywhere are forgotten
 * (their ids go to `onSeriesDeleted`, so that the caller's index drops them without reading the table again).
 */
export function applyRetention(db: Database, now: number, settings: RetentionSettings, onSeriesDeleted?: (ids: number[]) => void): DeletedRows {
  const raw = floorTo(now - settings.rawMs, settings.rawStepMs ?? HOUR_MS);
  const old = floorTo(now - settings.rollupMs, HOUR_MS);
  const deleted: DeletedRows = {};
  const run = (table: string, sql: string, cutoff: number) => {
    const changes = db.run(sql, [cutoff]).changes;
    if (changes > 0) deleted[table] = changes;
  };
  db.transaction(() => {
    // `series_id IN (SELECT id FROM series)` turns one scan of the table into a range per series.
    run("points", "DELETE FROM points WHERE series_id IN (SELECT id FROM series) AND ts < ?", raw);
    // Blocks never span an hour and the cut-off is on one: a block is kept or deleted whole. One not
    // yet rolled up waits for its roll-up, as points_recent always did.
    run("raw_blocks", "DELETE FROM raw_blocks WHERE start_ts < ? AND id NOT IN (SELECT id FROM raw_blocks_pending)", raw);
    run("rollup_1m", "DELETE FROM rollup_1m WHERE series_id IN (SELECT id FROM series) AND ts < ?", old);
    run("rollup_1h", "DELETE FROM rollup_1h WHERE series_id IN (SELECT id FROM series) AND ts < ?", old);
    // Whole roll-up blocks, as raw blocks: none spans an hour.
    run("rollup_blocks", "DELETE FROM rollup_blocks WHERE start_ts < ?", old);
    run("anomalies", "DELETE FROM anomalies WHERE ts < ?", old);
    run("delivery_attempts", "DELETE FROM delivery_attempts WHERE ts < ?", old);
    run("notifications", "DELETE FROM notifications WHERE status IN ('delivered', 'dead') AND updated_at < ?", old);
    run("alerts", "DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?", old);
    run("silences", "DELETE FROM silences WHERE ends_at < ?", old);
    run("remediation_runs", "DELETE FROM remediation_runs WHERE outcome NOT IN ('awaiting_approval', 'running', 'verifying') AND updated_at < ?", old);
    // A series can only have become empty if history was deleted just now (hourly), and the check
    // reads the whole write buffer: skip it on the other runs.
    if (!deleted.points && !deleted.raw_blocks && !deleted.rollup_1m && !deleted.rollup_1h && !deleted.rollup_blocks) return;
    const gone = db
      .query<{ id: number }, [number, string]>(
        `DELETE FROM series WHERE created_at < ?
           AND NOT EXISTS (SELECT 1 FROM points WHERE series_id = series.id)
           AND NOT EXISTS (SELECT 1 FROM rollup_1m WHERE series_id = series.id)
           AND NOT EXISTS (SELECT 1 FROM rollup_1h WHERE series_id = series.id)
           AND id NOT IN (SELECT DISTINCT series_id FROM points_recent)
           AND id NOT IN (SELECT value FROM json_each(?))
         RETURNING id`,
      )
      .all(raw, JSON.stringify(seriesInBlocks(db)));
    if (gone.length > 0) {
      deleted.series = gone.length;
      onSeriesDeleted?.(gone.map((row) => row.id));
    }
  })();
  return deleted;
}

/**
 * Ids of the series that raw blocks or roll-up blocks hold points of (read from their directories
 * only). Every series of a minute's roll-up block is in its hour's block too, and the two go at the
 * same cut-off: the hours' blocks (one an hour once merged) are enough.
 */
function seriesInBlocks(db: Database): number[] {
  const ids = new Set<number>();
  const sql = `SELECT series FROM raw_blocks UNION ALL SELECT series FROM rollup_blocks WHERE resolution = ${HOUR_MS}`;
  for (const row of db.query<{ series: Uint8Array }, []>(sql).iterate()) {
    for (const entry of readDirectory(row.series)) ids.add(entry.id);
  }
  return [...ids];
}
