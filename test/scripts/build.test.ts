import { expect, test } from "bun:test";
import stringWidth from "string-width";
import { NARROW_CHARACTERS } from "../../scripts/build.ts";

test("the build's wider fast path of string-width counts only characters string-width itself counts one column wide", () => {
  const ranges = [...NARROW_CHARACTERS.matchAll(/\\u([0-9A-F]{4})(?:-\\u([0-9A-F]{4}))?/g)].map((m) => [parseInt(m[1]!, 16), parseInt(m[2] ?? m[1]!, 16)] as const);
  expect(ranges.length).toBeGreaterThan(5);
  const wrong: string[] = [];
  for (const [from, to] of ranges) {
    for (let c = from; c <= to; c++) if (stringWidth(String.fromCodePoint(c)) !== 1) wrong.push(c.toString(16));
  }
  expect(wrong).toEqual([]);
  // And what the UI draws is in them.
  expect(new RegExp(`^[${NARROW_CHARACTERS}]*$`).test("CPU ███▊···· 45.2%!! ▁▂▃▄▅▆▇█ ─ │ ● ◌ ✕ → ← ↑ ↓ …")).toBe(true);
});
