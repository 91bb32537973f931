import { describe, expect, test } from "bun:test";
import { Sparkline } from "../../../tui/components/Sparkline.ts";
import { plainText } from "../../../tui/line.ts";

const text = (props: Parameters<typeof Sparkline>[0]) => plainText(Sparkline(props));

describe("Sparkline", () => {
  test("the newest values that fit, scaled to the largest shown", () => {
    expect(text({ values: [9, 0, 1, 2, 4, 8], width: 5 })).toBe("▁▂▃▅█");
  });

  test("a fixed scale for percentages; nothing without room or values", () => {
    expect(text({ values: [0, 50, 100], width: 10, max: 100 })).toBe("▁▅█");
    expect(text({ values: [], width: 10 })).toBe("");
    expect(text({ values: [1, 2], width: 0 })).toBe("");
    expect(text({ values: [0, 0], width: 4 })).toBe("▁▁");
  });

  test("in the colour given, else dim", () => {
    expect(Sparkline({ values: [1], width: 4, color: "red" })[0]!.style).toEqual({ color: "red" });
    expect(Sparkline({ values: [1], width: 4 })[0]!.style).toEqual({ dim: true });
  });
});
