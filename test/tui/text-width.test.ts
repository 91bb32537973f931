import { describe, expect, test } from "bun:test";
import stringWidth from "string-width";
import { NARROW_CHARACTERS, sliceColumns, textWidth } from "../../tui/text-width.ts";

describe("text width", () => {
  test("the characters measured by their length are exactly those string-width itself counts one column wide", () => {
    const ranges = [...NARROW_CHARACTERS.matchAll(/\\u([0-9A-F]{4})(?:-\\u([0-9A-F]{4}))?/g)].map((m) => [parseInt(m[1]!, 16), parseInt(m[2] ?? m[1]!, 16)] as const);
    expect(ranges.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const [from, to] of ranges) {
      for (let c = from; c <= to; c++) if (stringWidth(String.fromCodePoint(c)) !== 1) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
    // And what the UI draws is in them.
    const drawn = "CPU ███▊···· 45.2%!! ▁▂▃▄▅▆▇█ ─ │ ● ◌ ✕ → ← ↑ ↓ …";
    expect(new RegExp(`^[${NARROW_CHARACTERS}]*$`).test(drawn)).toBe(true);
    expect(textWidth(drawn)).toBe(drawn.length);
  });

  test("wide characters (a CJK hostname, an emoji in a message) count two columns, and are never cut in half", () => {
    expect(textWidth("web-東京-1")).toBe(10);
    expect(textWidth("disk 🔥 full")).toBe(12);
    expect(sliceColumns("東京abc", 3)).toBe("東");
    expect(sliceColumns("東京abc", 5)).toBe("東京a");
    expect(sliceColumns("plain text", 5)).toBe("plain");
  });
});
