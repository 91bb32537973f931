import { afterEach, describe, expect, test } from "bun:test";
import { type Alerting, createAlerting } from "../../../src/alert/alerting.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { listDeliveryAttempts } from "../../../src/store/delivery-attempts.ts";
import { listNotifications, type NotificationRecord } from "../../../src/store/notifications.ts";
import type { Store } from "../../../src/store/store.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { configFor, finding } from "../fixtures.ts";
import { type Receiver, startReceiver } from "./receiver.ts";
import { openStore, quietLog, tick } from "./support.ts";
import { ManualClock } from "../../../src/clock.ts";
import { waitFor } from "../../support/ports.ts";

const SECRET = "receiver-hmac-secret-0123";
const running: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
  cleanUp();
});

/**
 * The real pipeline (engine, outbox transaction, workers, webhook notifiers) with retries after 50 to
 * 200 ms, on a manual clock: the receiver's answers are real, the waits (backoff, Retry-After, time-outs)
 * pass when the test moves the clock.
 */
async function pipeline(
  receivers: Record<string, Receiver>,
  channel: Record<string, unknown> = {},
  delivery: Record<string, unknown> = {},
): Promise<{ alerting: Alerting; store: Store; clock: ManualClock }> {
  const { store } = openStore();
  const config = configFor({
    for: 0,
    group_wait: 0,
    delivery: { backoff_base: "50ms", backoff_max: "200ms", ...delivery },
    channels: Object.entries(receivers).map(([name, r]) => ({ name, type: "webhook", url: r.url, secret: SECRET, timeout: 2, ...channel })),
  });
  const clock = new ManualClock();
  const alerting = await createAlerting(config, { store, metrics: new SelfMetrics(), events: new EventBus(clock), log: quietLog().log, clock });
  alerting.start();
  running.push(() => alerting.stage.close());
  return { alerting, store, clock };
}

/** `n` ticks at the clock's time, each firing one more alert: one notification per channel per tick. */
function fire(alerting: Alerting, clock: ManualClock, n: number): void {
  const findings = Array.from({ length: n }, (_, i) => finding({ labels: { cpu: String(i) } }));
  for (let i = 1; i <= n; i++) alerting.stage.run(tick(clock.wallMs(), findings.slice(0, i)));
}

/**
 * Polls until `check` holds, moving the clock past the longest backoff (200 ms) before each look: a
 * retry that is due goes out, and its real answer is then awaited.
 */
function retrying(what: string, clock: ManualClock, check: () => boolean): Promise<true> {
  return waitFor(
    what,
    async () => {
      await clock.advance(200);
      return check();
    },
    15_000,
    20,
  );
}

const rows = (store: Store, channel?: string): NotificationRecord[] =>
  store.read((db) => listNotifications(db, { limit: 1000, ...(channel ? { channel } : {}) }).items);
const attemptLog = (store: Store, id: number) => store.read((db) => listDeliveryAttempts(db, { notificationId: id }).items).reverse();

/** Every queued notification delivered, and each key accepted by the receiver, signed. */
async function allDelivered(store: Store, clock: ManualClock, receiver: Receiver, channel?: string): Promise<NotificationRecord[]> {
  await retrying("every notification delivered", clock, () => rows(store, channel).every((n) => n.status === "delivered"));
  const queued = rows(store, channel);
  const accepted = receiver.accepted();
  expect(queued.length).toBeGreaterThan(0);
  expect([...accepted.keys()].sort()).toEqual(queued.map((n) => n.idempotencyKey).sort());
  // At least once: a duplicate only ever repeats a key (the receiver drops it), never a new message.
  expect(receiver.arrivals.every((a) => a.signed)).toBe(true);
  return queued;
}

