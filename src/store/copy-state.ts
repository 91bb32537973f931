import type { Database } from "bun:sqlite";

/**
 * What a replacement database takes over from the one it replaces: small tables the alert engine,
 * the outbox, the export queue and the detectors need to go on (and the last hour of raw points), not the bulk of the
 * history. In dependency order (delivery attempts refer to notifications).
 */
export const STATE_TABLES = [
  "series",
  "points_recent",
  "alerts",
  "notifications",
  "delivery_attempts",
  "silences",
  "detector_state",
  "alert_engine_state",
  "export_queue",
] as const;

/** Which tables came across, and which could not be read. */
export interface CopyReport {
  copied: string[];
  failed: string[];
}

/**
 * Copies the state tables of the database file at `path` into `into` (same schema version), table by
 * table, so that one unreadable table (a corrupt page) does not lose the others.
 */
export function copyState(path: string, into: Database): CopyReport {
  const report: CopyReport = { copied: [], failed: [] };
  try {
    into.run("ATTACH DATABASE ? AS old", [path]);
  } catch {
    return { copied: [], failed: [...STATE_TABLES] };
  }
  try {
    for (const table of STATE_TABLES) {
      try {
        into.run(`INSERT OR IGNORE INTO main.${table} SELECT * FROM old.${table}`);
        report.copied.push(table);
      } catch {
        report.failed.push(table);
      }
    }
  } finally {
    into.run("DETACH DATABASE old");
  }
  return report;
}
