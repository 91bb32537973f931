import { describe, expect, test } from "bun:test";
import { floorTo, HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { migrate } from "../../src/store/migrations.ts";
import { mergeHourBlocks, ROLLUP_GRACE_MS, rollUp } from "../../src/store/roll-up.ts";
import { GROUP_SERIES } from "../../src/store/rollup-block.ts";
import { type HistoryPoint, latest, listSeries, querySeries } from "../../src/store/series-query.ts";
import { asSchema7, memoryHistory } from "./support/history.ts";
import { T0 } from "./support/temp.ts";

const RAW = 24 * HOUR_MS;
const START = T0 - 3 * HOUR_MS;
const NOW = T0 + 5 * MINUTE_MS;
const eth0 = (ts: number) => ((ts - START) / 10_000) % 17;
const eth1 = (ts: number) => 100 + Math.sin(ts / 1e6);

/**
 * Three hours and five minutes of ticks every 10 s (07:00 to 10:05) of two interfaces and a metric
 * that stopped at 08:00; the hours before 10:00 are rolled up, 10:00 to 10:04:50 is a block not yet
 * rolled up, and the tick of 10:05 is still in memory (the raw buffer).
 */
function history() {
  const h = memoryHistory(NOW);
  for (let ts = START; ts <= NOW; ts += 10_000) {
    h.writer.write(ts, [
      { metric: "net", labels: { device: "eth0" }, value: eth0(ts) },
      { metric: "net", labels: { device: "eth1" }, value: eth1(ts) },
      ...(ts < START + HOUR_MS ? [{ metric: "old", labels: {}, value: ts }] : []),
    ]);
  }
  // Roll-ups are written with each block: nothing is left for maintenance to roll up.
  expect(rollUp(h.db, NOW).hours).toBe(0);
  expect(h.buffer.start).toBe(NOW);
  return h;
}

/** What a bucketed query must return, computed from the generating function. */
function expected(fn: (ts: number) => number, from: number, to: number, step: number): HistoryPoint[] {
  const buckets = new Map<number, number[]>();
  for (let ts = START; ts <= NOW; ts += 10_000) {
    if (ts < from || ts > to) continue;
    const bucket = ts - (ts % step);
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), fn(ts)]);
  }
  return [...buckets].map(([ts, values]) => ({
    ts,
    value: values.reduce((a, b) => a + b, 0) / values.length,
    min: Math.min(...values),
    max: Math.max(...values),
    count: values.length,
  }));
}

function expectClose(actual: HistoryPoint[], wanted: HistoryPoint[]): void {
  expect(actual.map((p) => [p.ts, p.count, p.min, p.max])).toEqual(wanted.map((p) => [p.ts, p.count, p.min, p.max]));
  actual.forEach((p, i) => expect(p.value).toBeCloseTo(wanted[i]!.value, 9));
}

describe("querySeries", () => {
  test("raw points as stored, across the rolled-up hours and the write buffer", () => {
    const { db, index, buffer } = history();
    const from = T0 - 10 * MINUTE_MS;
    const result = querySeries(db, index, { metric: "net", labels: { device: "eth0" }, from, to: NOW }, NOW, RAW, buffer);
    expect(result.resolution).toBe("raw");
    expect(result.step).toBe(0);
    expect(result.series.map((s) => s.labels)).toEqual([{ device: "eth0" }]);
    const points = result.series[0]!.points;
    expect(points.length).toBe(91); // 09:50:00 .. 10:05:00 every 10 s
    expect(points[0]).toEqual({ ts: from, value: eth0(from), min: eth0(from), max: eth0(from), count: 1 });
    expect(points.map((p) => p.ts)).toEqual(Array.from({ length: 91 }, (_, i) => from + i * 10_000));
    expect(points.map((p) => p.value)).toEqual(points.map((p) => eth0(p.ts)));
  });

  test("labels given must match exactly; labels not given match every series", () => {
    const { db, index, buffer } = history();
    const range = { from: NOW - MINUTE_MS, to: NOW };
    expect(querySeries(db, index, { metric: "net", ...range }, NOW, RAW, buffer).series.map((s) => s.labels.device)).toEqual(["eth0", "eth1"]);
    expect(querySeries(db, index, { metric: "net", labels: { device: "eth1" }, ...range }, NOW, RAW, buffer).series.map((s) => s.labels.device)).toEqual([
      "eth1",
    ]);
    expect(querySeries(db, index, { metric: "net", labels: { device: "eth" }, ...range }, NOW, RAW, buffer).series).toEqual([]);
    expect(querySeries(db, index, { metric: "nope", ...range }, NOW, RAW, buffer).series).toEqual([]);
  });

  test("raw points in steps under a minute", () => {
    const { db, index, buffer } = history();
    const from = T0 - 30 * MINUTE_MS;
    const result = querySeries(db, index, { metric: "net", labels: { device: "eth1" }, from, to: NOW, step: 30_000 }, NOW, RAW, buffer);
    expect(result).toMatchObject({ resolution: "raw", step: 30_000 });
    expectClose(result.series[0]!.points, expected(eth1, from, NOW, 30_000));
  });

  test("1-minute roll-ups in 5-minute steps, the last minutes rolled up on the fly from the write buffer", () => {
    const { db, index, buffer } = history();
    const result = querySeries(db, index, { metric: "net", labels: { device: "eth0" }, from: START, to: NOW, step: 5 * MINUTE_MS }, NOW, RAW, buffer);
    expect(result).toMatchObject({ resolution: "1m", step: 5 * MINUTE_MS });
    const points = result.series[0]!.points;
    expect(points.at(-1)!.ts).toBe(NOW); // the bucket of 10:05, from the write buffer
    expectClose(points, expected(eth0, START, NOW, 5 * MINUTE_MS));
  });

  test("1-hour roll-ups", () => {
    const { db, index, buffer } = history();
    const result = querySeries(db, index, { metric: "net", labels: { device: "eth1" }, from: START, to: NOW, step: HOUR_MS }, NOW, RAW, buffer);
    expect(result).toMatchObject({ resolution: "1h", step: HOUR_MS });
    expectClose(result.series[0]!.points, expected(eth1, START, NOW, HOUR_MS));
    expect(result.series[0]!.points.map((p) => p.count)).toEqual([360, 360, 360, 31]);
  });
});

