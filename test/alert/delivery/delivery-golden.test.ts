import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DeliverySettings } from "../../../src/alert/delivery/delivery-settings.ts";
import { createDeliveryWorkers } from "../../../src/alert/delivery/delivery-workers.ts";
import { delivered, failed } from "../../../src/alert/notifier.ts";
import type { AgentEvent } from "../../../src/contracts/events.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { enqueueInOrder } from "../../../src/store/notifications.ts";
import type { Store } from "../../../src/store/store.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { notification } from "../fixtures.ts";
import { T0, openStore, quietLog } from "../outbox/support.ts";
import { TestClock, channels, fakeNotifier, settle } from "./support.ts";

afterEach(cleanUp);

/**
 * One scripted run of the delivery workers over five channels (delivered at once; retried after 503
 * and a Retry-After; refused; failing past the max age; no longer configured), compared with a golden
 * record of every outbox row, every attempt row, every published delivery event and the counters. The
 * record was first written by the workers before they were split into steps; the split must not change
 * it. Latencies are left out (they measure the machine). Regenerate with UPDATE_GOLDEN=1 only after a
 * deliberate change, and review the diff.
 */
const GOLDEN = join(import.meta.dir, "../../golden/delivery/run.json");

const SETTINGS: DeliverySettings = { concurrency: 2, baseMs: 1000, maxMs: 8000, maxAgeMs: 30_000 };

function enqueue(store: Store, channel: string, key: string, alert: string, createdAt = T0): void {
  store.transaction((db) =>
    enqueueInOrder(db, { alertFingerprint: alert, alertState: "firing", channel, idempotencyKey: key, payload: notification({ idempotencyKey: key, channel }), createdAt }),
  );
}

async function run() {
  const { store } = openStore();
  // Three changes of one alert and one of another on each channel; an old and a fresh row of a channel gone.
  for (const channel of ["fine", "busy", "strict", "broken"]) {
    for (const [i, alert] of ["cpu", "cpu", "cpu", "disk"].entries()) enqueue(store, channel, `${channel}-${i}`, alert);
  }
  enqueue(store, "gone", "gone-old", "cpu", T0 - 60_000);
  enqueue(store, "gone", "gone-new", "cpu");
  const time = new TestClock();
  const notifiers = [
    fakeNotifier("fine", [delivered(200)], () => time.wallMs()),
    fakeNotifier("busy", [failed("HTTP 503", true, 503), failed("HTTP 429: slow down", true, 429, 5000), delivered(202)], () => time.wallMs()),
    fakeNotifier("strict", [failed("HTTP 400: bad payload", false, 400), delivered(200)], () => time.wallMs()),
    fakeNotifier("broken", [failed("no answer from 127.0.0.1:9: ECONNREFUSED", true)], () => time.wallMs()),
  ];
  const events = new EventBus(time);
  const published: AgentEvent[] = [];
  events.subscribe((e) => published.push(e));
  const metrics = new SelfMetrics();
  const w = createDeliveryWorkers({
    store,
    channels: channels(...notifiers),
    settings: SETTINGS,
    metrics,
    log: quietLog().log,
    events,
    clock: time,
    commitGapMs: 0,
    random: seededRandom(5),
  });
  w.start();
  await settle();
  while (time.current < T0 + 60_000 && time.nextTimer !== undefined) await time.advanceTo(Math.min(time.nextTimer, T0 + 60_000));
  await w.stop();
  const notificationRows = store.db.query("SELECT * FROM notifications ORDER BY id").all();
  const attemptRows = store.db.query("SELECT id, notification_id, channel, ts, outcome, http_status, error FROM delivery_attempts ORDER BY id").all();
  const deliveryEvents = published.map((e) => (e.type === "delivery" ? { ...e.delivery, latencyMs: undefined } : e));
  const counters = metrics
    .all()
    .filter((f) => f.name.startsWith("aiops_notifications_") || f.name === "aiops_outbox_depth")
    .map((f) => ({ name: f.name, samples: f.samples() }));
  return { notifications: notificationRows, attempts: attemptRows, events: deliveryEvents, counters };
}

describe("the delivery workers' golden run", () => {
  test("outbox rows, attempt rows, events and counters match the golden record", async () => {
    const text = `${JSON.stringify(await run(), null, 1)}\n`;
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(GOLDEN)) {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  test("the run goes through every outcome it is meant to cover", async () => {
    const { notifications, attempts } = (await run()) as { notifications: Array<{ status: string; channel: string; last_error: string | null }>; attempts: Array<{ outcome: string; http_status: number | null }> };
    expect(new Set(notifications.map((n) => `${n.channel}:${n.status}`))).toEqual(
      new Set(["fine:delivered", "busy:delivered", "strict:dead", "strict:delivered", "broken:dead", "gone:dead"]),
    );
    expect(attempts.some((a) => a.outcome === "retry" && a.http_status === 429)).toBe(true);
    expect(notifications.filter((n) => n.channel === "gone").map((n) => n.last_error)).toEqual(["channel gone is no longer configured", "channel gone is no longer configured"]);
  });
});
