import { afterEach, describe, expect, test } from "bun:test";
import { retryDelayMs } from "../../../src/alert/delivery/backoff.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import type { DeliverySettings } from "../../../src/alert/delivery/delivery-settings.ts";
import { createDeliveryWorkers } from "../../../src/alert/delivery/delivery-workers.ts";
import { delivered, failed, type Notifier } from "../../../src/alert/notifier.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { listDeliveryAttempts } from "../../../src/store/delivery-attempts.ts";
import { enqueueInOrder, getNotification, listNotifications } from "../../../src/store/notifications.ts";
import type { Store } from "../../../src/store/store.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { notification } from "../fixtures.ts";
import { T0, openStore, quietLog } from "../outbox/support.ts";
import { TestClock, channels, fakeNotifier, settle, stopAdvancing } from "./support.ts";
import type { DeliveryAttempt } from "../../../src/contracts/delivery.ts";
import { systemClock } from "../../../src/clock.ts";

afterEach(cleanUp);

const SETTINGS: DeliverySettings = { concurrency: 4, baseMs: 1000, maxMs: 60_000, maxAgeMs: 3_600_000 };

/** Queues a notification for `channel` as the outbox would (each key its own alert unless `alert` is given). */
function enqueue(store: Store, channel: string, key: string, createdAt = T0, alert = `alert-${key}`): number {
  return store.transaction((db) =>
    enqueueInOrder(db, {
      alertFingerprint: alert,
      alertState: "firing",
      channel,
      idempotencyKey: key,
      payload: notification({ idempotencyKey: key, channel }),
      createdAt,
    })!,
  );
}

function workers(store: Store, notifiers: Notifier[], over: { settings?: Partial<DeliverySettings>; time?: TestClock; random?: () => number; stopTimeoutMs?: number; metrics?: SelfMetrics; events?: EventBus } = {}) {
  const time = over.time ?? new TestClock();
  const metrics = over.metrics ?? new SelfMetrics();
  const { log, lines } = quietLog();
  const w = createDeliveryWorkers({
    store,
    channels: channels(...notifiers),
    settings: { ...SETTINGS, ...over.settings },
    metrics,
    log,
    clock: time,
    // Each outcome committed at once: the commit gap has its own test (recorder.test.ts).
    commitGapMs: 0,
    random: over.random ?? seededRandom(1),
    ...(over.events ? { events: over.events } : {}),
    ...(over.stopTimeoutMs !== undefined ? { stopTimeoutMs: over.stopTimeoutMs } : {}),
  });
  return { w, time, metrics, lines };
}

