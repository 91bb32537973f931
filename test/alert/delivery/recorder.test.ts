import { afterEach, describe, expect, test } from "bun:test";
import { createLane } from "../../../src/alert/delivery/lane.ts";
import { createRecorder, type EndedAttempt } from "../../../src/alert/delivery/recorder.ts";
import { delivered, failed } from "../../../src/alert/notifier.ts";
import { listDeliveryAttempts } from "../../../src/store/delivery-attempts.ts";
import { getNotification, type NotificationRecord } from "../../../src/store/notifications.ts";
import type { Store } from "../../../src/store/store.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { T0, openStore } from "../outbox/support.ts";
import { TestClock, channels, enqueue, fakeNotifier, settle } from "./support.ts";

afterEach(cleanUp);

const lane = createLane("hook", channels(fakeNotifier("hook", [delivered(200)])).get("hook")!);

/** An ended attempt at row `id`, delivered unless a retry is asked for. */
function ended(store: Store, id: number, at: number, retry = false): EndedAttempt {
  const row = store.read((db) => getNotification(db, id)) as NotificationRecord;
  const result = retry ? failed("HTTP 503", true, 503) : delivered(200);
  return {
    lane,
    row,
    result,
    outcome: retry ? "retry" : "delivered",
    changes: retry ? { attempts: 1, nextAttemptAt: at + 1000, lastError: "HTTP 503", updatedAt: at } : { status: "delivered", attempts: 1, deliveredAt: at, lastError: null, updatedAt: at },
    attempt: { notificationId: id, channel: "hook", ts: at, outcome: retry ? "retry" : "delivered", httpStatus: result.status ?? null, error: retry ? "HTTP 503" : null, latencyMs: 3 },
  };
}

function recorder(store: Store, clock: TestClock, commitGapMs = 2) {
  const batches: number[] = [];
  const failures: Array<{ size: number; cause: unknown }> = [];
  const r = createRecorder({
    store,
    clock,
    commitGapMs,
    recorded: (batch) => batches.push(batch.length),
    failed: (batch, cause) => failures.push({ size: batch.length, cause }),
  });
  return { r, batches, failures };
}

describe("recorder", () => {
  test("records the attempt with its row's new state, and releases the alert's next notification when done", async () => {
    const { store } = openStore();
    const first = enqueue(store, "hook", "firing", T0, "cpu");
    const next = enqueue(store, "hook", "resolved", T0, "cpu");
    const clock = new TestClock();
    const { r, batches } = recorder(store, clock);
    r.add(ended(store, first, T0 + 40));
    expect(r.waiting).toBe(1);
    await settle();
    expect(batches).toEqual([1]);
    expect(r.waiting).toBe(0);
    expect(store.read((db) => getNotification(db, first))).toMatchObject({ status: "delivered", attempts: 1, deliveredAt: T0 + 40 });
    expect(store.read((db) => listDeliveryAttempts(db, { notificationId: first }).items)).toMatchObject([{ ts: T0 + 40, outcome: "delivered", httpStatus: 200, latencyMs: 3 }]);
    expect(store.read((db) => getNotification(db, next))?.nextAttemptAt).toBe(T0 + 40);
  });

  test("a retry does not release the next notification of its alert", async () => {
    const { store } = openStore();
    const first = enqueue(store, "hook", "firing", T0, "cpu");
    const next = enqueue(store, "hook", "resolved", T0, "cpu");
    const { r } = recorder(store, new TestClock());
    r.add(ended(store, first, T0, true));
    await settle();
    expect(store.read((db) => getNotification(db, first))).toMatchObject({ status: "pending", nextAttemptAt: T0 + 1000 });
    expect(store.read((db) => getNotification(db, next))?.nextAttemptAt).toBeGreaterThan(T0 + 1000);
  });

  test("a lone outcome is committed at once; those ending within the gap after a commit share the next one", async () => {
    const { store } = openStore();
    const ids = [enqueue(store, "hook", "a"), enqueue(store, "hook", "b"), enqueue(store, "hook", "c")];
    const clock = new TestClock();
    const { r, batches } = recorder(store, clock);
    r.add(ended(store, ids[0]!, T0));
    await settle();
    expect(batches).toEqual([1]);
    r.add(ended(store, ids[1]!, T0));
    r.add(ended(store, ids[2]!, T0));
    await settle();
    // Within 2 ms of the last commit: they wait for the gap, on the clock.
    expect(batches).toEqual([1]);
    expect(r.waiting).toBe(2);
    await clock.advanceTo(T0 + 2);
    expect(batches).toEqual([1, 2]);
  });

  test("flush commits what waits now (the workers' stop, before the store closes)", () => {
    const { store } = openStore();
    const id = enqueue(store, "hook", "a");
    const { r, batches } = recorder(store, new TestClock());
    r.add(ended(store, id, T0));
    r.flush();
    expect(batches).toEqual([1]);
    expect(store.read((db) => getNotification(db, id))?.status).toBe("delivered");
  });

  test("a commit that fails writes nothing of its batch and says so", async () => {
    const { store } = openStore();
    const ids = [enqueue(store, "hook", "a"), enqueue(store, "hook", "b")];
    const { r, batches, failures } = recorder(store, new TestClock(), 0);
    store.db.run("CREATE TRIGGER refuse BEFORE INSERT ON delivery_attempts WHEN NEW.notification_id = 2 BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    r.add(ended(store, ids[0]!, T0));
    r.add(ended(store, ids[1]!, T0));
    await settle();
    expect(batches).toEqual([]);
    expect(failures).toMatchObject([{ size: 2, cause: { message: "disk full" } }]);
    expect(ids.map((id) => store.read((db) => getNotification(db, id))?.status)).toEqual(["pending", "pending"]);
    expect(store.read((db) => listDeliveryAttempts(db).items)).toEqual([]);
  });
});
