import type { Clock } from "../../clock.ts";
import type { NotificationRecord } from "../../store/notifications.ts";
import { failed, type Notification, type NotifyResult } from "../notifier.ts";
import type { DeliveryChannel } from "./delivery-channels.ts";

/** A notifier that ignores its signal is given up this long after its own time-out. */
export const GRACE_MS = 1000;

/** The error of an attempt the agent cut short by stopping: not the receiver's fault, due again at once. */
export const CANCELLED_BY_STOP = "cancelled: the agent stopped during the attempt";

/** How an attempt ended: the notifier's result, how long it took, and whether it was cancelled. */
export interface AttemptEnd {
  result: NotifyResult;
  latencyMs: number;
  /** The attempt's signal was aborted (by its back-stop or by a stop) before it ended. */
  aborted: boolean;
}

/** One attempt in flight: its controller aborts it (the notifier sees the signal); `done` settles once `onEnd` ran. */
export interface Attempt {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The attempt step: sends one notification once through its channel's notifier. It never throws: a
 * notifier that throws is a retryable failure, and one that does not end by its own time-out (plus a
 * grace) is aborted and counted as timed out, so a stuck receiver holds a slot for a bounded time.
 * `onEnd` is called once, as soon as the attempt ends.
 */
export function attemptDelivery(channel: DeliveryChannel, row: NotificationRecord, clock: Clock, onEnd: (end: AttemptEnd) => void): Attempt {
  const controller = new AbortController();
  const { notifier, timeoutMs } = channel;
  const started = clock.now();
  let cancelBackstop: (() => void) | undefined;
  const done = Promise.race([
    // Inside a promise: a notifier that throws instead of answering must not break the claim loop.
    Promise.resolve().then(() => notifier.send(row.payload as Notification, controller.signal)),
    // A notifier must end its attempt by its own time-out; one that does not must not hold a slot.
    new Promise<NotifyResult>((resolve) => {
      cancelBackstop = clock.setTimer(timeoutMs + GRACE_MS, () => {
        controller.abort(new Error("timed out"));
        resolve(failed(`timed out after ${timeoutMs / 1000}s (the attempt did not end by itself)`, true));
      });
    }),
  ])
    .catch((cause: unknown) => failed(`notifier failed: ${(cause as Error)?.message ?? String(cause)}`, true))
    .then((result) => {
      cancelBackstop?.();
      onEnd({ result, latencyMs: clock.now() - started, aborted: controller.signal.aborted });
    });
  return { controller, done };
}
