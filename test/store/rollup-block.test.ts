import { describe, expect, test } from "bun:test";
import { HOUR_MS, MINUTE_MS } from "../../src/store/buckets.ts";
import { addToBuckets, decodeRollupBlock, encodeRollupBlock, GROUP_SERIES, mergeRollupBlocks, noBuckets, regroupRollupBlock } from "../../src/store/rollup-block.ts";
import { mergeHourBlocks, ROLLUP_GRACE_MS } from "../../src/store/roll-up.ts";
import { asSchema7, memoryHistory } from "./support/history.ts";
import { T0 } from "./support/temp.ts";

describe("roll-up blocks", () => {
  test("buckets hold min, max, sum and count of their points; a block gives every double back bit for bit", () => {
    const ts = [T0, T0 + 20_000, T0 + 40_000, T0 + MINUTE_MS, T0 + MINUTE_MS + 30_000];
    const values = [1, 5, 3, 0.1 + 0.2, -2];
    const minutes = addToBuckets(noBuckets(), { ts, values }, MINUTE_MS);
    expect(minutes).toEqual({ ts: [T0, T0 + MINUTE_MS], lo: [1, -2], hi: [5, 0.1 + 0.2], total: [9, 0.1 + 0.2 - 2], n: [3, 2] });
    const block = encodeRollupBlock([
      { id: 7, ...minutes },
      { id: 300, ...addToBuckets(noBuckets(), { ts, values: [-0, 5e-324, 1.7976931348623157e308, Number.MIN_VALUE, 42] }, MINUTE_MS) },
    ]);
    const back = decodeRollupBlock(block);
    expect(back.map((b) => b.id)).toEqual([7, 300]);
    expect(back[0]).toEqual({ id: 7, ...minutes });
    expect(Object.is(back[1]!.lo[0], -0)).toBe(true);
    expect(back[1]!.hi).toEqual([1.7976931348623157e308, 42]);
    // Only the series asked for are decoded; a block without any is not inflated.
    expect(decodeRollupBlock(block, (id) => id === 300).map((b) => b.id)).toEqual([300]);
    expect(decodeRollupBlock(block, () => false)).toEqual([]);
  });

  test("blocks of one span merge per series and bucket, as one block of all their points would be", () => {
    const a = { ts: [T0, T0 + 1000], values: [1, 2] };
    const b = { ts: [T0 + 2000, T0 + MINUTE_MS], values: [10, -1] };
    const merged = mergeRollupBlocks([
      encodeRollupBlock([{ id: 2, ...addToBuckets(noBuckets(), a, MINUTE_MS) }]),
      encodeRollupBlock([
        { id: 1, ...addToBuckets(noBuckets(), a, MINUTE_MS) },
        { id: 2, ...addToBuckets(noBuckets(), b, MINUTE_MS) },
      ]),
    ]);
    expect(merged).toEqual([
      { id: 1, ts: [T0], lo: [1], hi: [2], total: [3], n: [2] },
      { id: 2, ts: [T0, T0 + MINUTE_MS], lo: [1, -1], hi: [10, -1], total: [13, -1], n: [3, 1] },
    ]);
  });

  test("maintenance merges the shares of each complete hour into one row, oldest first, one hour a run; a late share merges too", () => {
    const { db, put } = memoryHistory();
    put("m", T0, 1);
    put("m", T0 + 10 * MINUTE_MS, 3);
    put("m", T0 + HOUR_MS, 5);
    put("m", T0 + HOUR_MS + 10 * MINUTE_MS, 7);
    const hours = () => db.query<{ ts: number; n: number }, []>(`SELECT start_ts AS ts, count(*) AS n FROM rollup_blocks WHERE resolution = ${HOUR_MS} GROUP BY start_ts`).all();
    expect(hours()).toEqual([
      { ts: T0, n: 2 },
      { ts: T0 + HOUR_MS, n: 2 },
    ]);
    // The second hour is not over (with its grace): only the first is merged.
    expect(mergeHourBlocks(db, T0 + 2 * HOUR_MS + ROLLUP_GRACE_MS - 1)).toBe(T0);
    expect(mergeHourBlocks(db, T0 + 2 * HOUR_MS + ROLLUP_GRACE_MS - 1)).toBeNull();
    expect(hours()).toEqual([
      { ts: T0, n: 1 },
      { ts: T0 + HOUR_MS, n: 2 },
    ]);
    put("m", T0 + 30 * MINUTE_MS, -4); // late, into the merged hour
    expect(mergeHourBlocks(db, T0 + 2 * HOUR_MS + ROLLUP_GRACE_MS)).toBe(T0);
    expect(mergeHourBlocks(db, T0 + 2 * HOUR_MS + ROLLUP_GRACE_MS)).toBe(T0 + HOUR_MS);
    const rows = db.query<{ series: Uint8Array; data: Uint8Array }, []>(`SELECT series, data FROM rollup_blocks WHERE resolution = ${HOUR_MS} ORDER BY start_ts`).all();
    expect(rows.map((row) => decodeRollupBlock(row))).toEqual([
      [{ id: 1, ts: [T0], lo: [-4], hi: [3], total: [0], n: [3] }],
      [{ id: 1, ts: [T0 + HOUR_MS], lo: [5], hi: [7], total: [12], n: [2] }],
    ]);
  });
});

