import type { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { decodeEntry, readDirectory } from "../../src/store/raw-block.ts";
import { BLOCK_WINDOW_MS } from "../../src/store/raw-buffer.ts";
import { SERIES_PER_TICK } from "../../src/store/sample-writer.ts";
import { querySeries } from "../../src/store/series-query.ts";
import { decodeRollupBlock } from "../../src/store/rollup-block.ts";
import { SeriesIndex } from "../../src/store/series-index.ts";
import { memoryHistory, rows } from "./support/history.ts";
import { T0 } from "./support/temp.ts";

/** Every raw block: its time span and, per series id, its points. */
function blocks(db: Database) {
  return db
    .query<{ id: number; start_ts: number; end_ts: number; points: number; series: Uint8Array; data: Uint8Array }, []>("SELECT * FROM raw_blocks ORDER BY id")
    .all()
    .map((row) => ({
      start: row.start_ts,
      end: row.end_ts,
      points: row.points,
      series: Object.fromEntries(readDirectory(row.series).map((e) => [e.id, decodeEntry(row.data, e)])),
    }));
}

describe("createSampleWriter", () => {
  test("keeps a tick in memory, then writes one block with every series' points under small series ids, skipping values that are not finite", () => {
    const { db, writer, index } = memoryHistory();
    const written = writer.write(T0, [
      { metric: "aiops_cpu_usage_percent", labels: {}, value: 12.5 },
      { metric: "aiops_network_receive_bytes_per_second", labels: { device: "eth0" }, value: 1000 },
      { metric: "aiops_network_receive_bytes_per_second", labels: { device: "eth1" }, value: Number.NaN },
      { metric: "aiops_load1", labels: {}, value: Number.POSITIVE_INFINITY },
    ]);
    expect(written).toBe(2);
    expect(blocks(db)).toEqual([]);
    expect(writer.write(T0 + 10_000, [{ metric: "aiops_cpu_usage_percent", labels: {}, value: 0.1 + 0.2 }])).toBe(1);
    expect(writer.flush()).toBe(3);
    expect(blocks(db)).toEqual([
      {
        start: T0,
        end: T0 + 10_000,
        points: 3,
        series: { 1: { ts: [T0, T0 + 10_000], values: [12.5, 0.1 + 0.2] }, 2: { ts: [T0], values: [1000] } },
      },
    ]);
    // Rolled up as it is written: its minutes and its hour's share, nothing left pending.
    expect(rows(db, "raw_blocks_pending", "id")).toEqual([]);
    const rollups = (resolution: number) =>
      db
        .query<{ series: Uint8Array; data: Uint8Array }, [number]>("SELECT series, data FROM rollup_blocks WHERE resolution = ?")
        .all(resolution)
        .map((row) => decodeRollupBlock(row));
    expect(rollups(MINUTE_MS)).toEqual([
      [
        { id: 1, ts: [T0], lo: [0.1 + 0.2], hi: [12.5], total: [12.5 + (0.1 + 0.2)], n: [2] },
        { id: 2, ts: [T0], lo: [1000], hi: [1000], total: [1000], n: [1] },
      ],
    ]);
    expect(rollups(HOUR_MS)).toEqual([
      [
        { id: 1, ts: [T0], lo: [0.1 + 0.2], hi: [12.5], total: [12.5 + (0.1 + 0.2)], n: [2] },
        { id: 2, ts: [T0], lo: [1000], hi: [1000], total: [1000], n: [1] },
      ],
    ]);
    expect(index.find().map((s) => s.key)).toEqual(["aiops_cpu_usage_percent", 'aiops_network_receive_bytes_per_second{device="eth0"}']);
    expect(db.query("SELECT id, key, metric, labels FROM series ORDER BY id").all()).toEqual([
      { id: 1, key: "aiops_cpu_usage_percent", metric: "aiops_cpu_usage_percent", labels: "{}" },
      { id: 2, key: 'aiops_network_receive_bytes_per_second{device="eth0"}', metric: "aiops_network_receive_bytes_per_second", labels: '{"device":"eth0"}' },
    ]);
    expect(writer.flush()).toBe(0);
  });

  test("a new block starts after the window, at an hour boundary and when the clock goes back; the same series keeps its id", () => {
    const { db, writer } = memoryHistory();
    const tick = (ts: number, value: number) => writer.write(ts, [{ metric: "m", labels: { a: "x" }, value }]);
    const start = T0 + 50 * MINUTE_MS;
    tick(start, 1);
    tick(start + BLOCK_WINDOW_MS - 1000, 2);
    tick(start + BLOCK_WINDOW_MS, 3); // the window is full: a new block
    tick(T0 + HOUR_MS - 1000, 4);
    tick(T0 + HOUR_MS, 5); // the next hour: a new block
    tick(T0 + HOUR_MS - 2000, 6); // the clock went back: a new block
    writer.flush();
    expect(blocks(db).map((b) => [b.start, b.end, b.series[1]!.values])).toEqual([
      [start, start + BLOCK_WINDOW_MS - 1000, [1, 2]],
      [start + BLOCK_WINDOW_MS, T0 + HOUR_MS - 1000, [3, 4]],
      [T0 + HOUR_MS, T0 + HOUR_MS, [5]],
      [T0 + HOUR_MS - 2000, T0 + HOUR_MS - 2000, [6]],
    ]);
    expect(new SeriesIndex(db, new ManualClock(T0)).find("m", { a: "x" }).map((s) => s.id)).toEqual([1]);
  });

  test("a block that cannot be written leaves no row and no series id behind, and its points stay to be written next time", () => {
    const { db, writer, index, buffer } = memoryHistory();
    db.run("CREATE TRIGGER refuse BEFORE INSERT ON raw_blocks BEGIN SELECT RAISE(ABORT, 'refused'); END");
    writer.write(T0, [{ metric: "fresh", labels: {}, value: 1 }]);
    expect(() => writer.flush()).toThrow("refused");
    // The next tick tries the failed block first, and fails again before it takes its samples.
    expect(() => writer.write(T0 + BLOCK_WINDOW_MS, [{ metric: "fresh", labels: {}, value: 2 }])).toThrow("refused");
    expect(rows(db, "raw_blocks", "id")).toEqual([]);
    expect(rows(db, "series", "id")).toEqual([]);
    expect(index.size).toBe(0);
    expect(buffer.sealed?.buffer.points).toBe(1);
    expect(buffer.filling.empty).toBe(true);
    db.run("DROP TRIGGER refuse");
    expect(writer.write(T0 + BLOCK_WINDOW_MS, [{ metric: "fresh", labels: {}, value: 2 }])).toBe(1);
    expect(writer.flush()).toBe(1);
    const [series] = rows(db, "series", "id");
    expect(index.find("fresh").map((s) => s.id)).toEqual([series!.id!]);
    expect(blocks(db).map((b) => b.series[series!.id!]!.values)).toEqual([[1], [2]]);
  });

  test("a sealed block is encoded SERIES_PER_TICK series a tick on the ticks after its window, then written; queries see it meanwhile", () => {
    const { db, writer, index, buffer } = memoryHistory();
    const wide = (value: number) => Array.from({ length: 200 }, (_, i) => ({ metric: "m", labels: { n: String(i) }, value: value + i }));
    writer.write(T0, wide(0));
    writer.write(T0 + BLOCK_WINDOW_MS, wide(1000)); // seals the first block, encodes a slice of it
    expect(buffer.sealed?.parts.length).toBe(SERIES_PER_TICK);
    const answer = () => querySeries(db, index, { metric: "m", labels: { n: "199" }, from: T0, to: T0 + HOUR_MS }, T0 + BLOCK_WINDOW_MS, HOUR_MS, buffer);
    const before = answer();
    expect(before.series[0]!.points.map((p) => p.value)).toEqual([199, 1199]);
    const ticks: number[] = [];
    for (let t = 1; blocks(db).length === 0; t++) {
      writer.write(T0 + BLOCK_WINDOW_MS + t * 1000, wide(2000));
      ticks.push(t);
    }
    // 200 series: 64 on the tick that sealed the block, then 64, 64 and the last 8 with the write.
    expect(ticks).toEqual([1, 2, 3]);
    expect(buffer.sealed).toBeNull();
    expect(blocks(db)[0]!.points).toBe(200);
    expect(answer().series[0]!.points.map((p) => p.value)).toEqual([199, 1199, 2199, 2199, 2199]);
  });

  test("a series that wrote nothing for a block leaves the memory but not the store: still found, counted once, and back under its id", () => {
    const { db, writer, index } = memoryHistory();
    const pid = (p: string, ts: number) => ({ metric: "aiops_process_threads", labels: { pid: p, name: "worker" }, value: ts });
    writer.write(T0, [pid("100", 1), pid("200", 1)]);
    writer.flush();
    expect(index.cached).toBe(2);
    // pid 100 exits; pid 200 goes on.
    writer.write(T0 + BLOCK_WINDOW_MS, [pid("200", 2)]);
    writer.flush();
    expect(index.cached).toBe(1);
    expect(index.size).toBe(2);
    expect(writer.seriesCount).toBe(2);
    expect(index.find("aiops_process_threads", { pid: "100" }).map((s) => [s.id, s.labels])).toEqual([[1, { pid: "100", name: "worker" }]]);
    expect(index.byKeyOf('aiops_process_threads{pid="100",name="worker"}')?.id).toBe(1);
    // The pid is used again: the same series, the same id, no new row.
    writer.write(T0 + 2 * BLOCK_WINDOW_MS, [pid("100", 3)]);
    expect(writer.seriesCount).toBe(2);
    writer.flush();
    expect(rows(db, "series", "id").map((r) => r.id)).toEqual([1, 2]);
    expect(blocks(db).map((b) => Object.keys(b.series))).toEqual([["1", "2"], ["2"], ["1"]]);
    expect(index.size).toBe(2);
  });

  test("a second value of a series at the same time replaces the first", () => {
    const { db, writer } = memoryHistory();
    writer.write(T0, [{ metric: "m", labels: {}, value: 1 }]);
    writer.write(T0, [{ metric: "m", labels: {}, value: 2 }]);
    writer.flush();
    expect(blocks(db).map((b) => b.series[1])).toEqual([{ ts: [T0], values: [2] }]);
  });

  test("finds series by metric and by a subset of their labels (exact values)", () => {
    const { index, writer } = memoryHistory();
    writer.write(T0, [
      { metric: "disk", labels: { mountpoint: "/", device: "sda1" }, value: 1 },
      { metric: "disk", labels: { mountpoint: "/home", device: "sda2" }, value: 1 },
      { metric: "cpu", labels: {}, value: 1 },
    ]);
    writer.flush();
    expect(index.find("disk").length).toBe(2);
    expect(index.find("disk", { device: "sda2" }).map((s) => s.labels.mountpoint)).toEqual(["/home"]);
    expect(index.find("disk", { device: "sda" })).toEqual([]);
    expect(index.find(undefined, {}).length).toBe(3);
  });
});
