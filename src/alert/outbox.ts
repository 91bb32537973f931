import type { Database } from "bun:sqlite";
import type { EventBus } from "../event-bus.ts";
import { loadAlertEngineState, saveAlertEngineState } from "../store/alert-engine-state.ts";
import { findOpenAlert, insertAlert, listAlerts, updateAlert } from "../store/alerts.ts";
import { enqueueInOrder } from "../store/notifications.ts";
import { expireSilence, type SilenceMatcher, type SilenceRecord, saveSilence, silencesEndingAfter } from "../store/silence-rows.ts";
import type { Store } from "../store/store.ts";
import type { AlertChange } from "../contracts/alert.ts";
import type { TickResult } from "./engine/alert-engine.ts";
import { type EngineState, stateFromParts } from "./engine/engine-state.ts";
import type { Matcher } from "../config/matcher.ts";
import type { AlertNotice, Notification } from "./notifier.ts";
import type { Silence } from "./silences.ts";

/** What one committed tick wrote. */
export interface RecordResult {
  /** Outbox rows queued. */
  enqueued: number;
  /** Notifications whose idempotency key was already queued (nothing written for them). */
  duplicates: number;
}

/** What the outbox needs. */
export interface OutboxOptions {
  store: Store;
  /** Alert changes are published here once committed. */
  events?: EventBus;
  /** Called after a commit that queued rows: the delivery workers wake on it (no polling delay). */
  onEnqueued?: () => void;
  /**
   * Adds what other parts know of an alert to its notice, read in the same transaction (what
   * remediation tried for it). Called for every alert of every notification queued.
   */
  annotate?: (db: Database, notice: AlertNotice) => AlertNotice;
}

/**
 * The durable half of alerting: the alert engine's changes, the notifications they produced and the
 * engine's own state go to SQLite in one transaction, or none of them does. The delivery workers read
 * the rows it queues; a notification queued behind a pending one of the same alert on its channel
 * waits for it (`enqueueInOrder`), so each receiver hears an alert's changes in order.
 */
export interface Outbox {
  /**
   * Commits one engine tick at `now` (ms): each change applied to the `alerts` table, each notification
   * queued (a key already queued is a no-op), and `state` (the engine's `exportStateParts()`) saved:
   * the parts that changed since the last commit. Throws when the transaction fails, having written
   * nothing. Alert events and the workers' wake-up come after the commit. A tick with nothing to
   * write (no change, no notification, the state as committed) opens no transaction.
   */
  record(now: number, result: TickResult, state: ReadonlyMap<string, string>): RecordResult;
  /** Saves a silence added at run time with the engine state that now holds it, in one transaction. */
  saveSilence(silence: Silence, state: ReadonlyMap<string, string>, now: number): void;
  /** Ends a run-time silence in the store with the engine state that ended it, in one transaction. */
  expireSilence(id: string, state: ReadonlyMap<string, string>, now: number): void;
  /**
   * The engine state saved last, with the run-time silences of the store merged in (those ending after
   * `silencesSince`), or undefined when none was saved. Throws when the saved state cannot be read.
   */
  loadState(silencesSince: number): EngineState | undefined;
}

/** A notification with each of its alerts annotated, the lead's annotation on the top-level fields too. */
function annotated(db: Database, n: Notification, annotate: (db: Database, notice: AlertNotice) => AlertNotice): Notification {
  const alerts = n.alerts.map((a) => annotate(db, a));
  const lead = alerts.find((a) => a.fingerprint === n.fingerprint);
  return { ...n, ...(lead?.remediations ? { remediations: lead.remediations } : {}), alerts };
}

