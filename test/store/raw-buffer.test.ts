import { describe, expect, test } from "bun:test";
import type { Sample } from "../../src/contracts/sample.ts";
import { RawBuffer } from "../../src/store/raw-buffer.ts";
import { T0 } from "./support/temp.ts";

const s = (name: string, value: number): Sample => ({ metric: "m", labels: { name }, value, key: `m{name="${name}"}` });
const points = (buffer: RawBuffer, name: string) => {
  const entry = buffer.get(`m{name="${name}"}`);
  if (!entry) return undefined;
  const { ts, values } = buffer.pointsOf(entry);
  return Array.from(ts, (t, i) => [t - T0, values[i]]);
};

describe("RawBuffer", () => {
  test("each point lands on its series whatever the order of the samples, and a tick without a series leaves no point", () => {
    const buffer = new RawBuffer();
    buffer.addTick(T0, [s("a", 1), s("b", 2)], T0);
    buffer.addTick(T0 + 1000, [s("b", 3), s("a", 4)], T0);
    buffer.addTick(T0 + 2000, [s("a", 5), s("c", Number.NaN)], T0);
    buffer.addTick(T0 + 2000, [s("a", 6)], T0); // the same tick again: replaces
    expect(points(buffer, "a")).toEqual([
      [0, 1],
      [1000, 4],
      [2000, 6],
    ]);
    expect(points(buffer, "b")).toEqual([
      [0, 2],
      [1000, 3],
    ]);
    expect(points(buffer, "c")).toBeUndefined();
    expect(buffer.points).toBe(5);
    expect(buffer.lastOf(buffer.get('m{name="b"}')!)).toEqual({ ts: T0 + 1000, value: 3 });
  });

  test("series that appear mid-block, more than the table had room for, keep every point", () => {
    const buffer = new RawBuffer();
    const many = (n: number, tick: number) => Array.from({ length: n }, (_, i) => s(String(i), tick * 1000 + i));
    for (let tick = 0; tick < 40; tick++) buffer.addTick(T0 + tick * 1000, many(tick < 20 ? 3 : 500, tick), T0);
    expect(points(buffer, "1")!.length).toBe(40);
    expect(points(buffer, "499")).toEqual(Array.from({ length: 20 }, (_, i) => [(20 + i) * 1000, (20 + i) * 1000 + 499]));
    expect(buffer.seriesCount).toBe(500);
  });

  test("after a block with a burst of short-lived series, the next blocks' table shrinks back to the series that report", () => {
    const buffer = new RawBuffer();
    const many = (n: number, tick: number) => Array.from({ length: n }, (_, i) => s(String(i), tick * 1000 + i));
    const block = (first: number, series: number) => {
      for (let tick = first; tick < first + 64; tick++) buffer.addTick(T0 + tick * 1000, many(series, tick), T0);
    };
    block(0, 5);
    const quiet = buffer.tableBytes;
    buffer.clear();
    block(64, 2000); // a burst: 2000 series in one block (processes that came and went)
    const burst = buffer.tableBytes;
    expect(burst).toBeGreaterThan(50 * quiet);
    for (let b = 2; b < 5; b++) {
      buffer.clear();
      block(b * 64, 5);
    }
    expect(points(buffer, "4")!.length).toBe(64);
    expect(buffer.tableBytes).toBeLessThanOrEqual(3 * quiet); // this block and the one before, not the burst's width
  });

  test("a series that did not report in a whole block is forgotten when the block is written; the others go on", () => {
    const buffer = new RawBuffer();
    buffer.addTick(T0, [s("a", 1), s("gone", 2)], T0);
    buffer.clear();
    buffer.addTick(T0 + 1000, [s("a", 3)], T0);
    expect([...buffer.entries()].map((e) => e.key)).toEqual(['m{name="a"}']);
    buffer.clear();
    // "gone" reported in neither block now: a new series if it comes back, first seen now.
    buffer.addTick(T0 + 2000, [s("gone", 4), s("a", 5)], T0 + 2000);
    expect(buffer.get('m{name="gone"}')!.firstSeen).toBe(T0 + 2000);
    expect(points(buffer, "a")).toEqual([[2000, 5]]);
    buffer.forget('m{name="gone"}');
    expect(buffer.get('m{name="gone"}')).toBeUndefined();
    expect(buffer.points).toBe(1);
    // Back after it was forgotten: a new series, which the next block keeps.
    buffer.addTick(T0 + 3000, [s("gone", 6), s("a", 7)], T0 + 3000);
    buffer.clear();
    buffer.addTick(T0 + 4000, [s("a", 8), s("gone", 9)], T0 + 4000);
    expect(points(buffer, "gone")).toEqual([[4000, 9]]);
    expect(buffer.get('m{name="gone"}')!.firstSeen).toBe(T0 + 3000);
  });
});
