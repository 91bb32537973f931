import { Database } from "bun:sqlite";
import { existsSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { insertAlert, listOpenAlerts } from "../../src/store/alerts.ts";
import { DATABASE_FILE } from "../../src/store/open-database.ts";
import { BLOCK_WINDOW_MS } from "../../src/store/raw-buffer.ts";
import { cleanUp, metricValue, sample, T0, testStore } from "./support/store-fixture.ts";

afterEach(cleanUp);

const alert = (fingerprint: string) => ({ fingerprint, labels: {}, state: "firing" as const, severity: "warning" as const, startedAt: T0, updatedAt: T0 });
const wide = Array.from({ length: 2000 }, (_, i) => sample("aiops_disk_usage_percent", i, { mountpoint: `/mnt/volume-${i}-${"x".repeat(40)}` }));

/** Makes the open file refuse to grow, as a full disk does: the next write that needs a page fails with SQLITE_FULL. */
function fillUp(db: Database): void {
  const pages = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
  db.run(`PRAGMA max_page_count = ${pages}`);
}

function fileAlerts(dataDir: string): string[] {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.query<{ fingerprint: string }, []>("SELECT fingerprint FROM alerts ORDER BY fingerprint").all().map((r) => r.fingerprint);
  } finally {
    db.close();
  }
}

describe("a degraded store returns to its file", () => {
  test("once the file takes writes again, what was kept in memory is carried over and the store is on its file", () => {
    // The whole block is encoded in the tick that seals it (spreading is sample-writer.test.ts's).
    const { store, metrics, dataDir, lines } = testStore({ encodeSeriesPerTick: 10_000 });
    store.open();
    store.transaction((db) => insertAlert(db, alert("before")));
    fillUp(store.db);
    // The tick that starts the next block writes the wide one: the disk is full.
    store.writeSamples(T0 + 10_000, wide);
    store.writeSamples(T0 + 10_000 + BLOCK_WINDOW_MS, wide);
    expect(store.degraded?.problem).toBe("disk_full");
    expect(store.degraded?.reason).toMatch(/; retrying the file every 5 s or less$/);
    // Meanwhile the queue moves on in memory.
    store.transaction((db) => insertAlert(db, alert("during")));

    expect(store.checkFile()).toBe(true);
    expect(store.degraded).toBeNull();
    expect(store.status()).toMatchObject({ persistent: true, path: join(dataDir, DATABASE_FILE) });
    expect(metricValue(metrics, "aiops_store_degraded")).toBe(0);
    expect(store.read((db) => listOpenAlerts(db)).map((a) => a.fingerprint).sort()).toEqual(["before", "during"]);
    expect(lines().some((l) => l.message === "store back on its file: the state kept in memory was carried over")).toBe(true);
    store.close();
    expect(fileAlerts(dataDir)).toEqual(["before", "during"]);
  });

  test("start() retries on the clock it is given: back on the file after the first retry, with a growing back-off while it fails", async () => {
    const { store, clock: timers } = testStore({ encodeSeriesPerTick: 10_000 });
    store.start();
    fillUp(store.db);
    // The tick that starts the next block writes the wide one: the disk is full.
    store.writeSamples(T0 + 10_000, wide);
    store.writeSamples(T0 + 10_000 + BLOCK_WINDOW_MS, wide);
    expect(store.degraded).not.toBeNull();
    await timers.advance(4_999);
    expect(store.degraded).not.toBeNull();
    await timers.advance(1);
    expect(store.degraded).toBeNull();
    store.close();
    expect(timers.pendingTimers).toBe(0);
  });
});

describe("a database file deleted under the running store", () => {
  test("is noticed and recreated, with the alert state and the queue carried over", () => {
    const { store, dataDir, lines } = testStore();
    store.open();
    store.transaction((db) => insertAlert(db, alert("kept")));
    for (const suffix of ["", "-wal", "-shm"]) if (existsSync(join(dataDir, DATABASE_FILE + suffix))) unlinkSync(join(dataDir, DATABASE_FILE + suffix));

    expect(store.checkFile()).toBe(true);
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(true);
    expect(lines().some((l) => typeof l.notice === "string" && l.notice.includes("was deleted while the agent ran; recreated it"))).toBe(true);
    store.transaction((db) => insertAlert(db, alert("after")));
    store.close();
    expect(fileAlerts(dataDir)).toEqual(["after", "kept"]);
  });
});
