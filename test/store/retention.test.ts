import { describe, expect, test } from "bun:test";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { applyRetention } from "../../src/store/retention.ts";
import { memoryHistory, rows } from "./support/history.ts";
import { T0 } from "./support/temp.ts";

const DAY = 24 * HOUR_MS;
const settings = { rawMs: DAY, rollupMs: 30 * DAY };

describe("applyRetention", () => {
  function history(olderAgent = false) {
    const h = memoryHistory(T0 - 40 * DAY, { olderAgent });
    const { db } = h;
    const forgetRaw = () => db.run("DELETE FROM raw_blocks; DELETE FROM raw_blocks_pending; DELETE FROM rollup_blocks;");
    h.put("kept", T0 - 40 * DAY, 0); // creates series 1, long ago
    forgetRaw();
    h.put("gone", T0 - 40 * DAY, 0); // series 2: nothing will be left of it
    forgetRaw();
    const point = (ts: number) => db.run("INSERT INTO points (series_id, ts, value) VALUES (1, ?, 1)", [ts]);
    const rollup = (table: string, ts: number) =>
      db.run(`INSERT INTO ${table} (series_id, ts, min_value, max_value, sum_value, count) VALUES (1, ?, 1, 1, 1, 1)`, [ts]);
    for (const ts of [T0 - DAY - 2 * HOUR_MS, T0 - DAY - 1, T0 - DAY + 10 * MINUTE_MS, T0 - 1000]) point(ts);
    for (const ts of [T0 - 31 * DAY, T0 - 29 * DAY]) {
      rollup("rollup_1m", ts);
      rollup("rollup_1h", ts);
    }
    return h;
  }

  test("deletes raw points older than the raw window and roll-ups older than theirs, in whole hours", () => {
    const { db } = history();
    // At 10:30 the raw window starts at 10:30 the day before; the cut-off is the hour that holds it,
    // 10:00: the point of 10:10 is older than 24 h and is kept until the next hour's run.
    const now = T0 + 30 * MINUTE_MS;
    const gone: number[][] = [];
    const deleted = applyRetention(db, now, settings, (ids) => gone.push(ids));
    expect(gone).toEqual([[2]]);
    expect(rows(db, "points").map((r) => r.ts)).toEqual([T0 - DAY + 10 * MINUTE_MS, T0 - 1000]);
    expect(rows(db, "rollup_1m").map((r) => r.ts)).toEqual([T0 - 29 * DAY]);
    expect(rows(db, "rollup_1h").map((r) => r.ts)).toEqual([T0 - 29 * DAY]);
    expect(deleted).toEqual({ points: 2, rollup_1m: 1, rollup_1h: 1, series: 1 });
    // The series with no data anywhere is forgotten; the other is kept.
    expect(rows(db, "series", "id").map((r) => r.id)).toEqual([1]);
    expect(applyRetention(db, now + 1000, settings)).toEqual({});
    expect(applyRetention(db, T0 + HOUR_MS, settings)).toEqual({ points: 1 });
  });

  test("deletes whole raw blocks older than the raw window once rolled up; a series that a block still holds is kept", () => {
    const { db, put } = history(true);
    put("blocked", T0 - DAY - 2 * HOUR_MS, 1); // series 3: a block that will be rolled up, then too old
    put("blocked", T0 - DAY + 10 * MINUTE_MS, 2); // kept: inside the window
    put("waiting", T0 - DAY - 3 * HOUR_MS, 3); // series 4: its block is not rolled up yet
    db.run("DELETE FROM raw_blocks_pending WHERE start_ts <> ?", [T0 - DAY - 3 * HOUR_MS]);
    db.run("UPDATE series SET created_at = ?", [T0 - 40 * DAY]);
    const deleted = applyRetention(db, T0 + 30 * MINUTE_MS, settings);
    expect(deleted.raw_blocks).toBe(1);
    expect(rows(db, "raw_blocks", "start_ts").map((r) => r.start_ts)).toEqual([T0 - DAY - 3 * HOUR_MS, T0 - DAY + 10 * MINUTE_MS]);
    // "gone" had nothing left; "blocked" and "waiting" have points in blocks, without any roll-up.
    expect(rows(db, "series", "id").map((r) => r.id)).toEqual([1, 3, 4]);
  });

  test("deletes whole roll-up blocks older than the roll-up window; a series goes with its last block", () => {
    const { db, put } = history();
    put("old", T0 - 31 * DAY, 1); // series 3: its raw block goes after a day, its roll-ups after 30
    put("recent", T0 - 29 * DAY, 2); // series 4: roll-ups inside the window
    db.run("UPDATE series SET created_at = ?", [T0 - 40 * DAY]);
    const deleted = applyRetention(db, T0 + 30 * MINUTE_MS, settings);
    // The minutes and the hour's share of "old"; those of "recent" stay.
    expect(deleted.rollup_blocks).toBe(2);
    expect(rows(db, "rollup_blocks", "resolution, start_ts").map((r) => [r.resolution, r.start_ts])).toEqual([
      [MINUTE_MS, T0 - 29 * DAY],
      [HOUR_MS, T0 - 29 * DAY],
    ]);
    expect(rows(db, "series", "id").map((r) => r.id)).toEqual([1, 4]);
  });

  test("keeps open alerts, pending notifications and silences in force, however old", () => {
    const { db } = history();
    const old = T0 - 40 * DAY;
    db.run(
      `INSERT INTO alerts (id, fingerprint, labels, state, severity, started_at, resolved_at, updated_at) VALUES
         (1, 'a', '{}', 'firing', 'warning', ?1, NULL, ?1),
         (2, 'b', '{}', 'resolved', 'warning', ?1, ?1, ?1),
         (3, 'c', '{}', 'resolved', 'warning', ?1, ?2, ?2)`,
      [old, T0 - DAY],
    );
    db.run(
      `INSERT INTO notifications (id, alert_fingerprint, alert_state, channel, status, idempotency_key, payload, next_attempt_at, created_at, updated_at) VALUES
         (1, 'a', 'firing', 'webhook', 'pending', 'k1', '{}', ?1, ?1, ?1),
         (2, 'b', 'firing', 'webhook', 'delivered', 'k2', '{}', ?1, ?1, ?1),
         (3, 'b', 'resolved', 'webhook', 'dead', 'k3', '{}', ?1, ?1, ?1)`,
      [old],
    );
    db.run(
      `INSERT INTO delivery_attempts (notification_id, channel, ts, outcome, latency_ms) VALUES (1, 'webhook', ?1, 'retry', 5), (1, 'webhook', ?2, 'retry', 5)`,
      [old, T0 - DAY],
    );
    db.run(
      `INSERT INTO anomalies (ts, type, severity, message, metric, labels, series_key, detector, score) VALUES
         (?1, 'cpu_high', 'warning', 'old', 'm', '{}', 'm', 'threshold', 1), (?2, 'cpu_high', 'warning', 'new', 'm', '{}', 'm', 'threshold', 1)`,
      [old, T0 - DAY],
    );
    db.run(
      `INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, created_at, updated_at) VALUES
         ('over', '[]', ?1, ?1, 'me', ?1, ?1), ('forever', '[]', ?1, ?2, 'me', ?1, ?1)`,
      [old, T0 + 365 * DAY],
    );
    const deleted = applyRetention(db, T0, settings);
    expect(rows(db, "alerts", "id").map((r) => r.id)).toEqual([1, 3]);
    expect(rows(db, "notifications", "id").map((r) => r.id)).toEqual([1]);
    expect(rows(db, "delivery_attempts", "id").map((r) => r.ts)).toEqual([T0 - DAY]);
    expect(db.query("SELECT message FROM anomalies").all()).toEqual([{ message: "new" }]);
    expect(db.query("SELECT id FROM silences").all()).toEqual([{ id: "forever" }]);
    expect(deleted).toMatchObject({ alerts: 1, notifications: 2, delivery_attempts: 1, anomalies: 1, silences: 1 });
  });
});
