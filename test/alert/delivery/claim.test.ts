import { afterEach, describe, expect, test } from "bun:test";
import { createClaim } from "../../../src/alert/delivery/claim.ts";
import { createLane } from "../../../src/alert/delivery/lane.ts";
import { delivered } from "../../../src/alert/notifier.ts";
import { releaseNextInOrder, updateNotification, WAITING } from "../../../src/store/notifications.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { T0, openStore } from "../outbox/support.ts";
import { channels, enqueue, fakeNotifier } from "./support.ts";

afterEach(cleanUp);

const lane = () => createLane("hook", channels(fakeNotifier("hook", [delivered(200)])).get("hook")!);

describe("claim", () => {
  test("claims a channel's due rows oldest first, each once, leaving them pending in the store", () => {
    const { store } = openStore();
    const ids = [enqueue(store, "hook", "a"), enqueue(store, "hook", "b"), enqueue(store, "other", "c")];
    const claim = createClaim(store, 64);
    const l = lane();
    expect(claim.next(l, T0)?.idempotencyKey).toBe("a");
    expect(claim.next(l, T0)?.idempotencyKey).toBe("b");
    expect(claim.next(l, T0)).toBeUndefined();
    expect([...l.claimed]).toEqual(ids.slice(0, 2));
    // Still pending in SQLite: a crash now leaves them due for the next start.
    expect(claim.anyDue(l, T0)).toBe(true);
    // Claimed rows are not claimed again while they are in flight.
    expect(claim.next(l, T0)).toBeUndefined();
  });

  test("a row not due yet is not claimed; the lane learns when it falls due", () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "a");
    store.transaction((db) => updateNotification(db, id, { nextAttemptAt: T0 + 5000, updatedAt: T0 }));
    const claim = createClaim(store, 64);
    const l = lane();
    expect(claim.next(l, T0)).toBeUndefined();
    expect(claim.anyDue(l, T0)).toBe(false);
    expect(claim.nextDueAfter(l, T0)).toBe(T0 + 5000);
    expect(claim.next(l, T0 + 5000)?.id).toBe(id);
  });

  test("an alert's next notification waits until the one before it is done: its changes arrive in order", () => {
    const { store } = openStore();
    const firing = enqueue(store, "hook", "firing", T0, "cpu");
    const resolve = enqueue(store, "hook", "resolved", T0, "cpu");
    const claim = createClaim(store, 64);
    const l = lane();
    expect(claim.next(l, T0)?.idempotencyKey).toBe("firing");
    expect(claim.next(l, T0)).toBeUndefined();
    expect(claim.nextDueAfter(l, T0)).toBe(WAITING);
    store.transaction((db) => {
      updateNotification(db, firing, { status: "delivered", updatedAt: T0 + 10 });
      releaseNextInOrder(db, "hook", "cpu", T0 + 10);
    });
    expect(claim.next(l, T0 + 10)?.id).toBe(resolve);
  });

  test("reads at most a batch of new rows per query", () => {
    const { store } = openStore();
    for (let i = 0; i < 5; i++) enqueue(store, "hook", `k${i}`);
    const claim = createClaim(store, 2);
    const l = lane();
    claim.next(l, T0);
    // One query: the batch of two, one of them handed out, one queued.
    expect(l.queue.map((r) => r.idempotencyKey)).toEqual(["k1"]);
    expect(l.claimed.size).toBe(2);
  });
});
