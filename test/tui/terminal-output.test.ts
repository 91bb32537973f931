import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { TerminalOutput } from "../../tui/terminal-output.ts";

/** A terminal that records what reaches it. */
function terminal() {
  const written: string[] = [];
  const t = Object.assign(new EventEmitter(), {
    columns: 80,
    rows: 24,
    isTTY: true,
    write(text: string) {
      written.push(text);
      return true;
    },
  });
  return { t: t as unknown as NodeJS.WriteStream, written };
}

const write = (out: TerminalOutput, text: string) => new Promise<void>((resolve) => out.write(text, () => resolve()));

describe("TerminalOutput: the terminal as Ink sees it", () => {
  test("full screen: Ink's writes (alternate screen, cursor) pass in order, and each says the screen was written over", async () => {
    const { t, written } = terminal();
    let overwritten = 0;
    const out = new TerminalOutput(t, { plain: true, lines: false }, () => overwritten++);
    out.write("\u001b[?1049h");
    out.write("\u001b[?25l");
    await write(out, "\n");
    expect(written).toEqual(["\u001b[?1049h", "\u001b[?25l", "\n"]);
    expect(overwritten).toBe(3);
  });

  test("lines (TERM=dumb): no escape sequence reaches the terminal; Ink's set-up and empty frames not at all, a console message as text", async () => {
    const { t, written } = terminal();
    let overwritten = 0;
    const out = new TerminalOutput(t, { plain: true, lines: true }, () => overwritten++);
    await write(out, "\u001b[?25l\n");
    await write(out, "\n\n");
    expect(written).toEqual([]);
    expect(overwritten).toBe(0);
    await write(out, "\u001b[2K\u001b[1Aa message from the console\u001b[0m\n");
    expect(written).toEqual(["a message from the console\n"]);
    expect(overwritten).toBe(1);
  });

  test("the size and resizes are the terminal's", () => {
    const { t } = terminal();
    const out = new TerminalOutput(t, { plain: true, lines: true });
    let resized = 0;
    out.on("resize", () => resized++);
    (t as unknown as EventEmitter).emit("resize");
    expect([out.columns, out.rows, out.isTTY, resized]).toEqual([80, 24, true, 1]);
  });
});
