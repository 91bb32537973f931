import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { NotificationStatus } from "../contracts/delivery.ts";
import { filterBy, listPage, type Page, type PageRequest } from "./page.ts";


/** One row of the outbox (times in ms). */
export interface NotificationRecord {
  id: number;
  alertFingerprint: string;
  alertId: number | null;
  /** The change of state it announces (firing, resolved...). */
  alertState: string;
  channel: string;
  status: NotificationStatus;
  /** Unique: an alert, channel and state are queued once, however often the engine asks. */
  idempotencyKey: string;
  payload: unknown;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  deadLetteredAt: number | null;
  lastError: string | null;
}

/** A notification to queue; it is due at `nextAttemptAt`, by default when created. */
export interface NewNotification {
  alertFingerprint: string;
  alertId?: number | null;
  alertState: string;
  channel: string;
  idempotencyKey: string;
  payload: unknown;
  createdAt: number;
  nextAttemptAt?: number;
}

/** Fields a worker changes after an attempt. */
export type NotificationChanges = Partial<
  Pick<NotificationRecord, "status" | "attempts" | "nextAttemptAt" | "deliveredAt" | "deadLetteredAt" | "lastError">
> & { updatedAt: number };

/** Filters of the outbox listing; `from`/`to` bound the creation time (ms, inclusive). */
export interface NotificationFilter extends PageRequest {
  status?: NotificationStatus;
  channel?: string;
  alertFingerprint?: string;
  from?: number;
  to?: number;
}

interface NotificationRow {
  id: number;
  alert_fingerprint: string;
  alert_id: number | null;
  alert_state: string;
  channel: string;
  status: NotificationStatus;
  idempotency_key: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  dead_lettered_at: number | null;
  last_error: string | null;
}

const COLUMNS: Record<keyof NotificationChanges, string> = {
  status: "status",
  attempts: "attempts",
  nextAttemptAt: "next_attempt_at",
  deliveredAt: "delivered_at",
  deadLetteredAt: "dead_lettered_at",
  lastError: "last_error",
  updatedAt: "updated_at",
};

function toRecord(r: NotificationRow): NotificationRecord {
  return {
    id: r.id,
    alertFingerprint: r.alert_fingerprint,
    alertId: r.alert_id,
    alertState: r.alert_state,
    channel: r.channel,
    status: r.status,
    idempotencyKey: r.idempotency_key,
    payload: JSON.parse(r.payload) as unknown,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
    deadLetteredAt: r.dead_lettered_at,
    lastError: r.last_error,
  };
}

/**
 * Queues a notification; call it in the transaction that changes the alert's state. Returns its id,
 * or null when its idempotency key is already queued (the engine asked twice).
 */