const attempts = (store: Store, id: number) => store.read((db) => listDeliveryAttempts(db, { notificationId: id }).items).reverse();
const counter = (metrics: SelfMetrics, name: string, labels: Record<string, string>) =>
  metrics.all().find((f) => f.name === name)?.samples().find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe("delivery workers", () => {
  test("deliver what is due at start, record the attempt, publish it and count it", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const hook = fakeNotifier("hook", [delivered(200)]);
    const events = new EventBus(systemClock);
    const seen: DeliveryAttempt[] = [];
    events.subscribe((e) => e.type === "delivery" && seen.push(e.delivery));
    const { w, metrics } = workers(store, [hook], { events });
    w.start();
    await settle();
    expect(hook.sent.map((s) => s.key)).toEqual(["k1"]);
    expect(store.read((db) => getNotification(db, id))).toMatchObject({ status: "delivered", attempts: 1, deliveredAt: T0, lastError: null });
    expect(attempts(store, id)).toMatchObject([{ channel: "hook", ts: T0, outcome: "delivered", httpStatus: 200, error: null }]);
    expect(seen).toMatchObject([{ notificationId: id, idempotencyKey: "k1", outcome: "delivered", status: "delivered", attempt: 1 }]);
    expect(counter(metrics, "aiops_notifications_sent_total", { channel: "hook" })).toBe(1);
    expect(counter(metrics, "aiops_outbox_depth", { channel: "hook" })).toBe(0);
    await w.stop();
    expect(hook.closed).toBe(1);
  });

  test("wake-up on enqueue: no waiting for a timer", async () => {
    const { store } = openStore();
    const time = new TestClock();
    const hook = fakeNotifier("hook", [delivered(200)], () => time.wallMs());
    const { w } = workers(store, [hook], { time });
    w.start();
    await settle();
    enqueue(store, "hook", "k1");
    w.wake();
    await settle();
    expect(hook.sent.map((s) => [s.key, s.at])).toEqual([["k1", time.current]]);
    await w.stop();
  });

  test("retry with exponential backoff and full jitter on a seeded source, then deliver", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const time = new TestClock();
    const hook = fakeNotifier(
      "hook",
      [failed("HTTP 503", true, 503), failed("no answer from 127.0.0.1:9: ECONNREFUSED", true), failed("timed out after 1s", true), delivered(200)],
      () => time.wallMs(),
    );
    const { w, metrics } = workers(store, [hook], { random: seededRandom(99), time });
    w.start();
    await settle();
    // The same seeded source gives the expected schedule: attempt n waits retryDelayMs(n).
    const expected = seededRandom(99);
    let at = T0;
    const times = [T0];
    for (let n = 1; n <= 3; n++) {
      at += retryDelayMs(n, SETTINGS, expected);
      times.push(at);
      expect(store.read((db) => getNotification(db, id))?.nextAttemptAt).toBe(at);
      await time.advanceTo(at - 1);
      expect(hook.sent).toHaveLength(n);
      await time.advanceTo(at);
      expect(hook.sent).toHaveLength(n + 1);
    }
    expect(hook.sent.map((s) => s.at)).toEqual(times);
    expect(attempts(store, id).map((a) => [a.outcome, a.httpStatus, a.error])).toEqual([
      ["retry", 503, "HTTP 503"],
      ["retry", null, "no answer from 127.0.0.1:9: ECONNREFUSED"],
      ["retry", null, "timed out after 1s"],
      ["delivered", 200, null],
    ]);
    expect(store.read((db) => getNotification(db, id))).toMatchObject({ status: "delivered", attempts: 4 });
    expect(counter(metrics, "aiops_notifications_retried_total", { channel: "hook" })).toBe(3);
    expect(counter(metrics, "aiops_notifications_failed_total", { channel: "hook", reason: "server_error" })).toBe(1);
    expect(counter(metrics, "aiops_notifications_failed_total", { channel: "hook", reason: "unreachable" })).toBe(1);
    expect(counter(metrics, "aiops_notifications_failed_total", { channel: "hook", reason: "timeout" })).toBe(1);
    await w.stop();
  });

  test("Retry-After is honoured: not a moment before the receiver asked", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const time = new TestClock();
    const hook = fakeNotifier("hook", [failed("HTTP 429: slow down", true, 429, 30_000), delivered(200)], () => time.wallMs());
    const { w, metrics } = workers(store, [hook], { random: () => 0.01, time });
    w.start();
    await settle();
    expect(store.read((db) => getNotification(db, id))?.nextAttemptAt).toBe(T0 + 30_000);
    await time.advanceTo(T0 + 29_999);
    expect(hook.sent).toHaveLength(1);
    await time.advanceTo(T0 + 30_000);
    expect(hook.sent.map((s) => s.at)).toEqual([T0, T0 + 30_000]);
    expect(counter(metrics, "aiops_notifications_failed_total", { channel: "hook", reason: "rate_limited" })).toBe(1);
    await w.stop();
  });

  test("a refusal is final: dead-lettered at once with the receiver's reason", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const hook = fakeNotifier("hook", [failed("HTTP 400: bad payload", false, 400)]);
    const { w, metrics, lines } = workers(store, [hook]);
    w.start();
    await settle();
    expect(store.read((db) => getNotification(db, id))).toMatchObject({ status: "dead", deadLetteredAt: T0, lastError: "HTTP 400: bad payload", attempts: 1 });
    expect(attempts(store, id).map((a) => a.outcome)).toEqual(["failed"]);
    expect(counter(metrics, "aiops_notifications_dead_lettered_total", { channel: "hook" })).toBe(1);
    expect(counter(metrics, "aiops_notifications_failed_total", { channel: "hook", reason: "rejected" })).toBe(1);
    expect(lines.find((l) => l.message === "Gave up delivering a notification to hook")).toMatchObject({ idempotency_key: "k1", error: "HTTP 400: bad payload" });
    await w.stop();
  });

  test("past the max age a failing notification is dead-lettered with its last error; the last try falls on the deadline", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const hook = fakeNotifier("hook", [failed("HTTP 502: bad gateway", true, 502)]);
    const { w, time, metrics } = workers(store, [hook], { settings: { maxAgeMs: 20_000, baseMs: 1000, maxMs: 8000 } });
    w.start();
    await settle();
    while (store.read((db) => getNotification(db, id))?.status === "pending") await time.advanceTo(time.nextTimer!);
    const row = store.read((db) => getNotification(db, id))!;
    expect(row).toMatchObject({ status: "dead", deadLetteredAt: T0 + 20_000, lastError: "HTTP 502: bad gateway" });
    const log = attempts(store, id);
    expect(log.at(-1)).toMatchObject({ ts: T0 + 20_000, outcome: "failed", httpStatus: 502 });
    expect(log.slice(0, -1).every((a) => a.outcome === "retry" && a.ts < T0 + 20_000)).toBe(true);
    expect(row.attempts).toBe(log.length);
    expect(counter(metrics, "aiops_notifications_dead_lettered_total", { channel: "hook" })).toBe(1);
    await w.stop();
  });

  test("an alert's changes reach a channel in order: the resolve waits for its firing, retries included", async () => {
    const { store } = openStore();
    const time = new TestClock();
    enqueue(store, "hook", "firing", T0, "cpu");
    enqueue(store, "hook", "resolved", T0, "cpu");
    const hook = fakeNotifier("hook", [failed("HTTP 503", true, 503), failed("HTTP 503", true, 503), delivered(200)], () => time.wallMs());
    const { w } = workers(store, [hook], { time });
    w.start();
    await settle();
    while (hook.sent.length < 4) await time.advanceTo(time.nextTimer!);
    expect(hook.sent.map((s) => s.key)).toEqual(["firing", "firing", "firing", "resolved"]);
    await w.stop();
  });

  test("a notification given up releases the next one of the same alert; a deep queue of one alert drains in order", async () => {
    const { store } = openStore();
    for (let i = 0; i < 30; i++) enqueue(store, "hook", `k${i}`, T0, "cpu");
    const hook = fakeNotifier("hook", [failed("HTTP 400: no", false, 400), delivered(200)]);
    const { w } = workers(store, [hook]);
    w.start();
    for (let i = 0; i < 40 && hook.sent.length < 30; i++) await settle();
    await settle();
    expect(hook.sent.map((s) => s.key)).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`));
    expect(store.read((db) => listNotifications(db, { status: "dead" }).items.map((n) => n.idempotencyKey))).toEqual(["k0"]);
    expect(store.read((db) => listNotifications(db, { status: "delivered", limit: 100 }).items)).toHaveLength(29);
    await w.stop();
  });

  test("a notifier that throws instead of answering is a retryable failure, recorded", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const broken: Notifier = { name: "hook", type: "webhook", send: () => { throw new Error("bug in a notifier"); }, close: async () => {} };
    const { w } = workers(store, [broken]);
    w.start();
    await settle();
    expect(attempts(store, id)).toMatchObject([{ outcome: "retry", error: "notifier failed: bug in a notifier" }]);
    await w.stop();
  });

  test("at most `concurrency` attempts in flight per channel", async () => {
    const { store } = openStore();
    for (let i = 0; i < 10; i++) enqueue(store, "hook", `k${i}`);
    const release: Array<() => void> = [];
    const hook = fakeNotifier("hook", [() => new Promise((resolve) => release.push(() => resolve(delivered(200))))]);
    const { w } = workers(store, [hook], { settings: { concurrency: 3 } });
    w.start();
    await settle();
    let maxInFlight = 0;
    while (release.length > 0) {
      maxInFlight = Math.max(maxInFlight, w.inFlight("hook"));
      release.shift()!();
      await settle();
    }
    expect(maxInFlight).toBe(3);
    expect(hook.sent.map((s) => s.key)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`));
    expect(store.read((db) => listNotifications(db, { status: "delivered" }).items)).toHaveLength(10);
    await w.stop();
  });

  test("a channel that hangs holds only its own slots: another channel's deliveries go through", async () => {
    const { store } = openStore();
    for (let i = 0; i < 8; i++) enqueue(store, "stuck", `s${i}`);
    for (let i = 0; i < 20; i++) enqueue(store, "fine", `f${i}`);
    // Never answers until its attempt is cancelled.
    const stuck = fakeNotifier("stuck", [(_, signal) => new Promise((resolve) => signal?.addEventListener("abort", () => resolve(failed("cancelled", true))))]);
    const fine = fakeNotifier("fine", [delivered(200)]);
    const { w, time } = workers(store, [stuck, fine], { stopTimeoutMs: 10 });
    w.start();
    await settle();
    expect(fine.sent).toHaveLength(20);
    expect(store.read((db) => listNotifications(db, { channel: "fine", status: "delivered" }).items)).toHaveLength(20);
    expect(stuck.sent).toHaveLength(4);
    expect(w.inFlight("stuck")).toBe(4);
    await stopAdvancing(w, time);
    // Cut short by the stop: recorded, and due again at once for the next start.
    const stoppedAt = time.current;
    expect(store.read((db) => listNotifications(db, { channel: "stuck", status: "pending" }).items.every((n) => n.nextAttemptAt <= stoppedAt))).toBe(true);
    expect(stuck.closed).toBe(1);
  });

  test("stop is bounded even when a notifier ignores its signal, and the row is sent again after a restart", async () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "k1");
    const deaf = fakeNotifier("hook", [() => new Promise(() => {})]);
    const first = workers(store, [deaf], { stopTimeoutMs: 20 });
    first.w.start();
    await settle();
    expect(first.w.inFlight()).toBe(1);
    await stopAdvancing(first.w, first.time);
    expect(store.read((db) => getNotification(db, id))).toMatchObject({ status: "pending" });

    // The next run (after a restart, or a kill -9 in the middle of the attempt) sends it again.
    const hook = fakeNotifier("hook", [delivered(200)]);
    const second = workers(store, [hook]);
    second.w.start();
    await settle();
    expect(hook.sent.map((s) => s.key)).toEqual(["k1"]);
    expect(store.read((db) => getNotification(db, id))).toMatchObject({ status: "delivered" });
    await second.w.stop();
  });

  test("start and stop are safe twice; stop is safe without start", async () => {
    const { store } = openStore();
    const hook = fakeNotifier("hook", [delivered(200)]);
    const never = workers(store, [hook]);
    await never.w.stop();
    await never.w.stop();
    expect(hook.closed).toBe(1);
    const { w } = workers(store, [fakeNotifier("hook", [delivered(200)])]);
    w.start();
    w.start();
    await w.stop();
    await w.stop();
  });

  test("a reload takes new notifiers; the old one closes once its attempt ends", async () => {
    const { store } = openStore();
    enqueue(store, "hook", "k1");
    let release!: () => void;
    const old = fakeNotifier("hook", [() => new Promise((resolve) => (release = () => resolve(delivered(200))))]);
    const { w } = workers(store, [old]);
    w.start();
    await settle();
    const replacement = fakeNotifier("hook", [delivered(201)]);
    const other = fakeNotifier("other", [delivered(200)]);
    w.reload(channels(replacement, other), SETTINGS);
    await settle();
    expect(old.closed).toBe(0);
    release();
    await settle();
    expect(old.closed).toBe(1);
    enqueue(store, "hook", "k2");
    enqueue(store, "other", "k3");
    w.wake();
    await settle();
    expect(replacement.sent.map((s) => s.key)).toEqual(["k2"]);
    expect(other.sent.map((s) => s.key)).toEqual(["k3"]);
    await w.stop();
  });

  test("rows of a channel no longer configured are dead-lettered once past the max age", async () => {
    const { store } = openStore();
    const id = enqueue(store, "gone", "k1", T0 - 3_600_000);
    const fresh = enqueue(store, "gone", "k2", T0);
    const { w, metrics } = workers(store, [fakeNotifier("hook", [delivered(200)])]);
    w.start();
    await settle();
    expect(store.read((db) => getNotification(db, id))).toMatchObject({ status: "dead", lastError: "channel gone is no longer configured" });
    expect(store.read((db) => getNotification(db, fresh))).toMatchObject({ status: "pending" });
    expect(counter(metrics, "aiops_notifications_dead_lettered_total", { channel: "gone" })).toBe(1);
    expect(counter(metrics, "aiops_outbox_depth", { channel: "gone" })).toBe(1);
    await w.stop();
  });
});
