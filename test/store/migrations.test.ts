import { Database } from "bun:sqlite";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { MIGRATIONS, migrate, NewerSchemaError, schemaVersion } from "../../src/store/migrations.ts";
import { MINUTE_MS } from "../../src/store/buckets.ts";
import { decodeRollupBlock, encodeRollupBlock } from "../../src/store/rollup-block.ts";
import { asSchema7 } from "./support/history.ts";
import { cleanUp, T0, tempDir } from "./support/temp.ts";

afterEach(cleanUp);

const TABLES = [
  "alert_engine_state",
  "alerts",
  "anomalies",
  "delivery_attempts",
  "detector_state",
  "export_queue",
  "notifications",
  "points",
  "points_recent",
  "raw_blocks",
  "raw_blocks_pending",
  "remediation_runs",
  "rollup_1h",
  "rollup_1m",
  "rollup_blocks",
  "schema_migrations",
  "series",
  "silences",
  // SQLite's own: export_queue's AUTOINCREMENT keeps its highest id here.
  "sqlite_sequence",
  "store_meta",
];

function tables(db: Database): string[] {
  return db
    .query<{ name: string }, []>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);
}

describe("migrate", () => {
  test("builds every table from an empty database and records each version", () => {
    const db = new Database(":memory:");
    expect(migrate(db, 1000)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(tables(db)).toEqual(TABLES);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.query("SELECT version, applied_at FROM schema_migrations").all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1000 })));
  });

  test("applies nothing on a database already current, across a reopen of the file", () => {
    const path = join(tempDir(), "m.db");
    const first = new Database(path);
    migrate(first, 1);
    first.run("INSERT INTO store_meta (key, value) VALUES ('kept', 'yes')");
    first.close();
    const again = new Database(path);
    expect(migrate(again, 2)).toEqual([]);
    expect(again.query("SELECT value FROM store_meta WHERE key = 'kept'").get()).toEqual({ value: "yes" });
    expect(again.query("SELECT count(*) AS n FROM schema_migrations").get()).toEqual({ n: MIGRATIONS.length });
    again.close();
  });

  test("applies only the missing migrations, in order", () => {
    const db = new Database(":memory:");
    const first = { version: 1, name: "one", sql: "CREATE TABLE a (x)" };
    const second = { version: 2, name: "two", sql: "ALTER TABLE a ADD COLUMN y" };
    expect(migrate(db, 1, [first])).toEqual([1]);
    expect(migrate(db, 2, [first, second])).toEqual([2]);
    expect(db.query("SELECT name FROM pragma_table_info('a') ORDER BY cid").all()).toEqual([{ name: "x" }, { name: "y" }]);
  });

  test("a migration that fails leaves nothing of itself and the version where it was", () => {
    const db = new Database(":memory:");
    const good = { version: 1, name: "one", sql: "CREATE TABLE a (x)" };
    const bad = { version: 2, name: "two", sql: "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1)" };
    expect(() => migrate(db, 1, [good, bad])).toThrow(/no such table: nowhere/);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(["a", "schema_migrations"]);
  });

  test("a conversion that fails leaves its migration undone: its SQL rolled back, the version where it was", () => {
    const db = new Database(":memory:");
    const good = { version: 1, name: "one", sql: "CREATE TABLE a (x)" };
    const converting = {
      version: 2,
      name: "two",
      sql: "CREATE TABLE b (x)",
      convert: (d: Database) => {
        d.run("INSERT INTO a VALUES (1)");
        throw new Error("cannot convert row 1");
      },
    };
    expect(() => migrate(db, 1, [good, converting])).toThrow("cannot convert row 1");
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(["a", "schema_migrations"]);
    expect(db.query("SELECT count(*) AS n FROM a").get()).toEqual({ n: 0 });
  });

  test("8 converts the roll-up blocks of a file an agent of schema 7 wrote, which read the same afterwards", () => {
    const path = join(tempDir(), "m.db");
    const old = new Database(path);
    expect(migrate(old, 1, MIGRATIONS.filter((m) => m.version <= 7))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const series = Array.from({ length: 70 }, (_, i) => ({ id: i + 1, ts: [T0, T0 + MINUTE_MS], lo: [i, -i], hi: [i + 1, 0.5], total: [i * 3, 0.1 + 0.2], n: [3, 2] }));
    const block = encodeRollupBlock(series);
    old.run("INSERT INTO rollup_blocks (resolution, start_ts, end_ts, series, data) VALUES (?, ?, ?, ?, ?)", [MINUTE_MS, T0, T0 + MINUTE_MS, block.series, block.data]);
    asSchema7(old);
    const rows = (db: Database) => db.query<{ series: Uint8Array; data: Uint8Array }, []>("SELECT series, data FROM rollup_blocks").all();
    expect(rows(old)[0]!.data[0]).toBe(1);
    old.close();
    const db = new Database(path);
    expect(migrate(db, 2)).toEqual([8]);
    const [converted] = rows(db);
    expect(converted!.data).toEqual(block.data);
    expect(decodeRollupBlock(converted!)).toEqual(series);
    db.close();
  });

  test("refuses a database written by a newer agent", () => {
    const db = new Database(":memory:");
    migrate(db, 1, [...MIGRATIONS, { version: 99, name: "future", sql: "CREATE TABLE future (x)" }]);
    expect(() => migrate(db, 2)).toThrow(NewerSchemaError);
    expect(() => migrate(db, 2)).toThrow(`database schema version 99 is newer than this agent's (${MIGRATIONS.at(-1)!.version})`);
  });
});
