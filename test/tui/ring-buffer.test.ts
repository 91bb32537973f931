import { describe, expect, test } from "bun:test";
import { RingBuffer } from "../../tui/ring-buffer.ts";

describe("RingBuffer", () => {
  test("keeps the newest values, oldest first, never more than its capacity", () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    for (let i = 1; i <= 7; i++) ring.push(i);
    expect(ring.toArray()).toEqual([5, 6, 7]);
    expect(ring.length).toBe(3);
    expect(ring.last()).toBe(7);
    ring.clear();
    ring.push(9);
    expect(ring.toArray()).toEqual([9]);
  });

  test("refuses a capacity below one", () => {
    expect(() => new RingBuffer(0)).toThrow("ring buffer capacity");
  });
});
