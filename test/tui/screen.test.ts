import { describe, expect, test } from "bun:test";
import { line, span } from "../../tui/line.ts";
import { createScreen, renderLine, screenText } from "../../tui/screen.ts";

/** A terminal that records each write. */
function terminal() {
  const writes: string[] = [];
  return { writes, write: (text: string) => writes.push(text) };
}

const SIZE = { columns: 20, rows: 4 };
const BEGIN = "\u001b[?2026h";
const END = "\u001b[H\u001b[?2026l";

describe("the screen: only the rows that changed are written", () => {
  test("the first draw writes every row at its place; the next writes only what changed, in one write", () => {
    const t = terminal();
    const screen = createScreen(t, { plain: true, lines: false });
    screen.draw([line("header"), line("cpu 10%"), line("mem 50%")], SIZE);
    expect(t.writes).toEqual([`${BEGIN}\u001b[1;1Hheader\u001b[K\u001b[2;1Hcpu 10%\u001b[K\u001b[3;1Hmem 50%\u001b[K\u001b[4;1H\u001b[K${END}`]);
    screen.draw([line("header"), line("cpu 12%"), line("mem 50%")], SIZE);
    expect(t.writes[1]).toBe(`${BEGIN}\u001b[2;1Hcpu 12%\u001b[K${END}`);
    // Nothing changed: nothing written.
    screen.draw([line("header"), line("cpu 12%"), line("mem 50%")], SIZE);
    expect(t.writes).toHaveLength(2);
  });

  test("a new size, or the terminal written over, repaints every row; rows are cut to the width", () => {
    const t = terminal();
    const screen = createScreen(t, { plain: true, lines: false });
    const rows = [line("a"), line("b")];
    screen.draw(rows, SIZE);
    screen.draw(rows, { columns: 10, rows: 2 });
    expect(t.writes[1]).toBe(`${BEGIN}\u001b[1;1Ha\u001b[K\u001b[2;1Hb\u001b[K${END}`);
    screen.invalidate();
    screen.draw(rows, { columns: 10, rows: 2 });
    expect(t.writes[2]).toBe(t.writes[1]);
    screen.draw([line("x".repeat(30))], { columns: 10, rows: 1 });
    // A row as wide as the terminal is not followed by an erase, which would take its last character.
    expect(t.writes[3]).toBe(`${BEGIN}\u001b[1;1H${"x".repeat(9)}…${END}`);
  });

  test("colours and styles as SGR sequences, one style run at a time; plain (NO_COLOR) without any", () => {
    const l = line(span("CPU", { bold: true }), " ", span("96", { color: "red" }), span("%", { color: "red" }), span("!!", { color: "red", dim: true }));
    expect(renderLine(l, true)).toBe("\u001b[1mCPU\u001b[0m \u001b[31m96%\u001b[0m\u001b[2m\u001b[31m!!\u001b[0m");
    expect(renderLine(l, false)).toBe("CPU 96%!!");
    const coloured = terminal();
    createScreen(coloured, { plain: false, lines: false }).draw([l], SIZE);
    expect(coloured.writes[0]).toContain("\u001b[31m96%");
    const plain = terminal();
    createScreen(plain, { plain: true, lines: false }).draw([l], SIZE);
    expect(plain.writes[0]).not.toMatch(/\u001b\[[0-9;]*m/);
  });

  test("lines (TERM=dumb): no escape sequence at all; each screen that differs printed whole, a repeated one not", () => {
    // Each is a whole screenful (4 rows): a short one is padded, so nothing of the one before stays in view.
    const t = terminal();
    const screen = createScreen(t, { plain: true, lines: true });
    screen.draw([line(span("frame 1", { color: "green" })), line("line 2   "), line("")], SIZE);
    screen.draw([line("frame 1"), line("line 2")], SIZE);
    screen.draw([line("frame 2"), line("line 2")], SIZE);
    expect(t.writes).toEqual(["\nframe 1\nline 2\n\n", "\nframe 2\nline 2\n\n"]);
    expect(t.writes.join("")).not.toContain("\u001b");
  });

  test("the screen's text: rows without trailing blanks, blank rows at the end dropped", () => {
    expect(screenText([line("a  "), line(""), line("b"), line(" "), line("")])).toBe("a\n\nb");
  });
});
