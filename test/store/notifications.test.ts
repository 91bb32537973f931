import { describe, expect, test } from "bun:test";
import { listDeliveryAttempts, recordDeliveryAttempt } from "../../src/store/delivery-attempts.ts";
import {
  dueForChannel,
  dueNotifications,
  enqueueInOrder,
  enqueueNotification,
  getNotification,
  listNotifications,
  type NewNotification,
  nextDueAfter,
  outboxDepth,
  releaseNextInOrder,
  updateNotification,
  WAITING,
} from "../../src/store/notifications.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { T0 } from "./support/temp.ts";

const note = (over: Partial<NewNotification> = {}): NewNotification => ({
  alertFingerprint: "fp",
  alertState: "firing",
  channel: "webhook",
  idempotencyKey: "fp:webhook:firing:1",
  payload: { anomaly: { type: "cpu_high" } },
  createdAt: T0,
  ...over,
});

describe("notifications (the outbox)", () => {
  test("an idempotency key is queued once", () => {
    const db = openMemoryDatabase(T0);
    const id = enqueueNotification(db, note());
    expect(id).toBe(1);
    expect(enqueueNotification(db, note({ createdAt: T0 + 5 }))).toBeNull();
    expect(getNotification(db, 1)).toEqual({
      id: 1,
      alertFingerprint: "fp",
      alertId: null,
      alertState: "firing",
      channel: "webhook",
      status: "pending",
      idempotencyKey: "fp:webhook:firing:1",
      payload: { anomaly: { type: "cpu_high" } },
      attempts: 0,
      nextAttemptAt: T0,
      createdAt: T0,
      updatedAt: T0,
      deliveredAt: null,
      deadLetteredAt: null,
      lastError: null,
    });
  });

  test("is written in the transaction of the alert's change, or not at all", () => {
    const db = openMemoryDatabase(T0);
    expect(() =>
      db.transaction(() => {
        enqueueNotification(db, note());
        throw new Error("the alert update failed");
      })(),
    ).toThrow("the alert update failed");
    expect(listNotifications(db).items).toEqual([]);
  });

  test("due notifications are the pending ones whose time has come, oldest due first", () => {
    const db = openMemoryDatabase(T0);
    enqueueNotification(db, note({ idempotencyKey: "a", nextAttemptAt: T0 + 50 }));
    enqueueNotification(db, note({ idempotencyKey: "b", nextAttemptAt: T0 + 10 }));
    enqueueNotification(db, note({ idempotencyKey: "c", nextAttemptAt: T0 + 500 }));
    const d = enqueueNotification(db, note({ idempotencyKey: "d" }))!;
    updateNotification(db, d, { status: "delivered", deliveredAt: T0 + 1, attempts: 1, updatedAt: T0 + 1 });
    expect(dueNotifications(db, T0 + 100).map((n) => n.idempotencyKey)).toEqual(["b", "a"]);
    expect(dueNotifications(db, T0 + 100, 1).map((n) => n.idempotencyKey)).toEqual(["b"]);
  });

  test("per channel: due rows, the next one due later, and the backlog", () => {
    const db = openMemoryDatabase(T0);
    const n = (key: string, over: Partial<NewNotification>) => enqueueNotification(db, note({ idempotencyKey: key, alertFingerprint: key, ...over }));
    n("a", { channel: "slack", nextAttemptAt: T0 + 50, createdAt: T0 - 100 });
    n("b", { channel: "webhook", nextAttemptAt: T0 + 10 });
    n("c", { channel: "slack", nextAttemptAt: T0 + 500 });
    n("d", { channel: "slack", nextAttemptAt: T0 + 20 });
    const e = n("e", { channel: "slack" })!;
    updateNotification(db, e, { status: "dead", deadLetteredAt: T0 + 1, updatedAt: T0 + 1 });
    expect(dueForChannel(db, "slack", T0 + 100, 10).map((n) => n.idempotencyKey)).toEqual(["d", "a"]);
    expect(dueForChannel(db, "slack", T0 + 100, 1).map((n) => n.idempotencyKey)).toEqual(["d"]);
    expect(nextDueAfter(db, "slack", T0 + 100)).toBe(T0 + 500);
    expect(nextDueAfter(db, "slack", T0 + 500)).toBeNull();
    expect(nextDueAfter(db, "email", T0)).toBeNull();
    expect(outboxDepth(db)).toEqual([
      { channel: "slack", pending: 3, oldestCreatedAt: T0 - 100 },
      { channel: "webhook", pending: 1, oldestCreatedAt: T0 },
    ]);
  });

  test("queued in order: a notification waits while an older one of the same alert on its channel is pending", () => {
    const db = openMemoryDatabase(T0);
    const firing = enqueueInOrder(db, note({ idempotencyKey: "firing", alertFingerprint: "a" }))!;
    const resolved = enqueueInOrder(db, note({ idempotencyKey: "resolved", alertFingerprint: "a", alertState: "resolved", createdAt: T0 + 1 }))!;
    enqueueInOrder(db, note({ idempotencyKey: "other alert", alertFingerprint: "b", createdAt: T0 + 2 }));
    enqueueInOrder(db, note({ idempotencyKey: "other channel", alertFingerprint: "a", channel: "slack", createdAt: T0 + 3 }));
    expect(enqueueInOrder(db, note({ idempotencyKey: "firing", alertFingerprint: "a" }))).toBeNull();
    expect(getNotification(db, resolved)?.nextAttemptAt).toBe(WAITING);
    expect(new Date(WAITING).toISOString()).toBe("9999-12-31T23:59:59.999Z");
    expect(dueForChannel(db, "webhook", T0 + 10, 10).map((n) => n.idempotencyKey)).toEqual(["firing", "other alert"]);
    expect(dueForChannel(db, "slack", T0 + 10, 10).map((n) => n.idempotencyKey)).toEqual(["other channel"]);
    // Nothing to release while the firing is pending (a retry); released once it is done.
    updateNotification(db, firing, { attempts: 1, nextAttemptAt: T0 + 500, updatedAt: T0 + 10 });
    expect(dueForChannel(db, "webhook", T0 + 100, 10).map((n) => n.idempotencyKey)).toEqual(["other alert"]);
    updateNotification(db, firing, { status: "delivered", updatedAt: T0 + 600 });
    expect(releaseNextInOrder(db, "webhook", "a", T0 + 600)).toBe(true);
    expect(releaseNextInOrder(db, "webhook", "a", T0 + 601)).toBe(false);
    expect(dueForChannel(db, "webhook", T0 + 600, 10).map((n) => n.idempotencyKey)).toEqual(["other alert", "resolved"]);
  });

  test("a retry, then dead-lettering, each attempt recorded", () => {
    const db = openMemoryDatabase(T0);
    const id = enqueueNotification(db, note())!;
    db.transaction(() => {
      recordDeliveryAttempt(db, { notificationId: id, channel: "webhook", ts: T0 + 1, outcome: "retry", httpStatus: 503, error: "503 Service Unavailable", latencyMs: 12.5 });
      updateNotification(db, id, { attempts: 1, nextAttemptAt: T0 + 2000, lastError: "503 Service Unavailable", updatedAt: T0 + 1 });
    })();
    db.transaction(() => {
      recordDeliveryAttempt(db, { notificationId: id, channel: "webhook", ts: T0 + 2001, outcome: "failed", httpStatus: 400, error: "400 Bad Request", latencyMs: 8 });
      updateNotification(db, id, { status: "dead", attempts: 2, deadLetteredAt: T0 + 2001, lastError: "400 Bad Request", updatedAt: T0 + 2001 });
    })();
    expect(getNotification(db, id)).toMatchObject({ status: "dead", attempts: 2, deadLetteredAt: T0 + 2001, lastError: "400 Bad Request" });
    expect(dueNotifications(db, T0 + 10_000)).toEqual([]);
    expect(listDeliveryAttempts(db, { notificationId: id }).items).toEqual([
      { id: 2, notificationId: id, channel: "webhook", ts: T0 + 2001, outcome: "failed", httpStatus: 400, error: "400 Bad Request", latencyMs: 8 },
      { id: 1, notificationId: id, channel: "webhook", ts: T0 + 1, outcome: "retry", httpStatus: 503, error: "503 Service Unavailable", latencyMs: 12.5 },
    ]);
    expect(listDeliveryAttempts(db, { outcome: "retry" }).items.map((a) => a.id)).toEqual([1]);
    expect(listNotifications(db, { status: "dead" }).items.map((n) => n.id)).toEqual([id]);
    expect(listNotifications(db, { status: "pending" }).items).toEqual([]);
  });

  test("attempts go with their notification, and cannot exist without one", () => {
    const db = openMemoryDatabase(T0);
    const id = enqueueNotification(db, note())!;
    recordDeliveryAttempt(db, { notificationId: id, channel: "webhook", ts: T0, outcome: "delivered", httpStatus: 200, error: null, latencyMs: 3 });
    expect(() => recordDeliveryAttempt(db, { notificationId: 99, channel: "webhook", ts: T0, outcome: "retry", httpStatus: null, error: "x", latencyMs: 1 })).toThrow(
      /FOREIGN KEY/,
    );
    db.run("DELETE FROM notifications WHERE id = ?", [id]);
    expect(listDeliveryAttempts(db).items).toEqual([]);
  });

  test("lists by channel, fingerprint and creation time", () => {
    const db = openMemoryDatabase(T0);
    enqueueNotification(db, note({ idempotencyKey: "1", channel: "slack", createdAt: T0 }));
    enqueueNotification(db, note({ idempotencyKey: "2", channel: "webhook", alertFingerprint: "other", createdAt: T0 + 10 }));
    const keys = (f: Parameters<typeof listNotifications>[1]) => listNotifications(db, f).items.map((n) => n.idempotencyKey);
    expect(keys({})).toEqual(["2", "1"]);
    expect(keys({ channel: "slack" })).toEqual(["1"]);
    expect(keys({ alertFingerprint: "other" })).toEqual(["2"]);
    expect(keys({ from: T0 + 5 })).toEqual(["2"]);
  });
});
