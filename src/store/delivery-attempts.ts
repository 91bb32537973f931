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

/** A channel whose every attempt since its last delivery failed, as the attempt log shows it. */
export interface FailingChannelRecord {
  channel: string;
  /** When its first failed attempt after its last delivery ended (ms). */
  since: number;
  /** Failed attempts since its last delivery. */
  attempts: number;
  /** The newest failed attempt's error and HTTP status. */
  lastError: string | null;
  lastHttpStatus: number | null;
}

/**
 * Channels whose attempts since their last delivered one all failed (or that never delivered one the
 * log still keeps), in the order attempts were recorded. Two scans of the log, whatever its size.
 */
export function failingChannels(db: Database): FailingChannelRecord[] {
  return db
    .query<{ channel: string; since: number; attempts: number; error: string | null; http_status: number | null }, []>(
      `WITH delivered AS (
         SELECT channel, max(id) AS last_id FROM delivery_attempts WHERE outcome = 'delivered' GROUP BY channel
       ),
       failing AS (
         SELECT a.channel, min(a.ts) AS since, count(*) AS attempts, max(a.id) AS last_id
         FROM delivery_attempts a LEFT JOIN delivered d ON d.channel = a.channel
         WHERE a.outcome <> 'delivered' AND a.id > coalesce(d.last_id, 0)
         GROUP BY a.channel
       )
       SELECT f.channel, f.since, f.attempts, l.error, l.http_status
       FROM failing f JOIN delivery_attempts l ON l.id = f.last_id
       ORDER BY f.last_id`,
    )
    .all()
    .map((r) => ({ channel: r.channel, since: r.since, attempts: r.attempts, lastError: r.error, lastHttpStatus: r.http_status }));
}
