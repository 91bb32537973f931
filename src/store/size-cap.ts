import type { Database } from "bun:sqlite";
import { floorTo, HOUR_MS } from "./buckets.ts";

/** What enforcing the size cap did. */
export interface SizeCapReport {
  /** History older than this (ms) was deleted; null when the database was within the cap. */
  trimmedBefore: number | null;
  /** Rows deleted. */
  deleted: number;
  /** Bytes in use afterwards. */
  usedBytes: number;
  /** Pages handed back to the filesystem. */
  vacuumedPages: number;
}

/** Bytes the database uses: its pages minus the free ones (which incremental vacuum gives back). */
export function usedBytes(db: Database): number {
  const row = db
    .query<{ pages: number; free: number; size: number }, []>(
      "SELECT (SELECT page_count FROM pragma_page_count) AS pages, (SELECT freelist_count FROM pragma_freelist_count) AS free, (SELECT page_size FROM pragma_page_size) AS size",
    )
    .get();
  return row ? (row.pages - row.free) * row.size : 0;
}

/** Hands free pages back to the filesystem (auto_vacuum is INCREMENTAL); returns how many. */
export function vacuumFreePages(db: Database): number {
  const free = db.query<{ free: number }, []>("SELECT freelist_count AS free FROM pragma_freelist_count").get()?.free ?? 0;
  if (free > 0) db.run("PRAGMA incremental_vacuum");
  return free;
}

const OLDEST_HISTORY = `
  SELECT min(ts) AS ts FROM (
    SELECT (SELECT min(ts) FROM points WHERE series_id = s.id) AS ts FROM series AS s
    UNION ALL SELECT (SELECT min(ts) FROM rollup_1m WHERE series_id = s.id) FROM series AS s
    UNION ALL SELECT (SELECT min(ts) FROM rollup_1h WHERE series_id = s.id) FROM series AS s
    UNION ALL SELECT min(ts) FROM points_recent
    UNION ALL SELECT min(start_ts) FROM raw_blocks
    UNION ALL SELECT min(start_ts) FROM rollup_blocks
    UNION ALL SELECT min(ts) FROM anomalies
  )`;

/**
 * Keeps the database within `capBytes` by deleting the oldest history first, whatever its kind: the
 * oldest roll-ups go before raw points, which are younger. Each pass deletes about an eighth of the
 * span left (at least an hour), never the last hour, then gives the freed pages back so the file
 * shrinks. Alerts, the outbox, silences and detector state are not history and are kept.
 */
export function enforceSizeCap(db: Database, capBytes: number, now: number): SizeCapReport {
  let used = usedBytes(db);
  const report: SizeCapReport = { trimmedBefore: null, deleted: 0, usedBytes: used, vacuumedPages: 0 };
  if (used <= capBytes) return report;
  const keepFrom = floorTo(now, HOUR_MS) - HOUR_MS;
  const oldest = db.query<{ ts: number | null }, []>(OLDEST_HISTORY);
  const trim = db.transaction((cutoff: number): number => {
    let deleted = 0;
    for (const table of ["points", "rollup_1m", "rollup_1h"]) {
      deleted += db.run(`DELETE FROM ${table} WHERE series_id IN (SELECT id FROM series) AND ts < ?`, [cutoff]).changes;
    }
    for (const table of ["points_recent", "anomalies", "delivery_attempts"]) {
      deleted += db.run(`DELETE FROM ${table} WHERE ts < ?`, [cutoff]).changes;
    }
    // Whole blocks: they never span an hour, and the cut-off is on one. Counted in points.
    deleted += db.query<{ n: number | null }, [number]>("SELECT sum(points) AS n FROM raw_blocks WHERE start_ts < ?").get(cutoff)?.n ?? 0;
    db.run("DELETE FROM raw_blocks WHERE start_ts < ?", [cutoff]);
    db.run("DELETE FROM raw_blocks_pending WHERE start_ts < ?", [cutoff]);
    deleted += db.run("DELETE FROM rollup_blocks WHERE start_ts < ?", [cutoff]).changes;
    return deleted;
  });
  while (used > capBytes) {
    const first = oldest.get()?.ts ?? null;
    if (first === null || first >= keepFrom) break;
    const cutoff = Math.min(keepFrom, Math.max(floorTo(first, HOUR_MS) + HOUR_MS, floorTo(first + (keepFrom - first) / 8, HOUR_MS)));
    report.deleted += trim(cutoff);
    report.trimmedBefore = cutoff;
    used = usedBytes(db);
  }
  report.vacuumedPages = vacuumFreePages(db);
  report.usedBytes = usedBytes(db);
  return report;
}
