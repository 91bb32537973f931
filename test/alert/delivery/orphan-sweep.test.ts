import { afterEach, describe, expect, test } from "bun:test";
import { createOrphanSweep } from "../../../src/alert/delivery/orphan-sweep.ts";
import { createOutboxMetrics } from "../../../src/alert/delivery/outbox-metrics.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { getNotification, updateNotification } from "../../../src/store/notifications.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { T0, openStore, quietLog } from "../outbox/support.ts";
import { enqueue } from "./support.ts";

afterEach(cleanUp);

const HOUR = 3_600_000;

function setup() {
  const { store } = openStore();
  const metrics = new SelfMetrics();
  const { log, lines } = quietLog();
  const sweep = createOrphanSweep(store, createOutboxMetrics(metrics), log);
  const deadLettered = (channel: string) =>
    metrics.all().find((f) => f.name === "aiops_notifications_dead_lettered_total")?.samples().find((s) => s.labels.channel === channel)?.value;
  return { store, sweep, lines, deadLettered };
}

describe("orphan sweep", () => {
  test("rows of a channel no longer configured are given up once past the max age, the fresh ones wait", () => {
    const { store, sweep, lines, deadLettered } = setup();
    const old = enqueue(store, "gone", "old", T0 - 2 * HOUR);
    const retried = enqueue(store, "gone", "retried", T0 - 2 * HOUR);
    store.transaction((db) => updateNotification(db, retried, { attempts: 3, lastError: "HTTP 503", updatedAt: T0 - HOUR }));
    const fresh = enqueue(store, "gone", "fresh", T0 - 10_000);
    const kept = enqueue(store, "hook", "kept", T0 - 2 * HOUR);
    sweep.sweep(new Set(["hook"]), T0, HOUR);
    expect(store.read((db) => getNotification(db, old))).toMatchObject({ status: "dead", deadLetteredAt: T0, lastError: "channel gone is no longer configured" });
    // Its last error says more than the sweep can.
    expect(store.read((db) => getNotification(db, retried))).toMatchObject({ status: "dead", lastError: "HTTP 503" });
    expect(store.read((db) => getNotification(db, fresh))?.status).toBe("pending");
    // A configured channel's rows are the workers' to deliver or give up.
    expect(store.read((db) => getNotification(db, kept))?.status).toBe("pending");
    expect(deadLettered("gone")).toBe(2);
    expect(lines.filter((l) => l.channel === "gone").map((l) => [l.message, l.notifications])).toEqual([["Gave up notifications queued for gone, a channel no longer configured", 2]]);
  });

  test("a store that fails is logged, never thrown: the workers keep going", () => {
    const { store, sweep, lines } = setup();
    enqueue(store, "gone", "old", T0 - 2 * HOUR);
    store.close();
    expect(() => sweep.sweep(new Set(), T0, HOUR)).not.toThrow();
    expect(lines.map((l) => l.message)).toContain("Could not sweep the outbox for channels no longer configured");
  });
});
