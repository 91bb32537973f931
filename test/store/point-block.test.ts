import { describe, expect, test } from "bun:test";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { decodeBlock, encodeBlock } from "../../src/store/point-block.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { T0 } from "./support/temp.ts";

describe("point blocks", () => {
  test("give back every timestamp and every double bit for bit, at steady and irregular spacing", () => {
    const rnd = seededRandom(7);
    const values = [0, -0, 1, 1, 1, 0.1 + 0.2, -1e-300, 5e-324, 1.7976931348623157e308, -42.5, 2 ** 53, 123456789.123, ...Array.from({ length: 500 }, () => rnd() * 100)];
    const ts = values.map((_, i) => T0 + i * 1000 + (i % 13 === 0 ? 7 : 0) - (i === 40 ? 5000 : 0));
    const back = decodeBlock(encodeBlock({ ts, values }));
    expect(back.ts).toEqual(ts);
    expect(back.values.length).toBe(values.length);
    back.values.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true));
    expect(decodeBlock(encodeBlock({ ts: [], values: [] }))).toEqual({ ts: [], values: [] });
  });

  test("a steady series of a tick every second costs about a byte a point or less", () => {
    const ts = Array.from({ length: 300 }, (_, i) => T0 + i * 1000);
    expect(encodeBlock({ ts, values: ts.map(() => 16_777_216) }).length).toBeLessThan(40);
    expect(encodeBlock({ ts, values: ts.map((_, i) => 1000 + i * 4096) }).length).toBeLessThan(300);
  });

  test("reads the blocks an earlier agent compressed with node:zlib as well as its own", () => {
    const ts = Array.from({ length: 300 }, (_, i) => T0 + i * 1000);
    const values = ts.map((_, i) => Math.sin(i / 10) * 100);
    const ours = encodeBlock({ ts, values });
    const theirs = new Uint8Array([ours[0]!, ...deflateRawSync(inflateRawSync(ours.subarray(1)))]);
    expect(theirs).not.toEqual(ours);
    expect(decodeBlock(theirs)).toEqual({ ts, values });
    expect(decodeBlock(ours)).toEqual({ ts, values });
  });

  test("refuses a block of another format instead of misreading it", () => {
    const block = encodeBlock({ ts: [T0], values: [1] });
    block[0] = 9;
    expect(() => decodeBlock(block)).toThrow("unknown point block format 9");
  });
});
