import { Database } from "bun:sqlite";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { MIGRATIONS, migrate, NewerSchemaError, schemaVersion } from "../../src/store/migrations.ts";
import { cleanUp, tempDir } from "./support/temp.ts";

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

  test("refuses a database written by a newer agent", () => {
    const db = new Database(":memory:");
    migrate(db, 1, [...MIGRATIONS, { version: 99, name: "future", sql: "CREATE TABLE future (x)" }]);
    expect(() => migrate(db, 2)).toThrow(NewerSchemaError);
    expect(() => migrate(db, 2)).toThrow(`database schema version 99 is newer than this agent's (${MIGRATIONS.at(-1)!.version})`);
  });
});
