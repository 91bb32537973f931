import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { SeriesIndex } from "../../src/store/series-index.ts";
import { memoryHistory, rows } from "./support/history.ts";
import { T0 } from "./support/temp.ts";

describe("createSampleWriter", () => {
  test("writes one tick into the write buffer under small series ids, skipping values that are not finite", () => {
    const { db, writer, index } = memoryHistory();
    const written = writer.write(T0, [
      { metric: "aiops_cpu_usage_percent", labels: {}, value: 12.5 },
      { metric: "aiops_network_receive_bytes_per_second", labels: { device: "eth0" }, value: 1000 },
      { metric: "aiops_network_receive_bytes_per_second", labels: { device: "eth1" }, value: Number.NaN },
      { metric: "aiops_load1", labels: {}, value: Number.POSITIVE_INFINITY },
    ]);
    expect(written).toBe(2);
    expect(rows(db, "points_recent")).toEqual([
      { ts: T0, series_id: 1, value: 12.5 },
      { ts: T0, series_id: 2, value: 1000 },
    ]);
    expect(index.find().map((s) => s.key)).toEqual(["aiops_cpu_usage_percent", 'aiops_network_receive_bytes_per_second{device="eth0"}']);
    expect(db.query("SELECT id, key, metric, labels FROM series ORDER BY id").all()).toEqual([
      { id: 1, key: "aiops_cpu_usage_percent", metric: "aiops_cpu_usage_percent", labels: "{}" },
      { id: 2, key: 'aiops_network_receive_bytes_per_second{device="eth0"}', metric: "aiops_network_receive_bytes_per_second", labels: '{"device":"eth0"}' },
    ]);
  });

  test("the same series keeps its id across ticks and a new index reads it back", () => {
    const { db, writer, put } = memoryHistory();
    put("m", T0, 1, { a: "x" });
    put("m", T0 + 10_000, 2, { a: "x" });
    writer.write(T0 + 20_000, [{ metric: "m", labels: { a: "x" }, value: 3 }]);
    expect(rows(db, "points_recent", "ts").map((r) => r.series_id)).toEqual([1, 1, 1]);
    expect(new SeriesIndex(db, new ManualClock(T0)).find("m", { a: "x" }).map((s) => s.id)).toEqual([1]);
  });

  test("a tick that fails leaves no row and no series id behind", () => {
    const { db, writer, index } = memoryHistory();
    db.run("CREATE TRIGGER refuse BEFORE INSERT ON points_recent WHEN NEW.value = 666 BEGIN SELECT RAISE(ABORT, 'refused'); END");
    expect(() =>
      writer.write(T0, [
        { metric: "fresh", labels: {}, value: 1 },
        { metric: "other", labels: {}, value: 666 },
      ]),
    ).toThrow("refused");
    expect(rows(db, "points_recent", "ts")).toEqual([]);
    expect(rows(db, "series", "id")).toEqual([]);
    expect(index.size).toBe(0);
    // The next tick creates the series for real, with ids the table has.
    expect(writer.write(T0 + 10_000, [{ metric: "fresh", labels: {}, value: 2 }])).toBe(1);
    const [series] = rows(db, "series", "id");
    expect(index.find("fresh").map((s) => s.id)).toEqual([series!.id!]);
  });

  test("finds series by metric and by a subset of their labels (exact values)", () => {
    const { index, writer } = memoryHistory();
    writer.write(T0, [
      { metric: "disk", labels: { mountpoint: "/", device: "sda1" }, value: 1 },
      { metric: "disk", labels: { mountpoint: "/home", device: "sda2" }, value: 1 },
      { metric: "cpu", labels: {}, value: 1 },
    ]);
    expect(index.find("disk").length).toBe(2);
    expect(index.find("disk", { device: "sda2" }).map((s) => s.labels.mountpoint)).toEqual(["/home"]);
    expect(index.find("disk", { device: "sda" })).toEqual([]);
    expect(index.find(undefined, {}).length).toBe(3);
  });
});
