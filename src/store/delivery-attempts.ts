import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { DeliveryOutcome } from "../contracts/delivery.ts";
import { filterBy, listPage, type Page, type PageRequest } from "./page.ts";


/** One delivery attempt of a notification (time in ms). */
export interface DeliveryAttemptRecord {
  id: number;
  notificationId: number;
  channel: string;
  ts: number;
  outcome: DeliveryOutcome;
  httpStatus: number | null;
  error: string | null;
  latencyMs: number;
}

/** Filters of the attempt listing; times in ms, inclusive. */
export interface DeliveryAttemptFilter extends PageRequest {
  notificationId?: number;
  channel?: string;
  outcome?: DeliveryOutcome;
  from?: number;
  to?: number;
}

interface AttemptRow {
  id: number;
  notification_id: number;
  channel: string;
  ts: number;
  outcome: DeliveryOutcome;
  http_status: number | null;
  error: string | null;
  latency_ms: number;
}

function toRecord(r: AttemptRow): DeliveryAttemptRecord {
  return {
    id: r.id,
    notificationId: r.notification_id,
    channel: r.channel,
    ts: r.ts,
    outcome: r.outcome,
    httpStatus: r.http_status,
    error: r.error,
    latencyMs: r.latency_ms,
  };
}

/** Records an attempt (with the notification's update, in one transaction); returns its id. */
export function recordDeliveryAttempt(db: Database, attempt: Omit<DeliveryAttemptRecord, "id">): number {
  const row = db
    .query<{ id: number }, SQLQueryBindings[]>(
      `INSERT INTO delivery_attempts (notification_id, channel, ts, outcome, http_status, error, latency_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(attempt.notificationId, attempt.channel, attempt.ts, attempt.outcome, attempt.httpStatus, attempt.error, attempt.latencyMs);
  if (!row) throw new Error(`record delivery attempt of notification ${attempt.notificationId}: no id returned`);
  return row.id;
}

/** Delivery attempts, newest first. */
export function listDeliveryAttempts(db: Database, filter: DeliveryAttemptFilter = {}): Page<DeliveryAttemptRecord> {
  const where: string[] = [];
  const params: SQLQueryBindings[] = [];
  filterBy(where, params, "notification_id", "=", filter.notificationId);
  filterBy(where, params, "channel", "=", filter.channel);
  filterBy(where, params, "outcome", "=", filter.outcome);
  filterBy(where, params, "ts", ">=", filter.from);
  filterBy(where, params, "ts", "<=", filter.to);
  return listPage<AttemptRow, DeliveryAttemptRecord>(db, { table: "delivery_attempts", sort: "ts", where, params, map: toRecord }, filter);
}
