import { statSync } from "node:fs";
import { afterEach, describe, expect, test } from "bun:test";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { openDatabase } from "../../src/store/open-database.ts";
import { enforceSizeCap, usedBytes } from "../../src/store/size-cap.ts";
import { cleanUp, T0, tempDir } from "./support/temp.ts";

afterEach(cleanUp);

const DAY = 24 * HOUR_MS;
const SERIES = 10;

/** A database file with 10 series: 10 days of 1-minute roll-ups, and a day of raw points every 10 s. */
function filledFile() {
  const opened = openDatabase(tempDir(), T0);
  const db = opened.db;
  db.transaction(() => {
    for (let id = 1; id <= SERIES; id++) db.run("INSERT INTO series (id, key, metric, labels, created_at) VALUES (?, ?, 'm', '{}', 0)", [id, `m${id}`]);
    db.run(
      `WITH RECURSIVE t(ts) AS (SELECT ?1 UNION ALL SELECT ts + ${MINUTE_MS} FROM t WHERE ts + ${MINUTE_MS} < ?2)
       INSERT INTO rollup_1m SELECT s.id, t.ts, 1.5, 2.5, 12.25, 6 FROM series AS s, t`,
      [T0 - 10 * DAY, T0],
    );
    db.run(
      `WITH RECURSIVE t(ts) AS (SELECT ?1 UNION ALL SELECT ts + 10000 FROM t WHERE ts + 10000 < ?2)
       INSERT INTO points SELECT s.id, t.ts, t.ts % 997 + 0.5 FROM series AS s, t`,
      [T0 - DAY, T0],
    );
    db.run("INSERT INTO alerts (fingerprint, labels, state, severity, started_at, updated_at) VALUES ('f', '{}', 'firing', 'warning', ?1, ?1)", [T0 - 20 * DAY]);
  })();
  db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  return { db, path: opened.path! };
}

const oldest = (db: ReturnType<typeof filledFile>["db"], table: string) =>
  (db.query(`SELECT min(ts) AS ts FROM ${table}`).get() as { ts: number | null }).ts;

describe("enforceSizeCap", () => {
  test("does nothing within the cap", () => {
    const { db } = filledFile();
    const used = usedBytes(db);
    expect(enforceSizeCap(db, used, T0)).toEqual({ trimmedBefore: null, deleted: 0, usedBytes: used, vacuumedPages: 0 });
    db.close();
  });

  test("deletes the oldest history first until the database fits, and the file shrinks", () => {
    const { db, path } = filledFile();
    const used = usedBytes(db);
    const fileBefore = statSync(path).size;
    const rawBefore = db.query("SELECT count(*) AS n FROM points").get();
    const report = enforceSizeCap(db, used / 2, T0);
    expect(report.usedBytes).toBeLessThanOrEqual(used / 2);
    expect(report.deleted).toBeGreaterThan(0);
    expect(report.vacuumedPages).toBeGreaterThan(0);
    // The oldest roll-ups went; the newest, and all the (younger) raw points, stayed.
    expect(oldest(db, "rollup_1m")).toBe(report.trimmedBefore);
    expect(report.trimmedBefore!).toBeGreaterThan(T0 - 10 * DAY);
    expect(db.query("SELECT max(ts) AS ts FROM rollup_1m").get()).toEqual({ ts: T0 - MINUTE_MS });
    expect(db.query("SELECT count(*) AS n FROM points").get()).toEqual(rawBefore);
    // Alerts are not history.
    expect(db.query("SELECT count(*) AS n FROM alerts").get()).toEqual({ n: 1 });
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    expect(statSync(path).size).toBeLessThan(fileBefore * 0.6);
    db.close();
  });

  test("a cap below what the last hour needs keeps the last hour and stops", () => {
    const { db } = filledFile();
    const report = enforceSizeCap(db, 1, T0);
    expect(report.trimmedBefore).toBe(T0 - HOUR_MS);
    expect(oldest(db, "points")).toBe(T0 - HOUR_MS);
    expect(oldest(db, "rollup_1m")).toBe(T0 - HOUR_MS);
    expect(db.query("SELECT count(*) AS n FROM points").get()).toEqual({ n: SERIES * 360 });
    db.close();
  });
});
