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
    write(text: string, done?: (error?: Error | null) => void) {
      written.push(text);
      done?.(null);
      return true;
    },
  });
  return { t: t as unknown as NodeJS.WriteStream, written };
}

const write = (out: TerminalOutput, text: string) => new Promise<void>((resolve) => out.write(text, () => resolve()));

describe("TerminalOutput", () => {
  test("plain (NO_COLOR): colours and styles go, cursor movement stays", async () => {
    const { t, written } = terminal();
    const out = new TerminalOutput(t, { plain: true, lines: false });
    await write(out, "\u001b[2K\u001b[1A\u001b[31m\u001b[1mCPU\u001b[22m\u001b[39m 96.0%!!");
    expect(written).toEqual(["\u001b[2K\u001b[1ACPU 96.0%!!"]);
  });

  test("lines (TERM=dumb): no escape sequence at all; each new frame printed whole, a repeated one not", async () => {
    const { t, written } = terminal();
    const out = new TerminalOutput(t, { plain: true, lines: true });
    await write(out, "\u001b[?1049h\u001b[?25l\u001b[32mframe 1\nline 2\u001b[0m");
    await write(out, "frame 1\nline 2");
    await write(out, "\u001b]0;title\u0007frame 2\nline 2\n");
    expect(written).toEqual(["\nframe 1\nline 2", "\nframe 2\nline 2"]);
    expect(written.join("")).not.toContain("\u001b");
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
