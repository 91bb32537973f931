import type { Database } from "bun:sqlite";
import { ManualClock } from "../../../src/clock.ts";
import type { Labels } from "../../../src/contracts/sample.ts";
import { openMemoryDatabase } from "../../../src/store/open-database.ts";
import { createSampleWriter } from "../../../src/store/sample-writer.ts";
import { SeriesIndex } from "../../../src/store/series-index.ts";
import { T0 } from "./temp.ts";

/** An in-memory database with the schema, its series index and writer; new series are dated `at`. */
export function memoryHistory(at = T0) {
  const db = openMemoryDatabase(T0);
  const index = new SeriesIndex(db, new ManualClock(at));
  const writer = createSampleWriter(db, index);
  /** Writes one point of one series. */
  const put = (metric: string, ts: number, value: number, labels: Labels = {}) => writer.write(ts, [{ metric, labels, value }]);
  return { db, index, writer, put };
}

/** Every row of a table, in key order. */
export function rows(db: Database, table: string, order = "series_id, ts"): Array<Record<string, number>> {
  return db.query<Record<string, number>, []>(`SELECT * FROM ${table} ORDER BY ${order}`).all();
}
