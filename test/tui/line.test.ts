import { describe, expect, test } from "bun:test";
import { beside, block, fit, line, lineWidth, pad, plainText, span, withStyle } from "../../tui/line.ts";

describe("lines of styled spans", () => {
  test("built from text, spans and other lines; nothing (null, false, empty text) is left out", () => {
    const l = line("CPU ", span("45%", { color: "red" }), null, false, "", [span(" ok")]);
    expect(plainText(l)).toBe("CPU 45% ok");
    expect(l.map((s) => s.style?.color)).toEqual([undefined, "red", undefined]);
    expect(lineWidth(l)).toBe(10);
  });

  test("too wide: cut to the width, ending in …; a wide character that would straddle the edge left out", () => {
    const l = line(span("abcdef", { bold: true }), "ghij");
    expect(plainText(fit(l, 20))).toBe("abcdefghij");
    expect(plainText(fit(l, 8))).toBe("abcdefg…");
    expect(plainText(fit(l, 4))).toBe("abc…");
    expect(fit(l, 4).at(-1)!.style).toEqual({ bold: true });
    expect(plainText(fit([span("東京東京")], 6))).toBe("東京…");
    expect(plainText(fit(l, 1))).toBe("…");
    expect(fit(l, 0)).toEqual([]);
  });

  test("padded to the width, blocks of a fixed size, blocks side by side", () => {
    expect(plainText(pad(line("ab"), 5))).toBe("ab   ");
    expect(block([line("one"), line("two long")], 5, 3).map(plainText)).toEqual(["one", "two …", ""]);
    const rows = beside(
      [
        [[line("left"), line("longer left")], 6],
        [[line("right")], 10],
      ],
      2,
    );
    expect(rows.map(plainText)).toEqual(["left    right", "longe…  "]);
  });

  test("an outer style goes under each span's own: a colour where none, dim added", () => {
    const l = withStyle(line("a", span("b", { color: "red" })), { dim: true, color: "yellow" });
    expect(l.map((s) => s.style)).toEqual([
      { color: "yellow", bold: undefined, dim: true, inverse: undefined },
      { color: "red", bold: undefined, dim: true, inverse: undefined },
    ]);
  });

  test("control characters from the agent (newlines, escapes) become spaces: text can never move the cursor", () => {
    expect(span("a\nb\u001b[2Jc\u009b").text).toBe("a b [2Jc ");
  });
});