describe("the same answers wherever the points are", () => {
  const queries = [
    { metric: "net", from: T0 - 20 * MINUTE_MS, to: NOW },
    { metric: "net", from: T0 - 20 * MINUTE_MS, to: NOW, step: 30_000 },
    { metric: "net", from: START, to: NOW, step: 5 * MINUTE_MS },
    { metric: "net", from: START, to: NOW, step: HOUR_MS },
    { metric: "old", from: START, to: NOW },
  ];

  test("in memory, in a block across a block boundary, or rolled up: every query answers the same", () => {
    const { db, index, buffer, writer } = history();
    const inMemory = queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer));
    const newest = latest(db, index, {}, buffer);
    // The tick of 10:05 is written as a block of its own (not yet rolled up)...
    writer.flush();
    expect(buffer.empty).toBe(true);
    expect(queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer))).toEqual(inMemory);
    expect(latest(db, index, {}, buffer)).toEqual(newest);
    // ...then the shares of each complete hour are merged into one row an hour.
    const at = T0 + HOUR_MS + ROLLUP_GRACE_MS;
    while (mergeHourBlocks(db, at) !== null);
    expect(db.query(`SELECT start_ts AS ts, count(*) AS n FROM rollup_blocks WHERE resolution = ${HOUR_MS} GROUP BY start_ts`).all()).toEqual(
      [0, 1, 2, 3].map((h) => ({ ts: START + h * HOUR_MS, n: 1 })),
    );
    const merged = queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer));
    merged.forEach((r, i) => {
      expect(r.series.map((s) => s.labels)).toEqual(inMemory[i]!.series.map((s) => s.labels));
      r.series.forEach((s, j) => expectClose(s.points, inMemory[i]!.series[j]!.points));
    });
  });

  test("raw blocks an older agent left without roll-ups: rolled up on the fly, then by maintenance into its tables, answering the same", () => {
    const { db, index, buffer, writer } = history();
    writer.flush();
    const written = queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer));
    // What an agent of schema 6 left: raw blocks waiting for their roll-up, no roll-up blocks.
    db.run("DELETE FROM rollup_blocks");
    db.run("INSERT INTO raw_blocks_pending (id, start_ts) SELECT id, start_ts FROM raw_blocks");
    const legacy = queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer));
    expect(rollUp(db, T0 + HOUR_MS + ROLLUP_GRACE_MS).hours).toBe(4);
    const rolled = queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer));
    for (const answers of [legacy, rolled]) {
      answers.forEach((r, i) => {
        expect(r.series.map((s) => s.labels)).toEqual(written[i]!.series.map((s) => s.labels));
        r.series.forEach((s, j) => expectClose(s.points, written[i]!.series[j]!.points));
      });
    }
  });

  test("a series seen only since the last block was written is listed, queried and has its newest point", () => {
    const { db, index, buffer, writer } = history();
    writer.write(NOW + 10_000, [{ metric: "fresh", labels: { device: "sdz" }, value: 7 }]);
    expect(index.find("fresh")).toEqual([]);
    expect(listSeries(index, { metric: "fresh" }, buffer).map((s) => s.key)).toEqual(['fresh{device="sdz"}']);
    expect(querySeries(db, index, { metric: "fresh", from: NOW, to: NOW + 10_000 }, NOW + 10_000, RAW, buffer).series[0]!.points).toEqual([
      { ts: NOW + 10_000, value: 7, min: 7, max: 7, count: 1 },
    ]);
    expect(latest(db, index, { metric: "fresh" }, buffer)).toEqual([{ metric: "fresh", labels: { device: "sdz" }, ts: NOW + 10_000, value: 7 }]);
  });
});

