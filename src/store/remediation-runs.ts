import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { RemediationOutcome, RemediationRun } from "../contracts/remediation.ts";
import type { Labels } from "../contracts/sample.ts";
import { filterBy, listPage, type Page, type PageRequest } from "./page.ts";

/** A run to record: everything but its id. */
export type NewRemediationRun = Omit<RemediationRun, "id">;

/** Fields a run may change after it is recorded. */
export type RemediationRunChanges = Partial<
  Pick<RemediationRun, "outcome" | "reason" | "plan" | "exitCode" | "signal" | "output" | "decidedBy" | "startedAt" | "endedAt" | "verifyBy">
> & { updatedAt: number };

/** Filters of the run listing; `from`/`to` bound the last change (ms, inclusive). */
export interface RemediationRunFilter extends PageRequest {
  action?: string;
  outcome?: RemediationOutcome;
  fingerprint?: string;
  from?: number;
  to?: number;
}

interface RunRow {
  id: number;
  action: string;
  kind: RemediationRun["kind"];
  mode: RemediationRun["mode"];
  alert_fingerprint: string;
  alert_labels: string;
  outcome: RemediationOutcome;
  reason: string;
  plan: string;
  exit_code: number | null;
  signal: string | null;
  output: string;
  decided_by: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  verify_by: number | null;
  updated_at: number;
}

const COLUMNS: Record<keyof RemediationRunChanges, string> = {
  outcome: "outcome",
  reason: "reason",
  plan: "plan",
  exitCode: "exit_code",
  signal: "signal",
  output: "output",
  decidedBy: "decided_by",
  startedAt: "started_at",
  endedAt: "ended_at",
  verifyBy: "verify_by",
  updatedAt: "updated_at",
};

function toRun(r: RunRow): RemediationRun {
  return {
    id: r.id,
    action: r.action,
    kind: r.kind,
    mode: r.mode,
    alert: { fingerprint: r.alert_fingerprint, labels: JSON.parse(r.alert_labels) as Labels },
    outcome: r.outcome,
    reason: r.reason,
    plan: r.plan,
    exitCode: r.exit_code,
    signal: r.signal,
    output: r.output,
    decidedBy: r.decided_by,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    verifyBy: r.verify_by,
    updatedAt: r.updated_at,
  };
}

/** Records a run and returns it with its id. */
export function insertRemediationRun(db: Database, run: NewRemediationRun): RemediationRun {
  const row = db
    .query<RunRow, SQLQueryBindings[]>(
      `INSERT INTO remediation_runs (action, kind, mode, alert_fingerprint, alert_labels, outcome, reason, plan, exit_code, signal, output,
         decided_by, created_at, started_at, ended_at, verify_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .get(
      run.action,
      run.kind,
      run.mode,
      run.alert.fingerprint,
      JSON.stringify(run.alert.labels),
      run.outcome,
      run.reason,
      run.plan,
      run.exitCode,
      run.signal,
      run.output,
      run.decidedBy,
      run.createdAt,
      run.startedAt,
      run.endedAt,
      run.verifyBy,
      run.updatedAt,
    );
  if (!row) throw new Error(`record remediation run of ${run.action}: no row returned`);
  return toRun(row);
}

/** Changes a run and returns it as it now is; null when there is no such run. */
export function updateRemediationRun(db: Database, id: number, changes: RemediationRunChanges): RemediationRun | null {
  const sets: string[] = [];
  const params: SQLQueryBindings[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    sets.push(`${COLUMNS[field as keyof RemediationRunChanges]} = ?`);
    params.push(value as SQLQueryBindings);
  }
  const row = db.query<RunRow, SQLQueryBindings[]>(`UPDATE remediation_runs SET ${sets.join(", ")} WHERE id = ? RETURNING *`).get(...params, id);
  return row ? toRun(row) : null;
}

/** One run by id. */
export function getRemediationRun(db: Database, id: number): RemediationRun | null {
  const row = db.query<RunRow, [number]>("SELECT * FROM remediation_runs WHERE id = ?").get(id);
  return row ? toRun(row) : null;
}

/** Runs that are not final (awaiting approval, running, verifying), oldest first: what a start resumes. */
export function openRemediationRuns(db: Database): RemediationRun[] {
  return db
    .query<RunRow, []>("SELECT * FROM remediation_runs WHERE outcome IN ('awaiting_approval', 'running', 'verifying') ORDER BY id")
    .all()
    .map(toRun);
}

/** Runs that acted (started) since `from`, of one action or of all: what the rate limit and the budget count. */
export function countStartedRuns(db: Database, from: number, action?: string): number {
  const row =
    action === undefined
      ? db.query<{ n: number }, [number]>("SELECT count(*) AS n FROM remediation_runs WHERE started_at IS NOT NULL AND started_at >= ?").get(from)
      : db.query<{ n: number }, [string, number]>("SELECT count(*) AS n FROM remediation_runs WHERE action = ? AND started_at IS NOT NULL AND started_at >= ?").get(action, from);
  return row?.n ?? 0;
}

/** Runs, most recently changed first. */
export function listRemediationRuns(db: Database, filter: RemediationRunFilter = {}): Page<RemediationRun> {
  const where: string[] = [];
  const params: SQLQueryBindings[] = [];
  filterBy(where, params, "action", "=", filter.action);
  filterBy(where, params, "outcome", "=", filter.outcome);
  filterBy(where, params, "alert_fingerprint", "=", filter.fingerprint);
  filterBy(where, params, "updated_at", ">=", filter.from);
  filterBy(where, params, "updated_at", "<=", filter.to);
  return listPage<RunRow, RemediationRun>(db, { table: "remediation_runs", sort: "updated_at", where, params, map: toRun }, filter);
}

/** The runs for one alert changed since `since` (its episode), newest first, at most `limit`. */
export function remediationRunsOfAlert(db: Database, fingerprint: string, since: number, limit: number): RemediationRun[] {
  return db
    .query<RunRow, [string, number, number]>("SELECT * FROM remediation_runs WHERE alert_fingerprint = ? AND updated_at >= ? ORDER BY updated_at DESC, id DESC LIMIT ?")
    .all(fingerprint, since, limit)
    .map(toRun);
}
