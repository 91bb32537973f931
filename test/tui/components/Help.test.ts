import { describe, expect, test } from "bun:test";
import { Help, helpLength } from "../../../tui/components/Help.ts";
import { HELP_SECTIONS, KEYS } from "../../../tui/help-text.ts";
import { frameText } from "../support.ts";

describe("Help", () => {
  for (const width of [40, 80, 200]) {
    test(`at ${width} columns: wrapped (at most 80 columns), nothing cut off`, () => {
      const frame = frameText(Help({ target: "http://web-1:8080", keys: KEYS, sections: HELP_SECTIONS, width, height: 80 }));
      const lines = frame.split("\n");
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(Math.min(80, width));
      expect(frame).not.toContain("…");
      const words = frame.replace(/\s+/g, " ");
      expect(words).toContain("thresholds.* of the agent's configuration");
      expect(words).toContain("the header says how old they are");
      expect(words).toContain("The agent at http://web-1:8080, over /api/v1 and its event stream.");
    });
  }

  test("a short terminal: the lines that fit, the last saying how many more; scrolled, the rest", () => {
    const props = { target: "http://web-1:8080", keys: KEYS, sections: HELP_SECTIONS, width: 80 };
    const all = frameText(Help({ ...props, height: 200 })).split("\n");
    const top = frameText(Help({ ...props, height: 10 })).split("\n");
    expect(top).toHaveLength(10);
    expect(top.slice(0, 9)).toEqual(all.slice(0, 9));
    expect(top[9]).toBe(`↓ ${all.length - 9} more lines: ↑↓ scroll, ? or Esc closes`);
    const end = frameText(Help({ ...props, height: 10, offset: 999 })).split("\n");
    expect(end).toEqual(all.slice(-10));
    expect(helpLength(props)).toBe(all.length);
  });
});
