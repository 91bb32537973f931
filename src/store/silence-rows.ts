import type { Database, SQLQueryBindings } from "bun:sqlite";
import { filterBy, listPage, type Page, type PageRequest } from "./page.ts";

/** One matcher of a silence, as Alertmanager writes them: label name, value, regex or not, equal or not. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence (times in ms). The store keeps it; what it mutes is the alert engine's business. */
export interface SilenceRecord {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  updatedAt: number;
}

/** Filters of the silence listing: a `state` is judged at `now` (ms), which then must be given. */
export type SilenceFilter = PageRequest & ({ state?: undefined } | { state: "pending" | "active" | "expired"; now: number });

interface SilenceRow {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  updated_at: number;
}

function toRecord(r: SilenceRow): SilenceRecord {
  return {
    id: r.id,
    matchers: JSON.parse(r.matchers) as SilenceMatcher[],
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Creates a silence, or replaces the one with its id. */
export function saveSilence(db: Database, s: SilenceRecord): void {
  db.run(
    `INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
       created_by = excluded.created_by, comment = excluded.comment, updated_at = excluded.updated_at`,
    [s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, s.createdAt, s.updatedAt],
  );
}

/** Ends a silence now (kept for the record, as Alertmanager does); false when it is unknown or already over. */
export function expireSilence(db: Database, id: string, now: number): boolean {
  return db.run("UPDATE silences SET ends_at = ?1, updated_at = ?1 WHERE id = ?2 AND ends_at > ?1", [now, id]).changes > 0;
}

/** One silence by id, over or not. */
export function getSilence(db: Database, id: string): SilenceRecord | null {
  const row = db.query<SilenceRow, [string]>("SELECT * FROM silences WHERE id = ?").get(id);
  return row ? toRecord(row) : null;
}

/** Silences in force at `now`. */
export function activeSilences(db: Database, now: number): SilenceRecord[] {
  return db
    .query<SilenceRow, [number, number]>("SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY starts_at, id")
    .all(now, now)
    .map(toRecord);
}

/** Silences that end after `since` (in force, still to come, or recently over), oldest start first. */
export function silencesEndingAfter(db: Database, since: number): SilenceRecord[] {
  return db
    .query<SilenceRow, [number]>("SELECT * FROM silences WHERE ends_at > ? ORDER BY starts_at, id")
    .all(since)
    .map(toRecord);
}

/** Silences, latest start first. */
export function listSilences(db: Database, filter: SilenceFilter = {}): Page<SilenceRecord> {
  const where: string[] = [];
  const params: SQLQueryBindings[] = [];
  if (filter.state !== undefined) {
    const { now } = filter;
    if (filter.state === "pending") filterBy(where, params, "starts_at", ">=", now + 1);
    if (filter.state === "active") {
      filterBy(where, params, "starts_at", "<=", now);
      filterBy(where, params, "ends_at", ">=", now + 1);
    }
    if (filter.state === "expired") filterBy(where, params, "ends_at", "<=", now);
  }
  return listPage<SilenceRow, SilenceRecord>(db, { table: "silences", sort: "starts_at", where, params, map: toRecord }, filter);
}