describe("delivery faults against a real webhook receiver (signature checked, counted by idempotency key)", () => {
  test("the receiver is down for a while, then back: everything arrives", async () => {
    const receiver = startReceiver(SECRET, { down: true });
    running.push(() => receiver.stop());
    const { alerting, store, clock } = await pipeline({ hook: receiver });
    fire(alerting, clock, 3);
    await retrying("a few refused attempts", clock, () => rows(store).every((n) => n.attempts >= 2));
    receiver.up();
    const queued = await allDelivered(store, clock, receiver);
    for (const n of queued) {
      const log = attemptLog(store, n.id);
      expect(log.at(-1)?.outcome).toBe("delivered");
      expect(log.slice(0, -1).every((a) => a.outcome === "retry" && a.httpStatus === null && /^no answer from 127\.0\.0\.1:\d+/.test(a.error ?? ""))).toBe(true);
    }
    expect([...receiver.accepted().values()].every((c) => c === 1)).toBe(true);
  });

  test("500 twice, then accepted: retried with the same key", async () => {
    const receiver = startReceiver(SECRET);
    running.push(() => receiver.stop());
    receiver.plan((a) => (a.attempt <= 2 ? { status: 500 } : { status: 200 }));
    const { alerting, store, clock } = await pipeline({ hook: receiver });
    fire(alerting, clock, 3);
    const queued = await allDelivered(store, clock, receiver);
    for (const n of queued) {
      expect(attemptLog(store, n.id).map((a) => [a.outcome, a.httpStatus])).toEqual([
        ["retry", 500],
        ["retry", 500],
        ["delivered", 200],
      ]);
      expect(receiver.arrivals.filter((a) => a.key === n.idempotencyKey)).toHaveLength(3);
    }
  });

  test("429 with Retry-After: the next attempt waits as long as asked", async () => {
    const receiver = startReceiver(SECRET);
    running.push(() => receiver.stop());
    receiver.plan((a) => (a.attempt === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }));
    // The cap must allow the receiver's wish: Retry-After is bounded by backoff_max.
    const { alerting, store, clock } = await pipeline({ hook: receiver }, {}, { backoff_max: "5s" });
    fire(alerting, clock, 1);
    const [n] = await waitFor("the 429 recorded", () => (rows(store)[0]?.attempts === 1 ? rows(store) : undefined), 15_000, 20);
    expect(n!.nextAttemptAt).toBe(clock.wallMs() + 1000);
    await clock.advance(999);
    expect(alerting.workers.inFlight()).toBe(0);
    expect(receiver.arrivals).toHaveLength(1);
    await clock.advance(1);
    // The clock stays at 1000 ms from here: the second attempt is the one the timer started.
    await waitFor("the second attempt", () => receiver.arrivals.length === 2, 15_000, 20);
    await allDelivered(store, clock, receiver);
    expect(attemptLog(store, n!.id).map((a) => [a.outcome, a.httpStatus])).toEqual([
      ["retry", 429],
      ["delivered", 200],
    ]);
  });

  test("an answer slower than the channel's time-out is a retry; the late duplicate carries the same key", async () => {
    const receiver = startReceiver(SECRET);
    running.push(() => receiver.stop());
    receiver.plan((a) => (a.attempt === 1 ? { status: 200, delayMs: 3000 } : { status: 200 }));
    const { alerting, store, clock } = await pipeline({ hook: receiver }, { timeout: 30 });
    fire(alerting, clock, 2);
    await waitFor("both first attempts at the receiver", () => receiver.arrivals.length === 2, 15_000, 20);
    await clock.advance(29_999);
    expect(rows(store).map((n) => n.attempts)).toEqual([0, 0]);
    await clock.advance(1);
    const queued = await allDelivered(store, clock, receiver);
    for (const n of queued) {
      const log = attemptLog(store, n.id);
      expect(log.map((a) => a.outcome)).toEqual(["retry", "delivered"]);
      expect(log[0]!.error).toBe("timed out after 30s");
      // Both attempts reached the receiver with one key: it can drop the second.
      expect(receiver.arrivals.filter((a) => a.key === n.idempotencyKey).map((a) => a.attempt)).toEqual([1, 2]);
    }
  });

  test("the connection closed without an answer is a retry", async () => {
    const receiver = startReceiver(SECRET);
    running.push(() => receiver.stop());
    receiver.plan((a) => (a.attempt === 1 ? { close: true } : { status: 200 }));
    const { alerting, store, clock } = await pipeline({ hook: receiver });
    fire(alerting, clock, 2);
    const queued = await allDelivered(store, clock, receiver);
    for (const n of queued) {
      const log = attemptLog(store, n.id);
      expect(log.map((a) => a.outcome)).toEqual(["retry", "delivered"]);
      expect(log[0]!.error).toStartWith(`no answer from 127.0.0.1:${receiver.port}`);
    }
  });

  test("a channel that keeps failing never blocks another", async () => {
    const failing = startReceiver(SECRET);
    const healthy = startReceiver(SECRET);
    running.push(() => failing.stop(), () => healthy.stop());
    // Always slower than the time-out: every attempt holds a slot as long as it can.
    failing.plan(() => ({ status: 200, delayMs: 5000 }));
    const { alerting, store, clock } = await pipeline({ broken: failing, fine: healthy }, { timeout: 1 });
    fire(alerting, clock, 12);
    await allDelivered(store, clock, healthy, "fine");
    expect(rows(store, "fine")).toHaveLength(12);
    expect(rows(store, "broken").every((n) => n.status === "pending")).toBe(true);
    // The broken channel held at most its 4 slots, never more, while the other delivered everything.
    expect(alerting.workers.inFlight("broken")).toBeLessThanOrEqual(4);
    expect(failing.maxWaiting()).toBe(4);
  });

  test("a reload adds a channel and keeps the engine's state: nothing is sent again", async () => {
    const first = startReceiver(SECRET);
    const second = startReceiver(SECRET);
    running.push(() => first.stop(), () => second.stop());
    const { alerting, store, clock } = await pipeline({ one: first });
    fire(alerting, clock, 1);
    await allDelivered(store, clock, first, "one");
    alerting.stage.reload(
      configFor({
        for: 0,
        group_wait: 0,
        delivery: { backoff_base: "50ms", backoff_max: "200ms" },
        channels: [first, second].map((r, i) => ({ name: ["one", "two"][i], type: "webhook", url: r.url, secret: SECRET, timeout: 2 })),
      }),
    );
    // cpu 0 keeps firing; cpu 1 is new and goes to both channels.
    alerting.stage.run(tick(clock.wallMs(), [finding({ labels: { cpu: "0" } }), finding({ labels: { cpu: "1" } })]));
    await allDelivered(store, clock, second, "two");
    await allDelivered(store, clock, first, "one");
    expect(rows(store, "one")).toHaveLength(2);
    expect(rows(store, "two")).toHaveLength(1);
  });
});
