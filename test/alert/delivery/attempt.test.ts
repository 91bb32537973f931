import { describe, expect, test } from "bun:test";
import { type AttemptEnd, attemptDelivery, GRACE_MS } from "../../../src/alert/delivery/attempt.ts";
import { delivered, type Notifier, type NotifyResult } from "../../../src/alert/notifier.ts";
import type { NotificationRecord } from "../../../src/store/notifications.ts";
import { notification } from "../fixtures.ts";
import { T0 } from "../outbox/support.ts";
import { TestClock, fakeNotifier, settle } from "./support.ts";

const row = { id: 1, payload: notification({ idempotencyKey: "k1" }), attempts: 0, createdAt: T0 } as NotificationRecord;
const channel = (notifier: Notifier) => ({ notifier, timeoutMs: 1000 });

describe("attempt", () => {
  test("sends the queued notification once and reports its result and latency on the clock", async () => {
    const clock = new TestClock();
    let answer!: (r: NotifyResult) => void;
    const hook = fakeNotifier("hook", [() => new Promise((resolve) => (answer = resolve))]);
    const ends: AttemptEnd[] = [];
    const attempt = attemptDelivery(channel(hook), row, clock, (end) => ends.push(end));
    await settle();
    expect(hook.sent.map((s) => s.key)).toEqual(["k1"]);
    await clock.advance(250);
    answer(delivered(200));
    await attempt.done;
    expect(ends).toEqual([{ result: delivered(200), latencyMs: 250, aborted: false }]);
    // Its back-stop is cancelled once it ended.
    expect(clock.nextTimer).toBeUndefined();
  });

  test("a notifier that throws is a retryable failure, never an exception", async () => {
    const clock = new TestClock();
    const broken: Notifier = { name: "hook", type: "webhook", send: () => Promise.reject(new Error("bug in a notifier")), close: async () => {} };
    const ends: AttemptEnd[] = [];
    await attemptDelivery(channel(broken), row, clock, (end) => ends.push(end)).done;
    expect(ends[0]?.result).toEqual({ delivered: false, retryable: true, error: "notifier failed: bug in a notifier" });
  });

  test("a notifier that never ends is aborted after its time-out and a grace, as a retryable time-out", async () => {
    const clock = new TestClock();
    let signal: AbortSignal | undefined;
    const deaf = fakeNotifier("hook", [(_, s) => ((signal = s), new Promise(() => {}))]);
    const ends: AttemptEnd[] = [];
    const attempt = attemptDelivery(channel(deaf), row, clock, (end) => ends.push(end));
    await clock.advanceTo(T0 + 1000 + GRACE_MS - 1);
    expect(ends).toEqual([]);
    await clock.advanceTo(T0 + 1000 + GRACE_MS);
    await attempt.done;
    expect(ends).toEqual([{ result: { delivered: false, retryable: true, error: "timed out after 1s (the attempt did not end by itself)" }, latencyMs: 2000, aborted: true }]);
    expect(signal?.aborted).toBe(true);
  });

  test("cancelling the attempt aborts the notifier's signal, and the end says so", async () => {
    const clock = new TestClock();
    const polite = fakeNotifier("hook", [(_, s) => new Promise((resolve) => s?.addEventListener("abort", () => resolve({ delivered: false, retryable: true, error: "cancelled" })))]);
    const ends: AttemptEnd[] = [];
    const attempt = attemptDelivery(channel(polite), row, clock, (end) => ends.push(end));
    await settle();
    attempt.controller.abort(new Error("stopping"));
    await attempt.done;
    expect(ends).toMatchObject([{ aborted: true, result: { error: "cancelled" } }]);
  });
});
