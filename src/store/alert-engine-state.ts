import type { Database } from "bun:sqlite";

/** The alert engine's saved state: the JSON document and when it was written (ms). */
export interface SavedEngineState {
  state: unknown;
  updatedAt: number;
}

/**
 * Saves the alert engine's state, replacing the one before. Call it in the transaction that writes
 * the alerts and outbox rows of the same tick: the state and the rows then never disagree.
 */
export function saveAlertEngineState(db: Database, json: string, now: number): void {
  db.run(
    `INSERT INTO alert_engine_state (id, state, updated_at) VALUES (1, ?, ?)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    [json, now],
  );
}

/** The saved state, or null when none was saved. Throws SyntaxError when the stored text is not JSON. */
export function loadAlertEngineState(db: Database): SavedEngineState | null {
  const row = db.query<{ state: string; updated_at: number }, []>("SELECT state, updated_at FROM alert_engine_state WHERE id = 1").get();
  return row ? { state: JSON.parse(row.state) as unknown, updatedAt: row.updated_at } : null;
}
