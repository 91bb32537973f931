import type { DeliveryChannel } from "../../../src/alert/delivery/delivery-channels.ts";
import type { DeliveryWorkers } from "../../../src/alert/delivery/delivery-workers.ts";
import type { Notification, Notifier, NotifyResult } from "../../../src/alert/notifier.ts";
import { ManualClock, settle } from "../../../src/clock.ts";
import { enqueueInOrder } from "../../../src/store/notifications.ts";
import type { Store } from "../../../src/store/store.ts";
import { notification } from "../fixtures.ts";
import { T0 } from "../outbox/support.ts";

/**
 * The workers' clock in tests: a ManualClock whose wall time starts at T0, read in wall-clock ms as the
 * outbox stores times (`current`, `nextTimer`); `advanceTo(wallMs)` fires each timer due on the way at its
 * own time and lets the work it starts finish (claims, attempts, commits).
 */
export class TestClock extends ManualClock {
  constructor(start = T0) {
    super(start);
  }

  /** Wall-clock ms now. */
  get current(): number {
    return this.wallMs();
  }

  /** Wall-clock ms of the next timer, if any. */
  get nextTimer(): number | undefined {
    const at = this.nextTimerAt;
    return at === undefined ? undefined : this.wallMs() + (at - this.now());
  }
}

export { settle };

/** Stops the workers, moving the clock on as their stop waits (for attempts in flight, then for cancelled ones). */
export async function stopAdvancing(workers: DeliveryWorkers, clock: TestClock): Promise<void> {
  let done = false;
  const stopping = workers.stop().then(() => {
    done = true;
  });
  await settle();
  while (!done && clock.nextTimer !== undefined) await clock.advanceTo(clock.nextTimer);
  await stopping;
}

/** A notifier whose answers the test scripts: each send takes the next answer (the last repeats). */
export interface FakeNotifier extends Notifier {
  sent: Array<{ key: string; at: number; signal?: AbortSignal }>;
  closed: number;
}

export type Answer = NotifyResult | ((n: Notification, signal?: AbortSignal) => Promise<NotifyResult>);

export function fakeNotifier(name: string, answers: Answer[], now: () => number = Date.now): FakeNotifier {
  const sent: FakeNotifier["sent"] = [];
  const self: FakeNotifier = {
    name,
    type: "webhook",
    sent,
    closed: 0,
    async send(n, signal) {
      sent.push({ key: n.idempotencyKey, at: now(), ...(signal ? { signal } : {}) });
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
      return typeof answer === "function" ? answer(n, signal) : answer;
    },
    async close() {
      self.closed++;
    },
  };
  return self;
}

/** Channels of fake notifiers for the workers. */
export function channels(...notifiers: Notifier[]): Map<string, DeliveryChannel> {
  return new Map(notifiers.map((n) => [n.name, { notifier: n, timeoutMs: 1000 }]));
}

/** Queues a notification for `channel` as the outbox would (each key its own alert unless `alert` is given); returns its id. */
export function enqueue(store: Store, channel: string, key: string, createdAt = T0, alert = `alert-${key}`): number {
  return store.transaction((db) =>
    enqueueInOrder(db, { alertFingerprint: alert, alertState: "firing", channel, idempotencyKey: key, payload: notification({ idempotencyKey: key, channel }), createdAt })!,
  );
}
