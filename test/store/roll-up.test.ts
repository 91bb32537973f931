import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { decodeEntry, readDirectory } from "../../src/store/raw-block.ts";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { ROLLUP_BATCH_HOURS, ROLLUP_GRACE_MS, rollUp, rollUpDue } from "../../src/store/roll-up.ts";
import { memoryHistory, rows } from "./support/history.ts";
import { T0 } from "./support/temp.ts";

const S = 1000;

/** The values of every raw block, in block order. */
function rawValues(db: Database): number[] {
  return db
    .query<{ series: Uint8Array; data: Uint8Array }, []>("SELECT series, data FROM raw_blocks ORDER BY id")
    .all()
    .flatMap((row) => readDirectory(row.series).flatMap((e) => decodeEntry(row.data, e).values));
}

describe("rollUp of the raw blocks an older agent left waiting", () => {
  /** Hand-written points of one series in the hour from T0 (10:00), and one in the next hour. */
  function handWritten() {
    const history = memoryHistory(T0, { olderAgent: true });
    const { put } = history;
    put("m", T0, 1); // 10:00:00
    put("m", T0 + 20 * S, 5); // 10:00:20
    put("m", T0 + 40 * S, 3); // 10:00:40
    put("m", T0 + MINUTE_MS, 10); // 10:01:00
    put("m", T0 + MINUTE_MS + 30 * S, -2); // 10:01:30
    put("m", T0 + HOUR_MS - 10 * S, 7); // 10:59:50
    put("m", T0 + HOUR_MS, 100); // 11:00:00, the next hour
    return history;
  }

  test("computes min, max, sum and count per minute and per hour; the hour's raw points stay, as rolled up", () => {
    const { db } = handWritten();
    expect(rollUp(db, T0 + HOUR_MS + ROLLUP_GRACE_MS)).toEqual({ hours: 1, points: 6 });
    expect(rows(db, "rollup_1m")).toEqual([
      { series_id: 1, ts: T0, min_value: 1, max_value: 5, sum_value: 9, count: 3 },
      { series_id: 1, ts: T0 + MINUTE_MS, min_value: -2, max_value: 10, sum_value: 8, count: 2 },
      { series_id: 1, ts: T0 + 59 * MINUTE_MS, min_value: 7, max_value: 7, sum_value: 7, count: 1 },
    ]);
    expect(rows(db, "rollup_1h")).toEqual([{ series_id: 1, ts: T0, min_value: -2, max_value: 10, sum_value: 24, count: 6 }]);
    expect(rawValues(db)).toEqual([1, 5, 3, 10, -2, 7, 100]);
    // Only the hour still running waits for its roll-up.
    expect(rows(db, "raw_blocks_pending", "id").map((r) => r.start_ts)).toEqual([T0 + HOUR_MS]);
  });

  test("waits the grace time after an hour ends before moving it", () => {
    const { db } = handWritten();
    expect(rollUp(db, T0 + HOUR_MS + ROLLUP_GRACE_MS - 1)).toEqual({ hours: 0, points: 0 });
    expect(rows(db, "rollup_1m")).toEqual([]);
    expect(rows(db, "raw_blocks_pending", "id").length).toBe(7);
  });

  test("a late point merges into minutes already rolled up, and the hour follows its minutes", () => {
    const { db, put } = handWritten();
    rollUp(db, T0 + HOUR_MS + ROLLUP_GRACE_MS);
    put("m", T0 + 30 * S, 50); // 10:00:30, after its hour was rolled up
    expect(rollUp(db, T0 + HOUR_MS + ROLLUP_GRACE_MS + MINUTE_MS)).toEqual({ hours: 1, points: 1 });
    expect(rows(db, "rollup_1m")[0]).toEqual({ series_id: 1, ts: T0, min_value: 1, max_value: 50, sum_value: 59, count: 4 });
    expect(rows(db, "rollup_1h")).toEqual([{ series_id: 1, ts: T0, min_value: -2, max_value: 50, sum_value: 74, count: 7 }]);
  });

  test("a backlog of hours is moved an hour at a time, each series on its own", () => {
    const { db, writer } = memoryHistory(T0, { olderAgent: true });
    for (let ts = T0; ts < T0 + 3 * HOUR_MS; ts += 10 * S) {
      writer.write(ts, [
        { metric: "a", labels: {}, value: 1 },
        { metric: "b", labels: {}, value: ts / HOUR_MS },
      ]);
    }
    writer.flush();
    expect(rollUp(db, T0 + 3 * HOUR_MS + ROLLUP_GRACE_MS)).toEqual({ hours: 3, points: 2 * 3 * 360 });
    expect(rows(db, "raw_blocks_pending", "id")).toEqual([]);
    expect(rows(db, "rollup_1m").length).toBe(2 * 3 * 60);
    const hours = rows(db, "rollup_1h");
    expect(hours.map((h) => [h.series_id, h.ts, h.count])).toEqual([
      [1, T0, 360],
      [1, T0 + HOUR_MS, 360],
      [1, T0 + 2 * HOUR_MS, 360],
      [2, T0, 360],
      [2, T0 + HOUR_MS, 360],
      [2, T0 + 2 * HOUR_MS, 360],
    ]);
    expect(hours[3]!.sum_value! / hours[3]!.count!).toBeCloseTo(T0 / HOUR_MS + (HOUR_MS - 10 * S) / 2 / HOUR_MS, 9);
  });
});

describe("rollUpDue", () => {
  test("is due once ROLLUP_BATCH_HOURS complete hours of blocks wait, or any complete hour of points_recent", () => {
    const { db, put } = memoryHistory(T0, { olderAgent: true });
    put("m", T0, 1);
    const due = (hours: number) => rollUpDue(db, T0 + hours * HOUR_MS + ROLLUP_GRACE_MS);
    expect(due(ROLLUP_BATCH_HOURS - 1)).toBe(false);
    expect(due(ROLLUP_BATCH_HOURS)).toBe(true);
    rollUp(db, T0 + ROLLUP_BATCH_HOURS * HOUR_MS + ROLLUP_GRACE_MS);
    expect(due(ROLLUP_BATCH_HOURS)).toBe(false);
    db.run("INSERT INTO series (id, key, metric, labels, created_at) VALUES (9, 'old', 'old', '{}', 0)");
    db.run("INSERT INTO points_recent (ts, series_id, value) VALUES (?, 9, 1)", [T0 + HOUR_MS]);
    expect(due(1)).toBe(false);
    expect(due(2)).toBe(true);
  });
});

describe("rollUp of what an older agent left in points_recent", () => {
  test("moves its complete hours into points and the roll-ups, as before", () => {
    const { db } = memoryHistory(T0, { olderAgent: true });
    db.run("INSERT INTO series (id, key, metric, labels, created_at) VALUES (1, 'm', 'm', '{}', 0)");
    for (const [ts, value] of [[T0, 1], [T0 + 20 * S, 5], [T0 + HOUR_MS, 100]] as const) {
      db.run("INSERT INTO points_recent (ts, series_id, value) VALUES (?, 1, ?)", [ts, value]);
    }
    expect(rollUp(db, T0 + HOUR_MS + ROLLUP_GRACE_MS)).toEqual({ hours: 1, points: 2 });
    expect(rows(db, "points").map((r) => r.value)).toEqual([1, 5]);
    expect(rows(db, "rollup_1h")).toEqual([{ series_id: 1, ts: T0, min_value: 1, max_value: 5, sum_value: 6, count: 2 }]);
    expect(rows(db, "points_recent", "ts")).toEqual([{ ts: T0 + HOUR_MS, series_id: 1, value: 100 }]);
  });
});
