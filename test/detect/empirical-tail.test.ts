import { describe, expect, test } from "bun:test";
import { EmpiricalTail } from "../../src/detect/empirical-tail.ts";
import { noise } from "./synthetic.ts";

describe("empirical tail", () => {
  test("p-values are the share of the window at least as extreme", () => {
    const tail = new EmpiricalTail(1e9);
    const u = noise(1, 0.5);
    for (let i = 0; i < 20_000; i++) tail.add(10 * (u() + 0.5));
    // Uniform on [0, 10]: P(X ≥ 9) = 0.1, P(X ≥ 5) = 0.5 (bins are coarse: within a few percent).
    expect(tail.pValue(9)).toBeGreaterThan(0.08);
    expect(tail.pValue(9)).toBeLessThan(0.12);
    expect(tail.pValue(5)).toBeGreaterThan(0.45);
    expect(tail.pValue(5)).toBeLessThan(0.55);
    expect(tail.pValue(0)).toBeCloseTo(1, 6);
  });

  test("an empty window knows nothing; a flat one makes any departure certain", () => {
    const tail = new EmpiricalTail(1000);
    expect(tail.pValue(5)).toBe(1);
    for (let i = 0; i < 500; i++) tail.add(0);
    expect(tail.pValue(0)).toBeCloseTo(1, 6);
    expect(tail.pValue(3)).toBeLessThan(1e-100);
  });

  test("one old spike does not hide a later, smaller one; many spikes make spikes ordinary", () => {
    const once = new EmpiricalTail(5000);
    const u = noise(2, 0.5);
    for (let i = 0; i < 3000; i++) once.add(i === 100 ? 500 : Math.abs(u()));
    expect(once.pValue(50)).toBeLessThan(1e-6);
    const often = new EmpiricalTail(5000);
    for (let i = 0; i < 3000; i++) often.add(i % 100 === 0 ? 500 : Math.abs(u()));
    expect(often.pValue(50)).toBeGreaterThan(0.005);
  });

  test("a spike size the window keeps showing gets its own count; one old spike alone is still extrapolated past", () => {
    const u = noise(4, 0.5);
    const values = Array.from({ length: 6000 }, (_, i) => (i % 1000 === 500 ? 60 : Math.abs(u())));
    const extrapolated = new EmpiricalTail(10_000);
    const counted = new EmpiricalTail(10_000, 1);
    for (const v of values) {
      extrapolated.add(v);
      counted.add(v);
    }
    // Six spikes of 60 in 6,000 points: a seventh is about one in a thousand, not one in a million.
    expect(extrapolated.pValue(55)).toBeLessThan(1e-6);
    expect(counted.pValue(55)).toBeGreaterThan(5e-4);
    expect(counted.pValue(55)).toBeLessThan(2e-3);
    // Above every spike it has seen, the window holds nothing: extrapolated as before.
    expect(counted.pValue(120)).toBe(extrapolated.pValue(120));
    const once = new EmpiricalTail(10_000, 1);
    for (let i = 0; i < 6000; i++) once.add(i === 5900 ? 60 : values[i] === 60 ? 0.5 : values[i]!);
    expect(once.pValue(55)).toBeLessThan(1e-6);
  });

  test("old values fade after the horizon", () => {
    const tail = new EmpiricalTail(500);
    for (let i = 0; i < 2000; i++) tail.add(5);
    for (let i = 0; i < 5000; i++) tail.add(0.1);
    expect(tail.size).toBeLessThan(600);
    expect(tail.pValue(4)).toBeLessThan(0.001);
  });

  test("its state survives JSON; a state that does not fit is refused", () => {
    const a = new EmpiricalTail(1000);
    const u = noise(3, 0.5);
    for (let i = 0; i < 3000; i++) a.add(Math.abs(u()) * 3);
    const b = new EmpiricalTail(1000);
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    for (const v of [0.5, 1.4, 2.9, 7]) expect(b.pValue(v)).toBe(a.pValue(v));
    expect(() => b.restore({ counts: [1, 2], total: 3, weight: 1 })).toThrow("empirical tail: wrong bin count");
    expect(() => b.restore({ ...a.toJSON(), weight: -1 })).toThrow("empirical tail: bad total or weight");
  });
});
