import { describe, expect, test } from "bun:test";
import { createFlapDamping } from "../../../src/alert/engine/flap-damping.ts";
import { alertRecord, at } from "./support.ts";

const flap = createFlapDamping({ flapWindowMs: 300_000, flapMaxChanges: 4 });

describe("flap damping", () => {
  test("a steady alert is let go at once when its finding stops, resolved as of now", () => {
    const a = alertRecord({ changes: [at(0)] });
    expect(flap.holdsFiring(a, at(60))).toBe(false);
    expect(flap.resolvedAt(a, at(60))).toBe(at(60));
    expect(flap.isFlapping(a, at(60))).toBe(false);
  });

  test("the change that would go over the limit is held: firing until quiet for the window", () => {
    // Four changes within the window: resolving now would be the fifth.
    const a = alertRecord({ changes: [at(0), at(10), at(20), at(30)] });
    expect(flap.holdsFiring(a, at(40))).toBe(true);
    expect(a).toMatchObject({ held: true, quietSince: at(40) });
    expect(flap.isFlapping(a, at(40))).toBe(true);
    // Still quiet: held until a whole window has passed since the finding went away.
    expect(flap.holdsFiring(a, at(339))).toBe(true);
    expect(flap.holdsFiring(a, at(340))).toBe(false);
    // It resolves as of when its finding went away, not when the hold let go.
    expect(flap.resolvedAt(a, at(340))).toBe(at(40));
  });

  test("a held alert whose finding comes back stays held, and its quiet time starts again", () => {
    const a = alertRecord({ changes: [at(0), at(10), at(20), at(30)] });
    flap.holdsFiring(a, at(40));
    flap.heard(a);
    expect(a.quietSince).toBeUndefined();
    expect(flap.holdsFiring(a, at(200))).toBe(true);
    expect(a.quietSince).toBe(at(200));
    expect(flap.holdsFiring(a, at(499))).toBe(true);
    expect(flap.holdsFiring(a, at(500))).toBe(false);
  });

  test("only the changes the window can still count are kept (memory stays bounded)", () => {
    const a = alertRecord({ changes: [] });
    for (let s = 0; s < 100; s += 10) flap.recordChange(a, at(s));
    // At most max_changes + 1 are ever needed.
    expect(a.changes).toEqual([at(50), at(60), at(70), at(80), at(90)]);
    flap.recordChange(a, at(385));
    expect(a.changes).toEqual([at(90), at(385)]);
    expect(flap.isFlapping(a, at(385))).toBe(false);
  });
});
