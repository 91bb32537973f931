import { Database } from "bun:sqlite";
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { afterEach, expect, test } from "bun:test";
import { copyStateFromFile } from "../../src/store/copy-state.ts";
import { openDatabase, openMemoryDatabase } from "../../src/store/open-database.ts";
import { cleanUp, T0, tempDir } from "./support/temp.ts";

afterEach(cleanUp);

const ROWS = 2000;

/** A database file with ROWS queued notifications, closed cleanly; returns its path and page size. */
function queue(): { path: string; pageSize: number } {
  const opened = openDatabase(tempDir(), T0);
  const insert = opened.db.prepare(
    "INSERT INTO notifications (alert_fingerprint, alert_state, channel, idempotency_key, payload, next_attempt_at, created_at, updated_at) VALUES ('fp', 'firing', 'hook', ?, ?, 0, 0, 0)",
  );
  opened.db.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(`key-${i}`, JSON.stringify({ n: i, pad: "x".repeat(200) }));
  })();
  const pageSize = (opened.db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  opened.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  opened.db.close();
  return { path: opened.path!, pageSize };
}

/** The leaf pages of the notifications table, from SQLite's page statistics. */
function leafPages(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.query<{ pageno: number }, []>("SELECT pageno FROM dbstat WHERE name = 'notifications' AND pagetype = 'leaf' ORDER BY pageno").all().map((r) => r.pageno);
  } finally {
    db.close();
  }
}

test("a damaged page in the middle of the queue costs only the rows on it: the rest comes across in order", () => {
  const { path, pageSize } = queue();
  const pages = leafPages(path);
  // Overwrite one page in the middle of the file with garbage: a page of notifications.
  const victim = pages[Math.floor(pages.length / 2)]!;
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (victim - 1) * pageSize);
  closeSync(fd);
  expect(() => new Database(path, { readonly: true }).query("SELECT * FROM notifications").all()).toThrow();

  const into = openMemoryDatabase(T0);
  const report = copyStateFromFile(path, into);
  expect(report.copied).toContain("notifications");
  expect(report.partial).toEqual(["notifications"]);
  const keys = into.query<{ k: string }, []>("SELECT idempotency_key AS k FROM notifications ORDER BY id").all().map((r) => r.k);
  // A 4 KiB page holds at most about 17 of these rows: at most a couple of pages' worth are lost.
  expect(keys.length).toBeGreaterThan(ROWS - 40);
  expect(keys.length).toBeLessThan(ROWS);
  expect(keys[0]).toBe("key-0");
  expect(keys.at(-1)).toBe(`key-${ROWS - 1}`);
});

test("a file cut short (its last pages gone) is read as far as it goes", () => {
  const { path, pageSize } = queue();
  const db = new Database(path);
  const pages = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
  db.close();
  const fd = openSync(path, "r+");
  ftruncateSync(fd, Math.floor(pages * 0.8) * pageSize);
  closeSync(fd);
  const into = openMemoryDatabase(T0);
  const report = copyStateFromFile(path, into);
  const n = (into.query("SELECT count(*) AS n FROM notifications").get() as { n: number }).n;
  expect(report.copied).toContain("notifications");
  expect(n).toBeGreaterThan(ROWS * 0.6);
  expect(n).toBeLessThan(ROWS);
});
