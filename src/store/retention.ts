import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS } from "./buckets.ts";

/** How long each kind of history is kept, in milliseconds. */
export interface RetentionSettings {
  /** Raw points. */
  rawMs: number;
  /** Roll-ups, anomalies, delivery attempts, and finished alerts, notifications and silences. */
  rollupMs: number;
}

/** Rows deleted, by table. */
export type DeletedRows = Record<string, number>;

/**
 * Deletes what is older than its retention. Cut-offs fall on whole hours, so the deletes happen once
 * an hour (each takes an hour off the front of every series' range) instead of trimming a few rows
 * off every series on every run. Alerts that are still open, notifications still to deliver and
 * silences still in force and remediation runs not yet final are never deleted. Series left with no data anywhere are forgotten.
 */
export function applyRetention(db: Database, now: number, settings: RetentionSettings): DeletedRows {
  const raw = floorTo(now - settings.rawMs, HOUR_MS);
  const old = floorTo(now - settings.rollupMs, HOUR_MS);
  const deleted: DeletedRows = {};
  const run = (table: string, sql: string, cutoff: number) => {
    const changes = db.run(sql, [cutoff]).changes;
    if (changes > 0) deleted[table] = changes;
  };
  db.transaction(() => {
    // `series_id IN (SELECT id FROM series)` turns one scan of the table into a range per series.
    run("points", "DELETE FROM points WHERE series_id IN (SELECT id FROM series) AND ts < ?", raw);
    run("rollup_1m", "DELETE FROM rollup_1m WHERE series_id IN (SELECT id FROM series) AND ts < ?", old);
    run("rollup_1h", "DELETE FROM rollup_1h WHERE series_id IN (SELECT id FROM series) AND ts < ?", old);
    run("anomalies", "DELETE FROM anomalies WHERE ts < ?", old);
    run("delivery_attempts", "DELETE FROM delivery_attempts WHERE ts < ?", old);
    run("notifications", "DELETE FROM notifications WHERE status IN ('delivered', 'dead') AND updated_at < ?", old);
    run("alerts", "DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?", old);
    run("silences", "DELETE FROM silences WHERE ends_at < ?", old);
    run("remediation_runs", "DELETE FROM remediation_runs WHERE outcome NOT IN ('awaiting_approval', 'running', 'verifying') AND updated_at < ?", old);
    // A series can only have become empty if history was deleted just now (hourly), and the check
    // reads the whole write buffer: skip it on the other runs.
    if (!deleted.points && !deleted.rollup_1m && !deleted.rollup_1h) return;
    run(
      "series",
      `DELETE FROM series WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM points WHERE series_id = series.id)
         AND NOT EXISTS (SELECT 1 FROM rollup_1m WHERE series_id = series.id)
         AND NOT EXISTS (SELECT 1 FROM rollup_1h WHERE series_id = series.id)
         AND id NOT IN (SELECT DISTINCT series_id FROM points_recent)`,
      raw,
    );
  })();
  return deleted;
}