export function enqueueNotification(db: Database, n: NewNotification): number | null {
  const row = db
    .query<{ id: number }, SQLQueryBindings[]>(
      `INSERT INTO notifications (alert_fingerprint, alert_id, alert_state, channel, idempotency_key, payload, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    )
    .get(
      n.alertFingerprint,
      n.alertId ?? null,
      n.alertState,
      n.channel,
      n.idempotencyKey,
      JSON.stringify(n.payload),
      n.nextAttemptAt ?? n.createdAt,
      n.createdAt,
      n.createdAt,
    );
  return row?.id ?? null;
}

/** Pending notifications due at `now`, oldest due first. */
export function dueNotifications(db: Database, now: number, limit = 100): NotificationRecord[] {
  return db
    .query<NotificationRow, [number, number]>(
      "SELECT * FROM notifications WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
    )
    .all(now, limit)
    .map(toRecord);
}

/** Pending notifications of one channel due at `now`, oldest due first: the delivery workers' claim. */
export function dueForChannel(db: Database, channel: string, now: number, limit: number): NotificationRecord[] {
  return db
    .query<NotificationRow, [string, number, number]>(
      "SELECT * FROM notifications WHERE status = 'pending' AND channel = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
    )
    .all(channel, now, limit)
    .map(toRecord);
}

/**
 * `next_attempt_at` of a notification that waits for an older one of the same alert on its channel
 * (9999-12-31T23:59:59.999Z): `releaseNextInOrder` makes it due once that one is delivered or given up.
 */
export const WAITING = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Queues a notification behind those of the same alert on the same channel: when one of them is still
 * pending, the new one waits (`WAITING`) and is released when they are done, so a receiver hears an
 * alert's changes in order (a resolve never overtakes its firing, even while the firing is retried).
 * Only the head of each alert's queue is due, so claiming stays one index range however deep the
 * backlog. Returns the id, or null when the key is already queued.
 */
export function enqueueInOrder(db: Database, n: NewNotification): number | null {
  const id = enqueueNotification(db, n);
  if (id === null) return null;
  const older = db
    .query<{ id: number }, [string, string, number]>(
      "SELECT id FROM notifications WHERE status = 'pending' AND channel = ? AND alert_fingerprint = ? AND id < ? LIMIT 1",
    )
    .get(n.channel, n.alertFingerprint, id);
  if (older) db.query<unknown, [number, number]>("UPDATE notifications SET next_attempt_at = ? WHERE id = ?").run(WAITING, id);
  return id;
}

/**
 * After a notification is delivered or given up: makes the next one of the same alert on the channel
 * due at `now`, if it was waiting. Call it in the transaction that records the outcome.
 */
export function releaseNextInOrder(db: Database, channel: string, alertFingerprint: string, now: number): boolean {
  return (
    db
      .query<unknown, [number, string, string, number]>(
        `UPDATE notifications SET next_attempt_at = ?1, updated_at = ?1
         WHERE id = (SELECT min(id) FROM notifications WHERE status = 'pending' AND channel = ?2 AND alert_fingerprint = ?3)
           AND next_attempt_at = ?4`,
      )
      .run(now, channel, alertFingerprint, WAITING).changes > 0
  );
}

/** When the next pending notification of a channel falls due after `after` (ms), or null when none does. */
export function nextDueAfter(db: Database, channel: string, after: number): number | null {
  const row = db
    .query<{ at: number | null }, [string, number]>(
      "SELECT min(next_attempt_at) AS at FROM notifications WHERE status = 'pending' AND channel = ? AND next_attempt_at > ?",
    )
    .get(channel, after);
  return row?.at ?? null;
}

/** Pending notifications of one channel: how many, and when the oldest was queued (ms). */
export interface OutboxDepth {
  channel: string;
  pending: number;
  oldestCreatedAt: number;
}

/** The outbox's backlog per channel (only channels with pending rows). */
export function outboxDepth(db: Database): OutboxDepth[] {
  return db
    .query<{ channel: string; pending: number; oldest: number }, []>(
      "SELECT channel, count(*) AS pending, min(created_at) AS oldest FROM notifications WHERE status = 'pending' GROUP BY channel ORDER BY channel",
    )
    .all()
    .map((r) => ({ channel: r.channel, pending: r.pending, oldestCreatedAt: r.oldest }));
}

/** Changes the given fields of a notification; false when there is no such notification. */
export function updateNotification(db: Database, id: number, changes: NotificationChanges): boolean {
  const sets: string[] = [];
  const params: SQLQueryBindings[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const column = COLUMNS[field as keyof NotificationChanges];
    if (!column) throw new Error(`update notification: unknown field ${field}`);
    sets.push(`${column} = ?`);
    params.push(value as SQLQueryBindings);
  }
  // query() keeps the statement prepared: the outbox runs a few shapes of this update thousands of times.
  return db.query<unknown, SQLQueryBindings[]>(`UPDATE notifications SET ${sets.join(", ")} WHERE id = ?`).run(...params, id).changes > 0;
}

/** One notification by id. */
export function getNotification(db: Database, id: number): NotificationRecord | null {
  const row = db.query<NotificationRow, [number]>("SELECT * FROM notifications WHERE id = ?").get(id);
  return row ? toRecord(row) : null;
}

/** The outbox, newest first. */
export function listNotifications(db: Database, filter: NotificationFilter = {}): Page<NotificationRecord> {
  const where: string[] = [];
  const params: SQLQueryBindings[] = [];
  filterBy(where, params, "status", "=", filter.status);
  filterBy(where, params, "channel", "=", filter.channel);
  filterBy(where, params, "alert_fingerprint", "=", filter.alertFingerprint);
  filterBy(where, params, "created_at", ">=", filter.from);
  filterBy(where, params, "created_at", "<=", filter.to);
  return listPage<NotificationRow, NotificationRecord>(db, { table: "notifications", sort: "created_at", where, params, map: toRecord }, filter);
}
