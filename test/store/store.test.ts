import { Database } from "bun:sqlite";
import { existsSync, openSync, readdirSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { findOpenAlert, insertAlert, listOpenAlerts } from "../../src/store/alerts.ts";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { MIGRATIONS, migrate } from "../../src/store/migrations.ts";
import { DATABASE_FILE } from "../../src/store/open-database.ts";
import { BLOCK_WINDOW_MS } from "../../src/store/raw-buffer.ts";
import { ROLLUP_GRACE_MS } from "../../src/store/roll-up.ts";
import { finding as testFinding } from "../support/findings.ts";
import { cleanUp, metricValue, sample, T0, tempDir, testStore } from "./support/store-fixture.ts";

afterEach(cleanUp);

const cpu = (value: number) => [sample("aiops_cpu_usage_percent", value), sample("aiops_network_receive_bytes_per_second", value * 10, { device: "eth0" })];

describe("store lifecycle", () => {
  test("close is safe before open and twice; open and start are safe twice; a closed store refuses use", () => {
    const unopened = testStore().store;
    unopened.close();
    unopened.close();
    expect(() => unopened.writeSamples(T0, cpu(1))).not.toThrow();
    expect(unopened.writeSamples(T0, cpu(1)).error).toBe("store: used after close");
    expect(() => unopened.open()).toThrow("open after close");

    const { store } = testStore();
    expect(() => store.db).toThrow("store: not open");
    const first = store.open();
    expect(store.start()).toEqual(first);
    expect(store.open()).toEqual(first);
    expect(first).toMatchObject({ open: true, persistent: true, degraded: null, notices: [] });
    store.close();
    store.close();
    expect(store.status().open).toBe(false);
    expect(() => store.querySeries({ metric: "m", from: 0, to: 1 })).toThrow("store: used after close");
  });

  test("start runs maintenance on its interval, once however often it is called; close stops it", async () => {
    const { store, clock, metrics } = testStore({ settings: { maintenance_interval: 60 } });
    const runs = () => metricValue(metrics, "aiops_store_maintenance_duration_seconds", {}, "_count") ?? 0;
    store.start();
    store.start();
    await clock.advance(59_999);
    expect(runs()).toBe(0);
    await clock.advance(1);
    expect(runs()).toBe(1);
    await clock.advance(120_000);
    expect(runs()).toBe(3);
    store.close();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(600_000);
    expect(runs()).toBe(3);
  });
});

describe("history", () => {
  test("survives a restart: raw points, roll-ups, series and the newest minutes", async () => {
    const dataDir = tempDir();
    const first = testStore({ dataDir });
    first.store.start();
    // Four hours of ticks (each write says its own time): each block is written with its roll-ups,
    // and maintenance, once an hour is over, merges that hour's shares into one row, an hour a run.
    for (let ts = T0; ts <= T0 + 4 * HOUR_MS; ts += 10_000) expect(first.store.writeSamples(ts, cpu((ts - T0) / 10_000)).written).toBe(2);
    await first.clock.advanceTo(T0 + 4 * HOUR_MS + ROLLUP_GRACE_MS - 1);
    const query = { metric: "aiops_cpu_usage_percent", from: T0, to: T0 + 4 * HOUR_MS };
    const waiting = first.store.querySeries({ ...query, step: HOUR_MS });
    expect(first.store.maintain()?.rolledUp).toEqual({ hours: 0, points: 0 });
    await first.clock.advance(1);
    for (let run = 0; run < 4; run++) expect(first.store.maintain()?.rolledUp).toEqual({ hours: 0, points: 0 });
    expect(first.store.db.query(`SELECT start_ts AS ts, count(*) AS n FROM rollup_blocks WHERE resolution = ${HOUR_MS} GROUP BY start_ts`).all()).toEqual(
      [0, 1, 2, 3].map((h) => ({ ts: T0 + h * HOUR_MS, n: 1 })),
    );
    const before = first.store.querySeries(query);
    const hourly = first.store.querySeries({ ...query, step: HOUR_MS });
    expect(hourly.series[0]!.points.map((p) => p.count)).toEqual(waiting.series[0]!.points.map((p) => p.count));
    expect(before.series[0]!.points.length).toBe(1441);
    first.store.close();

    const second = testStore({ dataDir, now: first.clock.wallMs() });
    expect(second.store.open()).toMatchObject({ persistent: true, degraded: null });
    expect(second.store.querySeries(query)).toEqual(before);
    expect(second.store.querySeries({ ...query, step: HOUR_MS })).toEqual(hourly);
    expect(second.store.listSeries().map((s) => s.key)).toEqual(["aiops_cpu_usage_percent", 'aiops_network_receive_bytes_per_second{device="eth0"}']);
    expect(second.store.latest({ metric: "aiops_cpu_usage_percent" })).toEqual([{ metric: "aiops_cpu_usage_percent", labels: {}, ts: T0 + 4 * HOUR_MS, value: 1440 }]);
    // The next tick goes on the same series.
    second.store.writeSamples(T0 + 4 * HOUR_MS + 10_000, cpu(1441));
    expect(second.store.db.query("SELECT count(*) AS n FROM series").get()).toEqual({ n: 2 });
  });

  test("a restart after a clean stop loses nothing: the points still in memory are written at close", () => {
    const dataDir = tempDir();
    const first = testStore({ dataDir });
    first.store.open();
    // Two minutes of ticks: all of them still in memory, in the block being filled.
    for (let ts = T0; ts <= T0 + 120_000; ts += 1000) first.store.writeSamples(ts, cpu((ts - T0) / 1000));
    expect(first.store.db.query("SELECT count(*) AS n FROM raw_blocks").get()).toEqual({ n: 0 });
    const query = { metric: "aiops_network_receive_bytes_per_second", from: T0, to: T0 + 120_000 };
    const before = first.store.querySeries(query);
    expect(before.series[0]!.points.length).toBe(121);
    first.store.close();

    const second = testStore({ dataDir, now: T0 + 121_000 });
    second.store.open();
    expect(second.store.querySeries(query)).toEqual(before);
    expect(second.store.latest({ metric: "aiops_cpu_usage_percent" })).toEqual([{ metric: "aiops_cpu_usage_percent", labels: {}, ts: T0 + 120_000, value: 120 }]);
  });

  test("a database of the previous schema is migrated, and its samples stay readable until they age out", async () => {
    const dataDir = tempDir();
    const old = new Database(join(dataDir, DATABASE_FILE), { create: true });
    old.run("PRAGMA auto_vacuum = INCREMENTAL");
    old.run("PRAGMA journal_mode = WAL");
    migrate(old, T0 - HOUR_MS, MIGRATIONS.filter((m) => m.version <= 4));
    old.run("INSERT INTO series (id, key, metric, labels, created_at) VALUES (1, 'aiops_cpu_usage_percent', 'aiops_cpu_usage_percent', '{}', ?)", [T0 - HOUR_MS]);
    // An hour rolled up into points, and the current hour's first minute still in points_recent.
    for (let ts = T0 - HOUR_MS; ts < T0; ts += 10_000) old.run("INSERT INTO points (series_id, ts, value) VALUES (1, ?, ?)", [ts, (ts - T0) / 10_000]);
    old.run("INSERT INTO rollup_1h (series_id, ts, min_value, max_value, sum_value, count) VALUES (1, ?, -360, -1, -64980, 360)", [T0 - HOUR_MS]);
    for (let ts = T0; ts < T0 + MINUTE_MS; ts += 10_000) old.run("INSERT INTO points_recent (ts, series_id, value) VALUES (?, 1, ?)", [ts, (ts - T0) / 10_000]);
    old.close();

    const { store, clock } = testStore({ dataDir, now: T0 + MINUTE_MS });
    expect(store.open()).toMatchObject({ persistent: true, degraded: null });
    expect(store.db.query("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({ v: MIGRATIONS.at(-1)!.version });
    // The file keeps its pages (4 KiB); only new files take smaller ones.
    expect(store.db.query("PRAGMA page_size").get()).toEqual({ page_size: 4096 });
    store.writeSamples(T0 + MINUTE_MS, cpu(6));
    const raw = store.querySeries({ metric: "aiops_cpu_usage_percent", from: T0 - HOUR_MS, to: T0 + MINUTE_MS });
    expect(raw.series[0]!.points.map((p) => p.value)).toEqual(Array.from({ length: 367 }, (_, i) => i - 360));
    const hourly = { metric: "aiops_cpu_usage_percent", from: T0 - HOUR_MS, to: T0 + MINUTE_MS, step: HOUR_MS };
    expect(store.querySeries(hourly).series[0]!.points.map((p) => [p.ts, p.count])).toEqual([
      [T0 - HOUR_MS, 360],
      [T0, 7],
    ]);
    // The old write buffer is rolled up as before, once its hour is over; the new points are written
    // with their roll-ups.
    await clock.advanceTo(T0 + HOUR_MS + ROLLUP_GRACE_MS);
    expect(store.maintain()?.rolledUp).toEqual({ hours: 1, points: 6 });
    expect(store.querySeries(hourly).series[0]!.points.map((p) => [p.ts, p.count, p.min, p.max])).toEqual([
      [T0 - HOUR_MS, 360, -360, -1],
      [T0, 7, 0, 6],
    ]);
    expect(store.latest({ metric: "aiops_cpu_usage_percent" })).toEqual([{ metric: "aiops_cpu_usage_percent", labels: {}, ts: T0 + MINUTE_MS, value: 6 }]);
  });

  test("counts what it writes and how long a tick takes; maintenance updates the size", () => {
    const { store, metrics } = testStore();
    store.open();
    store.writeSamples(T0, cpu(1));
    store.writeSamples(T0 + 10_000, [...cpu(2), sample("x", Number.NaN)]);
    expect(metricValue(metrics, "aiops_store_points_written_total")).toBe(4);
    expect(metricValue(metrics, "aiops_store_write_duration_seconds", {}, "_count")).toBe(2);
    expect(metricValue(metrics, "aiops_store_series")).toBe(2);
    expect(metricValue(metrics, "aiops_store_degraded")).toBe(0);
    store.maintain();
    expect(metricValue(metrics, "aiops_store_database_size_bytes")).toBeGreaterThan(0);
  });

  test("a size cap smaller than the history deletes the oldest, says so once per run, and counts it", () => {
    const { store, metrics, lines } = testStore({ settings: { max_size_mb: 1, rollup_retention: 365 * 86_400 } });
    store.open();
    // 40 days of hourly roll-ups of 300 series: well over 1 MB.
    store.transaction((db) => {
      for (let id = 1; id <= 300; id++) db.run("INSERT INTO series (id, key, metric, labels, created_at) VALUES (?, ?, 'm', '{}', 0)", [id, `m${id}`]);
      db.run(
        `WITH RECURSIVE t(ts) AS (SELECT ?1 UNION ALL SELECT ts + ${HOUR_MS} FROM t WHERE ts + ${HOUR_MS} < ?2)
         INSERT INTO rollup_1h SELECT s.id, t.ts, 1.25, 2.5, 10.75, 360 FROM series AS s, t`,
        [T0 - 40 * 24 * HOUR_MS, T0],
      );
    });
    const report = store.maintain()!;
    expect(report.sizeCap.usedBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(report.sizeCap.trimmedBefore).toBeGreaterThan(T0 - 40 * 24 * HOUR_MS);
    expect(store.db.query("SELECT max(ts) AS ts FROM rollup_1h").get()).toEqual({ ts: T0 - HOUR_MS });
    expect(metricValue(metrics, "aiops_store_rows_deleted_total", { reason: "size_cap" })).toBe(report.sizeCap.deleted);
    expect(lines().filter((l) => l.message === "store: size cap reached, deleted the oldest history").length).toBe(1);
  });
});

describe("degraded: history in memory, the agent running", () => {
  test("a data directory that cannot be created (ENOTDIR) gives a running store, a reason and aiops_store_degraded 1", () => {
    const file = join(tempDir(), "file");
    writeFileSync(file, "");
    const { store, metrics, lines } = testStore({ dataDir: join(file, "data") });
    const status = store.open();
    expect(status).toMatchObject({ open: true, persistent: false, path: null });
    expect(status.degraded).toMatchObject({ problem: "read_only", since: T0 });
    expect(status.degraded?.reason).toContain("ENOTDIR");
    expect(store.degraded).toEqual(status.degraded);
    expect(metricValue(metrics, "aiops_store_degraded")).toBe(1);
    expect(lines().find((l) => l.level === "WARNING")).toMatchObject({
      logger: "aiops_agent.store",
      message: "store degraded: history is kept in memory only",
      problem: "read_only",
    });
    expect(store.writeSamples(T0, cpu(5))).toEqual({ written: 2 });
    expect(store.latest({ metric: "aiops_cpu_usage_percent" }).map((p) => p.value)).toEqual([5]);
    expect(store.maintain()).not.toBeNull();
  });

  test("a full disk when a block is written (SQLITE_FULL from max_page_count) degrades instead of throwing; the points and the state carry on in memory", () => {
    // The whole block is encoded in the tick that seals it (spreading is sample-writer.test.ts's).
    const { store, metrics, dataDir, lines } = testStore({ encodeSeriesPerTick: 10_000 });
    store.open();
    store.writeSamples(T0, cpu(1));
    store.transaction((db) => insertAlert(db, { fingerprint: "fp", labels: {}, state: "firing", severity: "warning", startedAt: T0, updatedAt: T0 }));
    store.saveDetectorStates([{ seriesKey: "aiops_cpu_usage_percent", detector: "ewma", state: { mean: 1 } }]);
    // The file may not grow any more: the next write that needs a page fails as on a full disk.
    const pages = (store.db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    store.db.run(`PRAGMA max_page_count = ${pages}`);
    const wide = Array.from({ length: 2000 }, (_, i) => sample("aiops_disk_usage_percent", i, { mountpoint: `/mnt/volume-${i}-${"x".repeat(40)}` }));

    // Ticks only fill memory; the tick that starts the next block writes the one before.
    expect(store.writeSamples(T0 + 10_000, wide)).toEqual({ written: 2000 });
    expect(store.degraded).toBeNull();
    const result = store.writeSamples(T0 + BLOCK_WINDOW_MS, cpu(3));

    expect(result).toEqual({ written: 2 });
    expect(store.degraded?.problem).toBe("disk_full");
    expect(store.degraded?.reason).toContain("SQLITE_FULL");
    expect(store.status().persistent).toBe(false);
    expect(metricValue(metrics, "aiops_store_degraded")).toBe(1);
    expect(lines().some((l) => l.message === "store degraded: history is kept in memory only" && l.problem === "disk_full")).toBe(true);
    // No point was lost: the block that failed went to memory, with the alert and the detector state.
    const query = { metric: "aiops_cpu_usage_percent", from: T0, to: T0 + BLOCK_WINDOW_MS };
    expect(store.querySeries(query).series[0]!.points.map((p) => [p.ts, p.value])).toEqual([
      [T0, 1],
      [T0 + BLOCK_WINDOW_MS, 3],
    ]);
    expect(store.querySeries({ metric: "aiops_disk_usage_percent", from: T0, to: T0 + BLOCK_WINDOW_MS }).series.length).toBe(2000);
    expect(store.read((db) => listOpenAlerts(db)).map((a) => a.fingerprint)).toEqual(["fp"]);
    expect(store.loadDetectorStates("ewma").map((s) => s.state)).toEqual([{ mean: 1 }]);
    expect(store.writeSamples(T0 + BLOCK_WINDOW_MS + 10_000, cpu(4))).toEqual({ written: 2 });
    store.close();

    // The file is intact, as it was before the failed write: no block, no series of it.
    const file = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    expect(file.query("SELECT count(*) AS n FROM raw_blocks").get()).toEqual({ n: 0 });
    expect(file.query("SELECT count(*) AS n FROM series").get()).toEqual({ n: 0 });
    expect(file.query("SELECT fingerprint FROM alerts").all()).toEqual([{ fingerprint: "fp" }]);
    file.close();
  });

  test("a database file that turns out corrupt under a running store is moved aside and a fresh file takes over", () => {
    const dataDir = tempDir();
    const first = testStore({ dataDir });
    first.store.open();
    for (let ts = T0; ts < T0 + 600_000; ts += 10_000) first.store.writeSamples(ts, cpu(ts));
    first.store.transaction((db) => insertAlert(db, { fingerprint: "fp", labels: {}, state: "firing", severity: "warning", startedAt: T0, updatedAt: T0 }));
    const root = (first.store.db.query("SELECT rootpage FROM sqlite_schema WHERE name = 'raw_blocks'").get() as { rootpage: number }).rootpage;
    const pageSize = (first.store.db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
    first.store.close();
    // Garbage over the raw blocks' root page: the file opens, the first block written hits it.
    const fd = openSync(join(dataDir, DATABASE_FILE), "r+");
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);

    const second = testStore({ dataDir, now: T0 + 600_000 });
    expect(second.store.open().persistent).toBe(true);
    second.store.writeSamples(T0 + 600_000, cpu(6));
    const result = second.store.writeSamples(T0 + 600_000 + BLOCK_WINDOW_MS, cpu(7));

    expect(result).toEqual({ written: 2 });
    const status = second.store.status();
    expect(status).toMatchObject({ persistent: true, degraded: null, path: join(dataDir, DATABASE_FILE) });
    expect(status.notices).toHaveLength(1);
    expect(status.notices[0]).toMatch(/write samples failed \(SQLITE_CORRUPT.*moved .* aside to .*aiops-agent\.db\.corrupt-20250101T101000Z.*carried over/);
    expect(readdirSync(dataDir).filter((f) => f.includes(".corrupt-"))).toEqual(["aiops-agent.db.corrupt-20250101T101000Z"]);
    // The alert was readable in the old file and came across; the tick went to the fresh file.
    expect(second.store.read((db) => findOpenAlert(db, "fp"))?.fingerprint).toBe("fp");
    expect(second.store.latest({ metric: "aiops_cpu_usage_percent" }).map((p) => p.value)).toEqual([7]);
    const query = { metric: "aiops_cpu_usage_percent", from: T0 + 600_000, to: T0 + 600_000 + BLOCK_WINDOW_MS };
    expect(second.store.querySeries(query).series[0]!.points.map((p) => p.value)).toEqual([6, 7]);
    expect(metricValue(second.metrics, "aiops_store_degraded")).toBe(0);
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(true);
  });

  test("a corrupt file at start is moved aside and named in the status and the log", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, DATABASE_FILE), "garbage".repeat(1000));
    const { store, lines } = testStore({ dataDir });
    const status = store.open();
    expect(status).toMatchObject({ persistent: true, degraded: null });
    expect(status.notices[0]).toContain("moved it aside to");
    expect(lines().some((l) => l.level === "WARNING" && String(l.notice).includes("SQLITE_NOTADB"))).toBe(true);
    expect(store.writeSamples(T0, cpu(1)).written).toBe(2);
  });
});

describe("transactions and state", () => {
  test("transaction commits what fn wrote, or nothing when fn throws", () => {
    const { store } = testStore();
    store.open();
    const alert = { labels: {}, state: "firing" as const, severity: "warning" as const, startedAt: T0, updatedAt: T0 };
    expect(() =>
      store.transaction((db) => {
        insertAlert(db, { ...alert, fingerprint: "a" });
        throw new Error("engine failed");
      }),
    ).toThrow("engine failed");
    expect(store.transaction((db) => insertAlert(db, { ...alert, fingerprint: "b" }))).toBe(1);
    expect(store.read(listOpenAlerts).map((a) => a.fingerprint)).toEqual(["b"]);
  });

  test("records findings and detector states; a failure is counted and logged once, not thrown", () => {
    const { store, metrics, lines } = testStore();
    store.open();
    const finding = testFinding({ timestamp: new Date(T0).toISOString() });
    expect(store.recordFindings([finding, finding])).toEqual({ written: 2 });
    expect(store.recordFindings([])).toEqual({ written: 0 });
    const bad = { ...finding, timestamp: "not a time" };
    expect(store.recordFindings([bad]).error).toContain("invalid timestamp");
    expect(store.recordFindings([bad]).written).toBe(0);
    expect(metricValue(metrics, "aiops_store_errors_total", { operation: "record_findings" })).toBe(2);
    expect(lines().filter((l) => l.message === "store operation failed").length).toBe(1);
    expect(store.saveDetectorStates([{ seriesKey: "k", detector: "d", state: { a: 1 } }])).toEqual({ written: 1 });
    expect(store.loadDetectorStates()).toEqual([{ seriesKey: "k", detector: "d", state: { a: 1 }, updatedAt: T0 }]);
  });
});
