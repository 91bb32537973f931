import type { Clock } from "../../clock.ts";
import type { EventBus } from "../../event-bus.ts";
import { componentLogger, type Logger } from "../../log.ts";
import type { SelfMetrics } from "../../self-metrics.ts";
import { outboxDepth, type NotificationRecord } from "../../store/notifications.ts";
import type { Store } from "../../store/store.ts";
import { failed } from "../notifier.ts";
import { type AttemptEnd, attemptDelivery, CANCELLED_BY_STOP } from "./attempt.ts";
import { attemptOutcomeOf } from "./attempt-outcome.ts";
import { createClaim } from "./claim.ts";
import type { DeliveryChannel } from "./delivery-channels.ts";
import { createDeliveryReport } from "./delivery-report.ts";
import type { DeliverySettings } from "./delivery-settings.ts";
import type { Lane } from "./lane.ts";
import { createLanes } from "./lanes.ts";
import { createOrphanSweep } from "./orphan-sweep.ts";
import { createOutboxMetrics, registerOutboxGauges } from "./outbox-metrics.ts";
import { createRecorder } from "./recorder.ts";

/** What the workers need; the clock and randomness are injected so tests control them. */
export interface DeliveryWorkersOptions {
  store: Store;
  /** The workers own these notifiers: they close them at stop, or when a reload replaces them. */
  channels: ReadonlyMap<string, DeliveryChannel>;
  settings: DeliverySettings;
  metrics: SelfMetrics;
  /** The root logger; the workers log as `aiops_agent.delivery`. */
  log: Logger;
  events?: EventBus;
  /** Every timer and every time read (wall-clock times in the outbox, monotonic ones for latencies). */
  clock: Clock;
  /** [0, 1), for the jitter. */
  random?: () => number;
  /** How long `stop` waits for attempts in flight before cancelling them (default 2 s). */
  stopTimeoutMs?: number;
  /** Rows claimed per query of one channel (default 64). */
  batchSize?: number;
  /** Outcomes are committed at most this often (default 2 ms; 0 commits each turn of the event loop). */
  commitGapMs?: number;
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

/** Longest the workers sleep with nothing due: they also look for rows of channels no longer configured. */
const SWEEP_MS = 60_000;
/** How long cancelled attempts get to settle after `stop` cancels them. */
const SETTLE_MS = 500;
/** Outcomes are committed at most this often by default (see `commitGapMs`). */
const COMMIT_GAP_MS = 2;

/**
 * Creates the delivery workers over an open store. Each channel has its own lane; for each, the
 * steps run in order, like stages of a pipeline:
 *
 *   claim (the next due row) → attempt (send, bounded by the time-out) → outcome (delivered, retry
 *   when, or give up) → record (one transaction per batch) → report (metrics, logs, event)
 *
 * and, beside them, the orphan sweep of channels no longer configured. The lanes (one per channel)
 * follow reloads. The workers own the loop: when to look for due rows (woken by the outbox, or by a
 * timer for the next retry or the sweep), and the stop.
 */
export function createDeliveryWorkers(options: DeliveryWorkersOptions): DeliveryWorkers {
  const { store } = options;
  const log = componentLogger(options.log, "delivery");
  const { clock } = options;
  const wallMs = () => clock.wall().getTime();
  const random = options.random ?? Math.random;
  const stopTimeoutMs = options.stopTimeoutMs ?? 2000;
  const metrics = createOutboxMetrics(options.metrics);
  let settings = options.settings;
  let phase: "new" | "running" | "stopping" | "stopped" = "new";
  let pumpQueued = false;
  let cancelTimer: (() => void) | undefined;
  let idleWaiters: Array<() => void> = [];

  const claim = createClaim(store, options.batchSize ?? 64);
  const reporter = createDeliveryReport(metrics, log, options.events);
  const orphans = createOrphanSweep(store, metrics, log);
  const recorder = createRecorder({
    store,
    clock,
    commitGapMs: options.commitGapMs ?? COMMIT_GAP_MS,
    recorded(batch) {
      for (const e of batch) {
        e.lane.claimed.delete(e.row.id);
        reporter.report(e);
      }
      schedulePump();
    },
    failed(batch, cause) {
      // The rows stay as they were (due): pause their lanes rather than resend in a loop.
      const until = wallMs() + Math.max(settings.baseMs, 1000);
      for (const e of batch) {
        e.lane.claimed.delete(e.row.id);
        e.lane.pausedUntil = until;
      }
      log.error({ err: cause, attempts: batch.length }, "Could not record delivery attempts; the notifications stay queued");
      schedulePump();
    },
  });

  const lanes = createLanes(options.channels, log, (name) => metrics.touch(name));

  registerOutboxGauges(
    options.metrics,
    () => {
      const depth = store.read((db) => outboxDepth(db));
      const seen = new Set(depth.map((d) => d.channel));
      return [...depth, ...lanes.names().filter((c) => !seen.has(c)).map((channel) => ({ channel, pending: 0, oldestCreatedAt: null }))];
    },
    wallMs,
  );

  const schedulePump = () => {
    if (pumpQueued || phase !== "running") return;
    pumpQueued = true;
    queueMicrotask(pump);
  };

  function pump(): void {
    pumpQueued = false;
    if (phase !== "running") return;
    const at = wallMs();
    try {
      for (const lane of lanes) fill(lane, at);
      arm(at);
    } catch (cause) {
      // A claim query failed (the store is failing over): look again a little later.
      log.error({ err: cause }, "Delivery workers could not read the outbox; trying again shortly");
      cancelTimer?.();
      cancelTimer = clock.setTimer(Math.max(settings.baseMs, 100), schedulePump);
    }
    notifyIdle();
  }

  /** Starts attempts on a lane until its slots are full or nothing more is due. */
  function fill(lane: Lane, at: number): void {
    if (lane.pausedUntil > at) return;
    while (lane.inFlight.size < settings.concurrency) {
      const row = claim.next(lane, at);
      if (!row) return;
      const attempt = attemptDelivery(lane.channel, row, clock, (end) => ended(lane, row, end));
      lane.inFlight.set(row.id, attempt);
    }
  }

  /** Sleeps until the next retry of a lane with free slots (a full lane wakes as its attempts end). */
  function arm(at: number): void {
    cancelTimer?.();
    cancelTimer = undefined;
    let next = at + SWEEP_MS;
    for (const lane of lanes) {
      if (lane.inFlight.size >= settings.concurrency) continue;
      if (lane.pausedUntil > at) {
        next = Math.min(next, lane.pausedUntil);
        continue;
      }
      // Rows due now are in flight (a lane with free slots has claimed every due row).
      const due = claim.nextDueAfter(lane, at);
      if (due !== null) next = Math.min(next, due);
    }
    cancelTimer = clock.setTimer(next - at, () => {
      cancelTimer = undefined;
      sweepOrphans();
      schedulePump();
    });
  }

  /**
   * An attempt ended: its slot is free at once (the next attempt may start), its outcome goes to the
   * record step. The row stays claimed until it is recorded, so it cannot be sent twice.
   */
  function ended(lane: Lane, row: NotificationRecord, end: AttemptEnd): void {
    lane.inFlight.delete(row.id);
    if (phase === "stopped") {
      lane.claimed.delete(row.id);
      return;
    }
    const result = end.aborted && phase !== "running" ? failed(CANCELLED_BY_STOP, true) : end.result;
    const at = wallMs();
    const { outcome, changes } = attemptOutcomeOf(row, result, at, settings, random);
    const attempt = {
      notificationId: row.id,
      channel: lane.name,
      ts: at,
      outcome,
      httpStatus: result.status ?? null,
      error: result.delivered ? null : result.error,
      latencyMs: end.latencyMs,
    };
    recorder.add({ lane, row, result, outcome, changes, attempt });
    schedulePump();
  }

  function sweepOrphans(): void {
    if (phase === "running") orphans.sweep(lanes, wallMs(), settings.maxAgeMs);
  }

  function notifyIdle(): void {
    if (idleWaiters.length === 0 || !isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function isIdle(): boolean {
    if (phase !== "running") return true;
    if (recorder.waiting > 0) return false;
    const at = wallMs();
    for (const lane of lanes) {
      if (lane.inFlight.size > 0 || lane.queue.length > 0) return false;
      if (lane.pausedUntil <= at && claim.anyDue(lane, at)) return false;
    }
    return true;
  }

  /** True when `p` settled within `ms` of the clock. */
  async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
    let cancel: (() => void) | undefined;
    const settled = await Promise.race([p.then(() => true), new Promise<boolean>((resolve) => (cancel = clock.setTimer(ms, () => resolve(false))))]);
    cancel?.();
    return settled;
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
      lanes.reload(channels);
      schedulePump();
    },

    stop() {
      stopped ??= (async () => {
        const wasRunning = phase === "running";
        phase = "stopping";
        cancelTimer?.();
        cancelTimer = undefined;
        if (wasRunning && lanes.flights().length > 0) {
          const all = Promise.allSettled(lanes.flights().map((f) => f.done));
          if (!(await within(all, stopTimeoutMs))) {
            const left = lanes.flights();
            for (const f of left) f.controller.abort(new Error("stopping"));
            await within(Promise.allSettled(left.map((f) => f.done)), SETTLE_MS);
            log.warning({ cancelled: left.length }, "Stopped with deliveries in flight; they are sent again after the restart");
          }
        }
        // Outcomes that ended are recorded before the store closes.
        recorder.flush();
        phase = "stopped";
        await within(lanes.close(), SETTLE_MS);
        notifyIdle();
        for (const w of idleWaiters.splice(0)) w();
      })();
      return stopped;
    },

    inFlight: (channel) => lanes.inFlight(channel),

    idle() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
      });
    },
  };
}
