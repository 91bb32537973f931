import type { Config } from "../config/schema.ts";
import type { EventBus } from "../event-bus.ts";
import { componentLogger, type Logger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import type { DeliveryOutcome } from "../contracts/delivery.ts";
import { type DeliveryAttemptRecord, recordDeliveryAttempt } from "../store/delivery-attempts.ts";
import {
  dueForChannel,
  nextDueAfter,
  type NotificationChanges,
  type NotificationRecord,
  outboxDepth,
  releaseNextInOrder,
  updateNotification,
} from "../store/notifications.ts";
import type { Store } from "../store/store.ts";
import { type BackoffSettings, retryDelayMs } from "./backoff.ts";
import { channelsOf } from "../config/resolved-channels.ts";
import type { Notification, Notifier, NotifyResult } from "./notifier.ts";
import { failed } from "./notifier.ts";
import { createOutboxMetrics, failureReason, type OutboxMetrics, registerOutboxGauges } from "./outbox-metrics.ts";

/** How the workers deliver, from `alert.delivery` (times in ms). */
export interface DeliverySettings extends BackoffSettings {
  /** Attempts in flight at once per channel. */
  concurrency: number;
  /** A notification still undelivered this long after it was queued is dead-lettered. */
  maxAgeMs: number;
}

/** A channel the workers deliver to: its notifier and the time-out of one attempt. */
export interface DeliveryChannel {
  notifier: Notifier;
  timeoutMs: number;
}

/** Delivery settings from the configuration. */
export function deliverySettingsOf(config: Config): DeliverySettings {
  const d = config.alert.delivery;
  return { concurrency: d.concurrency, baseMs: d.backoff_base * 1000, maxMs: d.backoff_max * 1000, maxAgeMs: d.max_age * 1000 };
}

/** The channels of a configuration with their notifiers (as `createNotifiers` made them, by name). */
export function deliveryChannelsOf(config: Config, notifiers: ReadonlyMap<string, Notifier>): Map<string, DeliveryChannel> {
  const out = new Map<string, DeliveryChannel>();
  for (const c of channelsOf(config)) {
    const notifier = notifiers.get(c.name);
    if (notifier) out.set(c.name, { notifier, timeoutMs: c.timeout * 1000 });
  }
  return out;
}

/** What the workers need; clock, randomness and timers are injected so tests control them. */
export interface DeliveryWorkersOptions {
  store: Store;
  /** The workers own these notifiers: they close them at stop, or when a reload replaces them. */
  channels: ReadonlyMap<string, DeliveryChannel>;
  settings: DeliverySettings;
  metrics: SelfMetrics;
  /** The root logger; the workers log as `aiops_agent.delivery`. */
  log: Logger;
  events?: EventBus;
  /** Wall clock, ms. */
  now?: () => number;
  /** [0, 1), for the jitter. */
  random?: () => number;
  /** Calls `fn` once after `ms`; returns the function that cancels it. */
  setTimer?: (ms: number, fn: () => void) => () => void;
  /** How long `stop` waits for attempts in flight before cancelling them (default 2 s). */
  stopTimeoutMs?: number;
  /** Rows claimed per query of one channel (default 64). */
  batchSize?: number;
}

/**
 * The delivery workers: at least once, with retries, per channel. They start with `start()` and stop
 * with `stop()`; both are safe twice, and `stop` is safe without `start`.
 */
export interface DeliveryWorkers {
  /** Starts delivering: every pending row that is due, including those in flight when the agent died. */
  start(): void;
  /** Something was queued: look now, not at the next timer. */
  wake(): void;
  /** Takes new channels and settings; old notifiers are closed once their attempts in flight end. */
  reload(channels: ReadonlyMap<string, DeliveryChannel>, settings: DeliverySettings): void;
  /**
   * Stops claiming, waits for attempts in flight (at most `stopTimeoutMs`), cancels the rest (their
   * rows stay due: at-least-once), closes the notifiers. Bounded: well within the agent's 5 s.
   */
  stop(): Promise<void>;
  /** Attempts in flight, on one channel or all. */
  inFlight(channel?: string): number;
  /** Resolves once nothing is in flight and nothing is due now (tests and benchmarks). */
  idle(): Promise<void>;
}

/** One channel's lane: its own queue and slots, so a stuck channel holds only itself. */
interface Lane {
  name: string;
  channel: DeliveryChannel;
  /** Claimed rows waiting for a slot (claimed in memory: their rows stay pending in the database). */
  queue: NotificationRecord[];
  /** Ids claimed: queued or in flight. */
  claimed: Set<number>;
  inFlight: Map<number, { controller: AbortController; done: Promise<void> }>;
  /** The store refused to record an outcome: no claim before this time (ms), so a failure is no busy loop. */
  pausedUntil: number;
  /** The last attempt failed: log once when it starts failing and once when it recovers. */
  failing: boolean;
}

const CANCELLED_BY_STOP = "cancelled: the agent stopped during the attempt";
/** Longest the workers sleep with nothing due: they also look for rows of channels no longer configured. */
const SWEEP_MS = 60_000;
/** How long cancelled attempts get to settle after `stop` cancels them. */
const SETTLE_MS = 500;
/** A notifier that ignores its signal is given up this long after its own time-out. */
const GRACE_MS = 1000;
/**
 * Outcomes are committed at most this often: a busy channel's outcomes share a commit (a commit costs
 * more than recording an attempt), a lone one is committed at once. Only the record waits, not the
 * next attempt: the slot is free as soon as the attempt ends.
 */
const FLUSH_GAP_MS = 2;

/** Creates the delivery workers over an open store. */
export function createDeliveryWorkers(options: DeliveryWorkersOptions): DeliveryWorkers {
  const { store } = options;
  const log = componentLogger(options.log, "delivery");
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const setTimer =
    options.setTimer ??
    ((ms: number, fn: () => void) => {
      const t = setTimeout(fn, Math.max(0, ms));
      return () => clearTimeout(t);
    });
  const stopTimeoutMs = options.stopTimeoutMs ?? 2000;
  const batchSize = options.batchSize ?? 64;
  const metrics: OutboxMetrics = createOutboxMetrics(options.metrics);
  let settings = options.settings;
  const lanes = new Map<string, Lane>();
  let phase: "new" | "running" | "stopping" | "stopped" = "new";
  let pumpQueued = false;
  let cancelTimer: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];
  /** Notifiers replaced by a reload, closed once their attempts end. */
  const retiring = new Set<Promise<void>>();

  const makeLane = (name: string, channel: DeliveryChannel): Lane => {
    metrics.touch(name);
    return { name, channel, queue: [], claimed: new Set(), inFlight: new Map(), pausedUntil: 0, failing: false };
  };
  for (const [name, channel] of options.channels) lanes.set(name, makeLane(name, channel));

  registerOutboxGauges(
    options.metrics,
    () => {
      const depth = store.read((db) => outboxDepth(db));
      const seen = new Set(depth.map((d) => d.channel));
      return [...depth, ...[...lanes.keys()].filter((c) => !seen.has(c)).map((channel) => ({ channel, pending: 0, oldestCreatedAt: null }))];
    },
    now,
  );

  const schedulePump = () => {
    if (pumpQueued || phase !== "running") return;
    pumpQueued = true;
    queueMicrotask(pump);
  };

  function pump(): void {
    pumpQueued = false;
    if (phase !== "running") return;
    const at = now();
    try {
      for (const lane of lanes.values()) fill(lane, at);
      arm(at);
    } catch (cause) {
      // A claim query failed (the store is failing over): look again a little later.
      log.error({ err: cause }, "Delivery workers could not read the outbox; trying again shortly");
      cancelTimer?.();
      cancelTimer = setTimer(Math.max(settings.baseMs, 100), schedulePump);
    }
    notifyIdle();
  }

  /** Starts attempts on a lane until its slots are full or nothing more is due. */
  function fill(lane: Lane, at: number): void {
    if (lane.pausedUntil > at) return;
    while (lane.inFlight.size < settings.concurrency) {
      if (lane.queue.length === 0) {
        const rows = store.read((db) => dueForChannel(db, lane.name, at, batchSize + lane.claimed.size));
        for (const r of rows) {
          if (lane.claimed.has(r.id)) continue;
          lane.claimed.add(r.id);
          lane.queue.push(r);
        }
        if (lane.queue.length === 0) return;
      }
      attempt(lane, lane.queue.shift()!);
    }
  }

  /** Sleeps until the next retry of a lane with free slots (a full lane wakes as its attempts end). */
  function arm(at: number): void {
    cancelTimer?.();
    cancelTimer = undefined;
    let next = at + SWEEP_MS;
    for (const lane of lanes.values()) {
      if (lane.inFlight.size >= settings.concurrency) continue;
      if (lane.pausedUntil > at) {
        next = Math.min(next, lane.pausedUntil);
        continue;
      }
      // Rows due now are in flight (a lane with free slots has claimed every due row).
      const due = store.read((db) => nextDueAfter(db, lane.name, at));
      if (due !== null) next = Math.min(next, due);
    }
    cancelTimer = setTimer(next - at, () => {
      cancelTimer = undefined;
      sweepOrphans();
      schedulePump();
    });
  }

  /** One attempt at one row, in the background; its outcome is recorded when it ends. */
  function attempt(lane: Lane, row: NotificationRecord): void {
    const controller = new AbortController();
    const { notifier, timeoutMs } = lane.channel;
    const started = performance.now();
    let backstop: Timer | undefined;
    const done = Promise.race([
      // Inside a promise: a notifier that throws instead of answering must not break the claim loop.
      Promise.resolve().then(() => notifier.send(row.payload as Notification, controller.signal)),
      // A notifier must end its attempt by its own time-out; one that does not must not hold a slot.
      new Promise<NotifyResult>((resolve) => {
        backstop = setTimeout(() => {
          controller.abort(new Error("timed out"));
          resolve(failed(`timed out after ${timeoutMs / 1000}s (the attempt did not end by itself)`, true));
        }, timeoutMs + GRACE_MS);
      }),
    ])
      .catch((cause: unknown) => failed(`notifier failed: ${(cause as Error)?.message ?? String(cause)}`, true))
      .then((result) => {
        clearTimeout(backstop);
        settle(lane, row, controller.signal.aborted && phase !== "running" ? failed(CANCELLED_BY_STOP, true) : result, performance.now() - started);
      });
    lane.inFlight.set(row.id, { controller, done });
  }

  /** An attempt that ended, waiting to be committed with the others that ended at the same moment. */
  interface Ended {
    lane: Lane;
    row: NotificationRecord;
    result: NotifyResult;
    outcome: DeliveryOutcome;
    changes: NotificationChanges;
    attempt: Omit<DeliveryAttemptRecord, "id">;
  }
  let ended: Ended[] = [];
  let flushQueued = false;
  let lastFlush = Number.NEGATIVE_INFINITY;

  /**
   * An attempt ended: its slot is free at once (the next attempt may start), its outcome is committed
   * by `flush` with the others that ended by then (see FLUSH_GAP_MS). The row stays claimed until then,
   * so it cannot be sent twice.
   */
  function settle(lane: Lane, row: NotificationRecord, result: NotifyResult, latencyMs: number): void {
    lane.inFlight.delete(row.id);
    if (phase === "stopped") {
      lane.claimed.delete(row.id);
      return;
    }
    const at = now();
    const attempts = row.attempts + 1;
    let outcome: DeliveryOutcome;
    let changes: NotificationChanges;
    if (result.delivered) {
      outcome = "delivered";
      changes = { status: "delivered", attempts, deliveredAt: at, lastError: null, updatedAt: at };
    } else if (result.error === CANCELLED_BY_STOP) {
      // Cut short by a stop, not by the receiver: due again at once after the restart.
      outcome = "retry";
      changes = { attempts, nextAttemptAt: at, lastError: result.error, updatedAt: at };
    } else {
      const deadline = row.createdAt + settings.maxAgeMs;
      if (!result.retryable || at >= deadline) {
        outcome = "failed";
        changes = { status: "dead", attempts, deadLetteredAt: at, lastError: result.error, updatedAt: at };
      } else {
        outcome = "retry";
        // The last retry falls on the deadline, so a notification is given up only once it is that old.
        const next = Math.min(at + retryDelayMs(attempts, settings, random, result.retryAfterMs), deadline);
        changes = { attempts, nextAttemptAt: next, lastError: result.error, updatedAt: at };
      }
    }
    const attempt = { notificationId: row.id, channel: lane.name, ts: at, outcome, httpStatus: result.status ?? null, error: result.delivered ? null : result.error, latencyMs };
    ended.push({ lane, row, result, outcome, changes, attempt });
    if (!flushQueued) {
      flushQueued = true;
      const wait = lastFlush + FLUSH_GAP_MS - performance.now();
      if (wait > 0) setTimeout(flush, wait);
      else setImmediate(flush);
    }
    schedulePump();
  }

  /**
   * Commits the outcomes of attempts that ended: each attempt recorded with its row's new state, all
   * in one transaction (one commit per outcome would cost more than the attempts themselves).
   */
  function flush(): void {
    flushQueued = false;
    const batch = ended;
    ended = [];
    if (batch.length === 0) return;
    lastFlush = performance.now();
    try {
      store.transaction((db) => {
        for (const e of batch) {
          recordDeliveryAttempt(db, e.attempt);
          updateNotification(db, e.row.id, e.changes);
          // Done with it: the next notification of the same alert on this channel may go.
          if (e.outcome !== "retry") releaseNextInOrder(db, e.lane.name, e.row.alertFingerprint, e.attempt.ts);
        }
      });
    } catch (cause) {
      // The rows stay as they were (due): pause their lanes rather than resend in a loop.
      const until = now() + Math.max(settings.baseMs, 1000);
      for (const e of batch) {
        e.lane.claimed.delete(e.row.id);
        e.lane.pausedUntil = until;
      }
      log.error({ err: cause, attempts: batch.length }, "Could not record delivery attempts; the notifications stay queued");
      schedulePump();
      return;
    }
    for (const e of batch) {
      e.lane.claimed.delete(e.row.id);
      count(e.lane, e.row, e.result, e.outcome, e.attempt.latencyMs);
      options.events?.publish({
        type: "delivery",
        delivery: {
          ...e.attempt,
          idempotencyKey: e.row.idempotencyKey,
          fingerprint: e.row.alertFingerprint,
          alertState: e.row.alertState,
          ...alertNamesOf(e.row.payload),
          attempt: e.changes.attempts ?? e.row.attempts + 1,
          status: e.changes.status ?? "pending",
          ...(e.outcome === "retry" && e.changes.nextAttemptAt !== undefined ? { nextAttemptAt: e.changes.nextAttemptAt } : {}),
        },
      });
    }
    schedulePump();
  }

  function count(lane: Lane, row: NotificationRecord, result: NotifyResult, outcome: DeliveryOutcome, latencyMs: number): void {
    const channel = lane.name;
    metrics.duration.observe(latencyMs / 1000);
    if (result.delivered) {
      metrics.sent.inc({ channel });
      if (lane.failing) log.info({ channel }, `Channel ${channel} delivers again`);
      lane.failing = false;
      return;
    }
    metrics.failed.inc({ channel, reason: failureReason(result) });
    if (outcome === "retry") metrics.retried.inc({ channel });
    else {
      metrics.deadLettered.inc({ channel });
      // Rare and someone was not told: worth a line each.
      log.error(
        { channel, idempotency_key: row.idempotencyKey, fingerprint: row.alertFingerprint, attempts: row.attempts + 1, error: result.error },
        `Gave up delivering a notification to ${channel}`,
      );
    }
    if (!lane.failing && result.error !== CANCELLED_BY_STOP) {
      lane.failing = true;
      log.warning({ channel, error: result.error }, `Channel ${channel} fails; retrying with backoff`);
    }
  }

  /**
   * Rows of channels no longer configured cannot be sent; they are dead-lettered once past the max
   * age, as any other undelivered notification (a channel that comes back before then gets them).
   */
  function sweepOrphans(): void {
    if (phase !== "running") return;
    try {
      const at = now();
      const cutoff = at - settings.maxAgeMs;
      for (const d of store.read((db) => outboxDepth(db))) {
        if (lanes.has(d.channel) || d.oldestCreatedAt > cutoff) continue;
        const expired = store.transaction((db) => {
          const rows = dueForChannel(db, d.channel, Number.MAX_SAFE_INTEGER, 10_000).filter((r) => r.createdAt <= cutoff);
          for (const r of rows) {
            updateNotification(db, r.id, {
              status: "dead",
              deadLetteredAt: at,
              lastError: r.lastError ?? `channel ${d.channel} is no longer configured`,
              updatedAt: at,
            });
          }
          return rows.length;
        });
        if (expired > 0) {
          metrics.deadLettered.inc({ channel: d.channel }, expired);
          log.error({ channel: d.channel, notifications: expired }, `Gave up notifications queued for ${d.channel}, a channel no longer configured`);
        }
      }
    } catch (cause) {
      log.error({ err: cause }, "Could not sweep the outbox for channels no longer configured");
    }
  }

  function notifyIdle(): void {
    if (idleWaiters.length === 0 || !isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function isIdle(): boolean {
    if (phase !== "running") return true;
    if (ended.length > 0) return false;
    const at = now();
    for (const lane of lanes.values()) {
      if (lane.inFlight.size > 0 || lane.queue.length > 0) return false;
      if (lane.pausedUntil <= at && store.read((db) => dueForChannel(db, lane.name, at, 1)).length > 0) return false;
    }
    return true;
  }

  async function closeAfter(notifier: Notifier, attempts: Array<Promise<void>>): Promise<void> {
    await Promise.allSettled(attempts);
    try {
      await notifier.close();
    } catch (cause) {
      log.warning({ err: cause, channel: notifier.name }, "Closing a notifier failed");
    }
  }

  let stopped: Promise<void> | undefined;

  return {
    start() {
      if (phase !== "new") return;
      phase = "running";
      sweepOrphans();
      schedulePump();
    },

    wake: schedulePump,

    reload(channels, next) {
      settings = next;
      for (const [name, lane] of lanes) {
        const replacement = channels.get(name);
        if (replacement?.notifier === lane.channel.notifier) {
          lane.channel = replacement;
          continue;
        }
        // Attempts in flight finish on the old notifier; queued rows go back to the database.
        const attempts = [...lane.inFlight.values()].map((f) => f.done);
        const closing = closeAfter(lane.channel.notifier, attempts);
        retiring.add(closing);
        void closing.finally(() => retiring.delete(closing));
        if (replacement) {
          lane.channel = replacement;
          for (const r of lane.queue) lane.claimed.delete(r.id);
          lane.queue = [];
        } else {
          lanes.delete(name);
        }
      }
      for (const [name, channel] of channels) if (!lanes.has(name)) lanes.set(name, makeLane(name, channel));
      schedulePump();
    },

    stop() {
      stopped ??= (async () => {
        const wasRunning = phase === "running";
        phase = "stopping";
        cancelTimer?.();
        cancelTimer = undefined;
        const flights = () => [...lanes.values()].flatMap((l) => [...l.inFlight.values()]);
        if (wasRunning && flights().length > 0) {
          const all = Promise.allSettled(flights().map((f) => f.done));
          if (!(await within(all, stopTimeoutMs))) {
            const left = flights();
            for (const f of left) f.controller.abort(new Error("stopping"));
            await within(Promise.allSettled(left.map((f) => f.done)), SETTLE_MS);
            log.warning({ cancelled: left.length }, "Stopped with deliveries in flight; they are sent again after the restart");
          }
        }
        // Outcomes that ended are recorded before the store closes.
        flush();
        phase = "stopped";
        for (const lane of lanes.values()) lane.queue = [];
        await within(Promise.allSettled([...retiring, ...[...lanes.values()].map((l) => closeAfter(l.channel.notifier, []))]), SETTLE_MS);
        notifyIdle();
        for (const w of idleWaiters.splice(0)) w();
      })();
      return stopped;
    },

    inFlight(channel) {
      if (channel !== undefined) return lanes.get(channel)?.inFlight.size ?? 0;
      let n = 0;
      for (const lane of lanes.values()) n += lane.inFlight.size;
      return n;
    },

    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
      });
    },
  };
}

/** True when `p` settled within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | undefined;
  const settled = await Promise.race([p.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

/** The alert's name and summary out of a queued notification's payload, for the event stream and the TUI. */
function alertNamesOf(payload: unknown): { alertname?: string; summary?: string } {
  const n = payload as Partial<Notification> | null;
  const alertname = n?.labels?.alertname;
  const summary = n?.annotations?.summary;
  return { ...(typeof alertname === "string" ? { alertname } : {}), ...(typeof summary === "string" ? { summary } : {}) };
}
