import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { Labels } from "../contracts/sample.ts";
import type { Finding, Severity } from "../contracts/finding.ts";
import { filterBy, listPage, type Page, type PageRequest } from "./page.ts";

/** Where an alert is in its lifecycle. */
export type AlertState = "pending" | "firing" | "resolved" | "silenced";

/**
 * One alert as the `alerts` table keeps it (times in ms). An alert that resolves and fires again is a
 * new row with the same fingerprint; at most one row per fingerprint is not resolved.
 */
export interface AlertRecord {
  id: number;
  fingerprint: string;
  labels: Labels;
  state: AlertState;
  severity: Severity;
  /** When its first finding came (pending since). */
  startedAt: number;
  firedAt: number | null;
  resolvedAt: number | null;
  updatedAt: number;
  lastNotifiedAt: number | null;
  lastFinding: Finding | null;
}

/** A new alert: what `insertAlert` needs. */
export type NewAlert = Omit<AlertRecord, "id" | "firedAt" | "resolvedAt" | "lastNotifiedAt" | "lastFinding"> &
  Partial<Pick<AlertRecord, "firedAt" | "resolvedAt" | "lastNotifiedAt" | "lastFinding">>;

/** Fields `updateAlert` may change. */
export type AlertChanges = Partial<Omit<AlertRecord, "id" | "fingerprint" | "startedAt">>;

/** Filters of the alert listing; `from`/`to` bound the last change (ms, inclusive). */
export interface AlertFilter extends PageRequest {
  state?: AlertState;
  severity?: Severity;
  fingerprint?: string;
  from?: number;
  to?: number;
}

interface AlertRow {
  id: number;
  fingerprint: string;
  labels: string;
  state: AlertState;
  severity: Severity;
  started_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  updated_at: number;
  last_notified_at: number | null;
  last_finding: string | null;
}

const COLUMNS: { [K in keyof AlertChanges]-?: [column: string, encode: (value: NonNullable<AlertChanges[K]> | null) => SQLQueryBindings] } = {
  labels: ["labels", (v) => JSON.stringify(v)],
  state: ["state", (v) => v],
  severity: ["severity", (v) => v],
  firedAt: ["fired_at", (v) => v],
  resolvedAt: ["resolved_at", (v) => v],
  updatedAt: ["updated_at", (v) => v],
  lastNotifiedAt: ["last_notified_at", (v) => v],
  lastFinding: ["last_finding", (v) => (v === null ? null : JSON.stringify(v))],
};

function toRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    labels: JSON.parse(r.labels) as Labels,
    state: r.state,
    severity: r.severity,
    startedAt: r.started_at,
    firedAt: r.fired_at,
    resolvedAt: r.resolved_at,
    updatedAt: r.updated_at,
    lastNotifiedAt: r.last_notified_at,
    lastFinding: r.last_finding === null ? null : (JSON.parse(r.last_finding) as Finding),
  };
}

/**
 * Inserts an alert and returns its id. Throws SQLITE_CONSTRAINT_UNIQUE when the fingerprint already
 * has an alert that is not resolved.
 */
export function insertAlert(db: Database, alert: NewAlert): number {
  const row = db
    .query<{ id: number }, SQLQueryBindings[]>(
      `INSERT INTO alerts (fingerprint, labels, state, severity, started_at, fired_at, resolved_at, updated_at, last_notified_at, last_finding)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(
      alert.fingerprint,
      JSON.stringify(alert.labels),
      alert.state,
      alert.severity,
      alert.startedAt,
      alert.firedAt ?? null,
      alert.resolvedAt ?? null,
      alert.updatedAt,
      alert.lastNotifiedAt ?? null,
      alert.lastFinding ? JSON.stringify(alert.lastFinding) : null,
    );
  if (!row) throw new Error(`insert alert ${alert.fingerprint}: no id returned`);
  return row.id;
}

/** Changes the given fields of an alert; false when there is no such alert. */
export function updateAlert(db: Database, id: number, changes: AlertChanges): boolean {
  const sets: string[] = [];
  const params: SQLQueryBindings[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const spec = COLUMNS[field as keyof AlertChanges];
    if (!spec) throw new Error(`update alert: unknown field ${field}`);
    sets.push(`${spec[0]} = ?`);
    params.push((spec[1] as (v: unknown) => SQLQueryBindings)(value));
  }
  if (sets.length === 0) return getAlert(db, id) !== null;
  // query() keeps the statement prepared: the alert stage runs a few shapes of this update every tick.
  return db.query<unknown, SQLQueryBindings[]>(`UPDATE alerts SET ${sets.join(", ")} WHERE id = ?`).run(...params, id).changes > 0;
}

/** One alert by id, resolved or not. */
export function getAlert(db: Database, id: number): AlertRecord | null {
  const row = db.query<AlertRow, [number]>("SELECT * FROM alerts WHERE id = ?").get(id);
  return row ? toRecord(row) : null;
}

/** The alert of a fingerprint that is not resolved, if any. */
export function findOpenAlert(db: Database, fingerprint: string): AlertRecord | null {
  const row = db.query<AlertRow, [string]>("SELECT * FROM alerts WHERE fingerprint = ? AND state <> 'resolved'").get(fingerprint);
  return row ? toRecord(row) : null;
}

/** Every alert that is not resolved: what the alert engine reloads after a restart. */
export function listOpenAlerts(db: Database): AlertRecord[] {
  return db.query<AlertRow, []>("SELECT * FROM alerts WHERE state <> 'resolved' ORDER BY id").all().map(toRecord);
}

/** Alerts, most recently changed first. */
export function listAlerts(db: Database, filter: AlertFilter = {}): Page<AlertRecord> {
  const where: string[] = [];
  const params: SQLQueryBindings[] = [];
  filterBy(where, params, "state", "=", filter.state);
  filterBy(where, params, "severity", "=", filter.severity);
  filterBy(where, params, "fingerprint", "=", filter.fingerprint);
  filterBy(where, params, "updated_at", ">=", filter.from);
  filterBy(where, params, "updated_at", "<=", filter.to);
  return listPage<AlertRow, AlertRecord>(db, { table: "alerts", sort: "updated_at", where, params, map: toRecord }, filter);
}