describe("listSeries and latest", () => {
  test("list the series that match, by key", () => {
    const { index, buffer } = history();
    expect(listSeries(index, {}, buffer)).toEqual([
      { key: 'net{device="eth0"}', metric: "net", labels: { device: "eth0" } },
      { key: 'net{device="eth1"}', metric: "net", labels: { device: "eth1" } },
      { key: "old", metric: "old", labels: {} },
    ]);
    expect(listSeries(index, { metric: "net", labels: { device: "eth1" } }, buffer).map((s) => s.key)).toEqual(['net{device="eth1"}']);
  });

  test("the newest point of each series, from the write buffer or, for a series gone quiet, from the rolled-up points", () => {
    const { db, index, buffer } = history();
    expect(latest(db, index, {}, buffer)).toEqual([
      { metric: "net", labels: { device: "eth0" }, ts: NOW, value: eth0(NOW) },
      { metric: "net", labels: { device: "eth1" }, ts: NOW, value: eth1(NOW) },
      { metric: "old", labels: {}, ts: START + HOUR_MS - 10_000, value: START + HOUR_MS - 10_000 },
    ]);
    expect(latest(db, index, { metric: "old" }, buffer).length).toBe(1);
  });
});

describe("roll-up blocks of schema 7 and of this agent", () => {
  /** More series than a group of a roll-up block holds, so that one series is read from one group of several. */
  const DISKS = GROUP_SERIES + 8;
  const disk = (i: number) => (ts: number) => i * 1000 + (((ts - START) / 10_000) % (7 + i)) + Math.sin(ts / 1e5) / 3;

  function disks() {
    const h = memoryHistory(NOW);
    for (let ts = START; ts <= NOW; ts += 10_000) {
      h.writer.write(
        ts,
        Array.from({ length: DISKS }, (_, i) => ({ metric: "disk", labels: { device: `d${String(i).padStart(2, "0")}` }, value: disk(i)(ts) })),
      );
    }
    h.writer.flush();
    // The first hour's shares merged into one row, the others still one share a block.
    expect(mergeHourBlocks(h.db, START + HOUR_MS + ROLLUP_GRACE_MS)).toBe(START);
    return h;
  }

  // Ranges that start and end inside a block (blocks are 5 minutes) and cross hour boundaries.
  const odd = (ts: number) => ts + 2 * MINUTE_MS + 13_000;
  const queries = [
    { metric: "disk", labels: { device: "d00" }, from: odd(START), to: odd(T0 - HOUR_MS), step: MINUTE_MS },
    { metric: "disk", labels: { device: `d${GROUP_SERIES + 3}` }, from: odd(START + 40 * MINUTE_MS), to: odd(T0), step: MINUTE_MS },
    { metric: "disk", labels: { device: `d${GROUP_SERIES - 1}` }, from: odd(T0 - 2 * HOUR_MS - 10 * MINUTE_MS), to: odd(T0 - HOUR_MS), step: 5 * MINUTE_MS },
    { metric: "disk", from: odd(START), to: NOW, step: 7 * MINUTE_MS },
    { metric: "disk", labels: { device: "d05" }, from: odd(START), to: NOW, step: HOUR_MS },
    { metric: "disk", labels: { device: `d${DISKS - 1}` }, from: START, to: NOW, step: 2 * MINUTE_MS },
  ];

  test("answer exactly the same points across block and hour boundaries, before and after migration 8 converts them", () => {
    const { db, index, buffer } = disks();
    const grouped = queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer));
    expect(grouped.map((r) => r.resolution)).toEqual(["1m", "1m", "1m", "1m", "1h", "1m"]);
    // Right, not only unchanged: each bucket from the points the writer was given (whole minutes: the
    // minutes of `from` and of `to` count whole).
    const minutes = (q: { from: number; to: number }) => [floorTo(q.from, MINUTE_MS), floorTo(q.to, MINUTE_MS) + MINUTE_MS - 1] as const;
    expectClose(grouped[1]!.series[0]!.points, expected(disk(GROUP_SERIES + 3), ...minutes(queries[1]!), MINUTE_MS));
    expectClose(grouped[2]!.series[0]!.points, expected(disk(GROUP_SERIES - 1), ...minutes(queries[2]!), 5 * MINUTE_MS));
    expect(grouped[3]!.series.length).toBe(DISKS);

    asSchema7(db);
    const layouts = () => db.query<{ layout: number; n: number }, []>("SELECT unicode(CAST(substr(data, 1, 1) AS TEXT)) AS layout, count(*) AS n FROM rollup_blocks GROUP BY layout").all();
    expect(layouts().map((l) => l.layout)).toEqual([1]);
    expect(queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer))).toEqual(grouped);

    expect(migrate(db, NOW)).toEqual([8]);
    expect(layouts().map((l) => l.layout)).toEqual([2]);
    expect(queries.map((q) => querySeries(db, index, q, NOW, RAW, buffer))).toEqual(grouped);
  });
});
