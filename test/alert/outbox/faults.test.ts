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
import { systemClock } from "../../../src/clock.ts";
import { waitFor } from "../../support/ports.ts";

const SECRET = "receiver-hmac-secret-0123";
const running: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
  cleanUp();
});

/** The real pipeline (engine, outbox transaction, workers, webhook notifiers) with fast retries. */
async function pipeline(
  receivers: Record<string, Receiver>,
  channel: Record<string, unknown> = {},
  delivery: Record<string, unknown> = {},
): Promise<{ alerting: Alerting; store: Store }> {
  const { store } = openStore();
  const config = configFor({
    for: 0,
    group_wait: 0,
    delivery: { backoff_base: "50ms", backoff_max: "200ms", ...delivery },
    channels: Object.entries(receivers).map(([name, r]) => ({ name, type: "webhook", url: r.url, secret: SECRET, timeout: 2, ...channel })),
  });
  const alerting = await createAlerting(config, { store, metrics: new SelfMetrics(), events: new EventBus(systemClock), log: quietLog().log, clock: systemClock });
  alerting.start();
  running.push(() => alerting.stage.close());
  return { alerting, store };
}

/** `n` ticks, each firing one more alert: one notification per channel per tick. */
function fire(alerting: Alerting, n: number): void {
  const findings = Array.from({ length: n }, (_, i) => finding({ labels: { cpu: String(i) } }));
  for (let i = 1; i <= n; i++) alerting.stage.run(tick(Date.now(), findings.slice(0, i)));
}

const rows = (store: Store, channel?: string): NotificationRecord[] =>
  store.read((db) => listNotifications(db, { limit: 1000, ...(channel ? { channel } : {}) }).items);
const attemptLog = (store: Store, id: number) => store.read((db) => listDeliveryAttempts(db, { notificationId: id }).items).reverse();

/** Every queued notification delivered, and each key accepted by the receiver, signed. */
async function allDelivered(store: Store, receiver: Receiver, channel?: string): Promise<NotificationRecord[]> {
  await waitFor("every notification delivered", () => rows(store, channel).every((n) => n.status === "delivered"), 15_000, 20);
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
    const { alerting, store } = await pipeline({ hook: receiver });
    fire(alerting, 3);
    await waitFor("a few refused attempts", () => rows(store).every((n) => n.attempts >= 2), 15_000, 20);
    receiver.up();
    const queued = await allDelivered(store, receiver);
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
    const { alerting, store } = await pipeline({ hook: receiver });
    fire(alerting, 3);
    const queued = await allDelivered(store, receiver);
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
    const { alerting, store } = await pipeline({ hook: receiver }, {}, { backoff_max: "5s" });
    fire(alerting, 1);
    const [n] = await allDelivered(store, receiver);
    const [first, second] = receiver.arrivals;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(attemptLog(store, n!.id).map((a) => [a.outcome, a.httpStatus])).toEqual([
      ["retry", 429],
      ["delivered", 200],
    ]);
  });

  test("an answer slower than the channel's time-out is a retry; the late duplicate carries the same key", async () => {
    const receiver = startReceiver(SECRET);
    running.push(() => receiver.stop());
    receiver.plan((a) => (a.attempt === 1 ? { status: 200, delayMs: 3000 } : { status: 200 }));
    const { alerting, store } = await pipeline({ hook: receiver }, { timeout: 0.5 });
    fire(alerting, 2);
    const queued = await allDelivered(store, receiver);
    for (const n of queued) {
      const log = attemptLog(store, n.id);
      expect(log.map((a) => a.outcome)).toEqual(["retry", "delivered"]);
      expect(log[0]!.error).toBe("timed out after 500ms");
      // Both attempts reached the receiver with one key: it can drop the second.
      expect(receiver.arrivals.filter((a) => a.key === n.idempotencyKey).map((a) => a.attempt)).toEqual([1, 2]);
    }
  });

  test("the connection closed without an answer is a retry", async () => {
    const receiver = startReceiver(SECRET);
    running.push(() => receiver.stop());
    receiver.plan((a) => (a.attempt === 1 ? { close: true } : { status: 200 }));
    const { alerting, store } = await pipeline({ hook: receiver });
    fire(alerting, 2);
    const queued = await allDelivered(store, receiver);
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
    const { alerting, store } = await pipeline({ broken: failing, fine: healthy }, { timeout: 1 });
    fire(alerting, 12);
    await allDelivered(store, healthy, "fine");
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
    const { alerting, store } = await pipeline({ one: first });
    fire(alerting, 1);
    await allDelivered(store, first, "one");
    alerting.stage.reload(
      configFor({
        for: 0,
        group_wait: 0,
        delivery: { backoff_base: "50ms", backoff_max: "200ms" },
        channels: [first, second].map((r, i) => ({ name: ["one", "two"][i], type: "webhook", url: r.url, secret: SECRET, timeout: 2 })),
      }),
    );
    // cpu 0 keeps firing; cpu 1 is new and goes to both channels.
    alerting.stage.run(tick(Date.now(), [finding({ labels: { cpu: "0" } }), finding({ labels: { cpu: "1" } })]));
    await allDelivered(store, second, "two");
    await allDelivered(store, first, "one");
    expect(rows(store, "one")).toHaveLength(2);
    expect(rows(store, "two")).toHaveLength(1);
  });
});