describe("roll-up blocks in groups of series", () => {
  const many = Array.from({ length: 2 * GROUP_SERIES + 5 }, (_, i) => ({
    id: i * 3 + 1,
    ...addToBuckets(noBuckets(), { ts: [T0, T0 + 1000, T0 + MINUTE_MS], values: [i, i * 1.5, -i / 7] }, MINUTE_MS),
  }));

  test("a series read alone comes back as when the whole block is read, in whichever group it is", () => {
    const block = encodeRollupBlock(many);
    const all = decodeRollupBlock(block);
    expect(all).toEqual(many);
    for (const i of [0, GROUP_SERIES - 1, GROUP_SERIES, many.length - 1]) {
      expect(decodeRollupBlock(block, (id) => id === many[i]!.id)).toEqual([many[i]!]);
    }
    const wanted = new Set([many[1]!.id, many[GROUP_SERIES + 2]!.id, many.at(-1)!.id]);
    expect(decodeRollupBlock(block, (id) => wanted.has(id))).toEqual(all.filter((b) => wanted.has(b.id)));
  });

  test("only the groups of the series asked for are inflated: a damaged group spoils its own series alone", () => {
    const block = encodeRollupBlock(many);
    // The first group's compressed bytes start after the layout byte and its length (two bytes here).
    const damaged = { series: block.series, data: block.data.slice() };
    damaged.data.fill(0xff, 3, 40);
    expect(decodeRollupBlock(damaged, (id) => id === many.at(-1)!.id)).toEqual([many.at(-1)!]);
    expect(() => decodeRollupBlock(damaged, (id) => id === many[0]!.id)).toThrow();
  });

  test("a block an agent of schema 7 wrote (deflated whole) reads the same, and regroups into what this agent writes", () => {
    const { db } = memoryHistory();
    db.run("INSERT INTO rollup_blocks (resolution, start_ts, end_ts, series, data) VALUES (?, ?, ?, ?, ?)", [MINUTE_MS, T0, T0, encodeRollupBlock(many).series, encodeRollupBlock(many).data]);
    asSchema7(db);
    const old = db.query<{ series: Uint8Array; data: Uint8Array }, []>("SELECT series, data FROM rollup_blocks").get()!;
    expect(old.data[0]).toBe(1);
    expect(decodeRollupBlock(old)).toEqual(many);
    expect(decodeRollupBlock(old, (id) => id === many[GROUP_SERIES]!.id)).toEqual([many[GROUP_SERIES]!]);
    expect(regroupRollupBlock(old)).toEqual(encodeRollupBlock(many).data);
  });

  test("an unknown layout is refused, not misread", () => {
    const block = encodeRollupBlock(many);
    expect(() => decodeRollupBlock({ series: block.series, data: Uint8Array.of(9, ...block.data.subarray(1)) })).toThrow("unknown roll-up block format 9");
  });
});
