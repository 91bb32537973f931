import type { Database, SQLQueryBindings } from "bun:sqlite";

/** The learned state of one detector on one series. */
export interface DetectorStateEntry {
  /** `seriesKey(metric, labels)`. */
  seriesKey: string;
  detector: string;
  /** What `Detector.snapshot()` returned: JSON-serialisable. */
  state: unknown;
}

/** A saved state and when it was saved (ms). */
export interface DetectorStateRecord extends DetectorStateEntry {
  updatedAt: number;
}

/** Saves detector states, replacing earlier ones (call inside a transaction to save them all at once). */
export function saveDetectorStates(db: Database, entries: readonly DetectorStateEntry[], now: number): number {
  const upsert = db.query<unknown, SQLQueryBindings[]>(
    `INSERT INTO detector_state (series_key, detector, state, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (series_key, detector) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  );
  for (const e of entries) upsert.run(e.seriesKey, e.detector, JSON.stringify(e.state), now);
  return entries.length;
}

/** Saved states, of one detector or of all. */
export function loadDetectorStates(db: Database, detector?: string): DetectorStateRecord[] {
  const rows =
    detector === undefined
      ? db.query<StateRow, []>("SELECT * FROM detector_state").all()
      : db.query<StateRow, [string]>("SELECT * FROM detector_state WHERE detector = ?").all(detector);
  return rows.map((r) => ({ seriesKey: r.series_key, detector: r.detector, state: JSON.parse(r.state) as unknown, updatedAt: r.updated_at }));
}

/** The saved state of one detector on one series, or undefined. */
export function loadDetectorState(db: Database, seriesKey: string, detector: string): unknown {
  const row = db.query<{ state: string }, [string, string]>("SELECT state FROM detector_state WHERE series_key = ? AND detector = ?").get(seriesKey, detector);
  return row ? (JSON.parse(row.state) as unknown) : undefined;
}

/** Forgets the states of a detector (after its settings changed and its baselines mean nothing). */
export function deleteDetectorStates(db: Database, detector: string): number {
  return db.run("DELETE FROM detector_state WHERE detector = ?", [detector]).changes;
}

interface StateRow {
  series_key: string;
  detector: string;
  state: string;
  updated_at: number;
}