/** Creates the outbox over an open store. */
export function createOutbox(options: OutboxOptions): Outbox {
  const { store } = options;
  /** The state parts committed last: a tick writes only the parts that differ. */
  let saved: ReadonlyMap<string, string> = new Map();

  /** The parts of `state` that differ from those committed last, and those gone since. */
  const diffOf = (state: ReadonlyMap<string, string>): { changed: Array<[string, string]>; removed: string[] } => {
    const changed: Array<[string, string]> = [];
    for (const [key, text] of state) if (saved.get(key) !== text) changed.push([key, text]);
    const removed: string[] = [];
    for (const key of saved.keys()) if (!state.has(key)) removed.push(key);
    return { changed, removed };
  };

  const saveState = (db: Database, state: ReadonlyMap<string, string>, now: number): ReadonlyMap<string, string> => {
    const { changed, removed } = diffOf(state);
    if (changed.length > 0 || removed.length > 0) saveAlertEngineState(db, changed, removed, now);
    return state;
  };

  return {
    record(now, result, state) {
      // Most ticks change nothing: no alert moved, nothing to send, the state as committed. Such a
      // tick writes nothing, so it opens no transaction (a write lock and a commit, most of its cost).
      if (result.changes.length === 0 && result.notifications.length === 0) {
        const { changed, removed } = diffOf(state);
        if (changed.length === 0 && removed.length === 0) {
          saved = state;
          return { enqueued: 0, duplicates: 0 };
        }
      }
      const outcome = store.transaction((db) => {
        for (const change of result.changes) applyChange(db, change, now);
        let enqueued = 0;
        let duplicates = 0;
        for (const queued of result.notifications) {
          const n = options.annotate ? annotated(db, queued, options.annotate) : queued;
          const open = findOpenAlert(db, n.fingerprint);
          // A resolve's alert was closed by this very transaction: it is the fingerprint's latest row.
          const alertId = open?.id ?? listAlerts(db, { fingerprint: n.fingerprint, limit: 1 }).items[0]?.id ?? null;
          const id = enqueueInOrder(db, {
            alertFingerprint: n.fingerprint,
            alertId,
            alertState: n.status,
            channel: n.channel,
            idempotencyKey: n.idempotencyKey,
            payload: n,
            createdAt: now,
          });
          if (id === null) {
            duplicates++;
            continue;
          }
          enqueued++;
          for (const a of n.alerts) {
            if (a.status !== "firing") continue;
            const row = a.fingerprint === n.fingerprint ? open : findOpenAlert(db, a.fingerprint);
            // An escalation (warning to critical) changes no state, only the notice: keep the row current.
            if (row) updateAlert(db, row.id, { lastNotifiedAt: now, severity: a.finding.severity, lastFinding: a.finding, updatedAt: now });
          }
        }
        saveState(db, state, now);
        return { enqueued, duplicates };
      });
      saved = state;
      for (const change of result.changes) options.events?.publish({ type: "alert", alert: change });
      if (outcome.enqueued > 0) options.onEnqueued?.();
      return { enqueued: outcome.enqueued, duplicates: outcome.duplicates };
    },

    saveSilence(silence, state, now) {
      store.transaction((db) => {
        saveSilence(db, toRecord(silence, now));
        saveState(db, state, now);
      });
      saved = state;
    },

    expireSilence(id, state, now) {
      store.transaction((db) => {
        expireSilence(db, id, now);
        saveState(db, state, now);
      });
      saved = state;
    },

    loadState(silencesSince) {
      const { parts, silences } = store.read((db) => ({ parts: loadAlertEngineState(db), silences: silencesEndingAfter(db, silencesSince) }));
      if (parts.size === 0 && silences.length === 0) return undefined;
      saved = parts;
      const state = stateFromParts(parts);
      // The silences table is the record of what the API was told: it wins over the state's copy.
      const byId = new Map(state.silences.map((s) => [s.id, s]));
      for (const r of silences) if (r.id.startsWith("api-")) byId.set(r.id, fromRecord(r));
      return { ...state, silences: [...byId.values()] };
    },
  };
}

/**
 * One change of state into the `alerts` table. An alert that goes pending opens a row (one that
 * resolves and comes back opens a new one); firing and resolving update the open row; a pending alert
 * that went away without firing is closed as resolved with no `firedAt`. Missing or extra rows (a
 * database replaced under the engine) are mended rather than failing the tick forever.
 */
function applyChange(db: Database, c: AlertChange, now: number): void {
  const open = findOpenAlert(db, c.fingerprint);
  const a = c.alert;
  const common = { labels: a.labels, severity: a.severity, lastFinding: a.finding, updatedAt: now };
  switch (c.to) {
    case "pending":
      if (open) updateAlert(db, open.id, { ...common, state: "pending" });
      else insertAlert(db, { fingerprint: c.fingerprint, ...common, state: "pending", startedAt: Date.parse(a.activeAt) });
      return;
    case "firing": {
      const firedAt = Date.parse(a.firedAt ?? c.at);
      if (open) updateAlert(db, open.id, { ...common, state: "firing", firedAt });
      else insertAlert(db, { fingerprint: c.fingerprint, ...common, state: "firing", startedAt: Date.parse(a.activeAt), firedAt });
      return;
    }
    case "resolved":
    case "inactive": {
      if (!open) return;
      const resolvedAt = c.to === "resolved" && a.resolvedAt !== undefined ? Date.parse(a.resolvedAt) : now;
      updateAlert(db, open.id, { ...common, state: "resolved", resolvedAt });
      return;
    }
  }
}

function toRecord(s: Silence, now: number): SilenceRecord {
  return {
    id: s.id,
    matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.op === "=~" || m.op === "!~", isEqual: m.op === "=" || m.op === "=~" })),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    createdBy: s.createdBy,
    comment: s.comment,
    createdAt: now,
    updatedAt: now,
  };
}

function fromRecord(r: SilenceRecord): Silence {
  return {
    id: r.id,
    matchers: r.matchers.map(toMatcher),
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    comment: r.comment,
    createdBy: r.createdBy,
  };
}

function toMatcher(m: SilenceMatcher): Matcher {
  const op: Matcher["op"] = m.isRegex ? (m.isEqual ? "=~" : "!~") : m.isEqual ? "=" : "!=";
  return { name: m.name, op, value: m.value };
}
