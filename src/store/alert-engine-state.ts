import type { Database } from "bun:sqlite";

/**
 * Saves parts of the alert engine's state: `changed` are written (replacing earlier versions),
 * `removed` deleted. Call it in the transaction that writes the alerts and outbox rows of the same
 * tick: the state and the rows then never disagree.
 */
export function saveAlertEngineState(db: Database, changed: Iterable<readonly [string, string]>, removed: Iterable<string>, now: number): void {
  const upsert = db.query<unknown, [string, string, number]>(
    `INSERT INTO alert_engine_state (key, state, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  );
  const remove = db.query<unknown, [string]>("DELETE FROM alert_engine_state WHERE key = ?");
  for (const [key, text] of changed) upsert.run(key, text, now);
  for (const key of removed) remove.run(key);
}

/** Every saved part of the engine state (key → JSON text); empty when none was saved. */
export function loadAlertEngineState(db: Database): Map<string, string> {
  return new Map(db.query<{ key: string; state: string }, []>("SELECT key, state FROM alert_engine_state ORDER BY key").all().map((r) => [r.key, r.state]));
}
