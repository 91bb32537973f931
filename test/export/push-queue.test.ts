import { afterEach, describe, expect, test } from "bun:test";
import { createPushQueue } from "../../src/export/push-queue.ts";
import { openStore } from "../alert/outbox/support.ts";
import { cleanUp } from "../store/support/temp.ts";

afterEach(cleanUp);

const push = (i: number, size = 100, samples = 10) => ({ createdAt: 1000 + i, samples, body: new Uint8Array(size).fill(i % 256) });

describe("the export queue", () => {
  test("pushes leave oldest first, in batches of whole pushes up to the sample limit", () => {
    const { store } = openStore();
    const q = createPushQueue(store, "remote_write", 1_000_000);
    for (let i = 0; i < 5; i++) q.append(push(i));
    const batch = q.peek(25);
    expect(batch.map((p) => p.createdAt)).toEqual([1000, 1001]);
    expect(batch[1]!.body[0]).toBe(1);
    // A push larger than the limit still goes, alone.
    expect(q.peek(3).map((p) => p.createdAt)).toEqual([1000]);
    q.removeThrough(batch.at(-1)!.id);
    expect(q.peek(1000).map((p) => p.createdAt)).toEqual([1002, 1003, 1004]);
    expect(q.stats()).toEqual({ pushes: 3, samples: 30, bytes: 300, oldestCreatedAt: 1002 });
  });

  test("past its bound in bytes it drops the oldest pushes and says how many samples went", () => {
    const { store } = openStore();
    const q = createPushQueue(store, "remote_write", 350);
    expect(q.append(push(0))).toEqual({ pushes: 0, samples: 0 });
    q.append(push(1));
    q.append(push(2));
    expect(q.append(push(3, 100, 7))).toEqual({ pushes: 1, samples: 10 });
    expect(q.peek(1000).map((p) => p.createdAt)).toEqual([1001, 1002, 1003]);
    expect(q.append(push(4, 250))).toEqual({ pushes: 2, samples: 20 });
    expect(q.peek(1000).map((p) => p.createdAt)).toEqual([1003, 1004]);
    expect(q.stats().bytes).toBe(350);
  });

  test("each target has its own queue and bound", () => {
    const { store } = openStore();
    const rw = createPushQueue(store, "remote_write", 150);
    const otlp = createPushQueue(store, "otlp", 1000);
    rw.append(push(0));
    otlp.append(push(1));
    rw.append(push(2));
    expect(rw.peek(1000).map((p) => p.createdAt)).toEqual([1002]);
    expect(otlp.peek(1000).map((p) => p.createdAt)).toEqual([1001]);
  });

  test("what is queued survives a restart, in order, even after the newest rows were removed", () => {
    const { store, dir } = openStore();
    const q = createPushQueue(store, "otlp", 1_000_000);
    for (let i = 0; i < 3; i++) q.append(push(i));
    store.close();
    const again = openStore(dir).store;
    const q2 = createPushQueue(again, "otlp", 1_000_000);
    const ids = q2.peek(1000).map((p) => p.id);
    expect(q2.peek(1000).map((p) => p.createdAt)).toEqual([1000, 1001, 1002]);
    q2.removeThrough(ids.at(-1)!);
    q2.append(push(9));
    // AUTOINCREMENT: a new push never takes the id of one already sent, so id order stays push order.
    expect(q2.peek(10)[0]!.id).toBeGreaterThan(ids.at(-1)!);
  });
});
