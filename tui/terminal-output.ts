import { Writable } from "node:stream";

/** How the UI may draw on a terminal. */
export interface TerminalMode {
  /** No colours or text styles (NO_COLOR, TERM=dumb): levels read from marks and words instead. */
  plain: boolean;
  /**
   * No escape sequences at all (TERM=dumb): no alternate screen, no cursor movement. Each change of the
   * screen is printed whole, as a new block of lines, so the terminal's last screenful is the current one.
   */
  lines: boolean;
}

/** Every escape sequence: CSI (cursor, erase, modes), OSC (titles, links), and two-character ones. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_78=>]/g;

/**
 * The terminal as Ink sees it: its size and resize events, and what Ink itself writes. Ink draws none of
 * the screen (the UI's own renderer does); it sets the terminal up and restores it (alternate screen,
 * cursor) and prints what the console prints. Each write passes, and `onWrite` says the screen was
 * written over. In lines mode (TERM=dumb) no escape sequence may reach the terminal: what is left of a
 * write without them passes when it is more than blank lines (a console message), else nothing does.
 */
export class TerminalOutput extends Writable {
  constructor(
    private readonly terminal: NodeJS.WriteStream,
    private readonly mode: TerminalMode,
    private readonly onWrite: () => void = () => {},
  ) {
    super({ decodeStrings: false });
    terminal.on("resize", () => this.emit("resize"));
  }

  get columns(): number {
    return this.terminal.columns;
  }

  get rows(): number {
    return this.terminal.rows;
  }

  get isTTY(): boolean {
    return this.terminal.isTTY === true;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    let text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (this.mode.lines) text = text.replace(ESCAPES, "").trim() === "" ? "" : `${text.replace(ESCAPES, "").replace(/^\n+|\n+$/g, "")}\n`;
    if (text === "") return done();
    this.onWrite();
    // Straight through, in order with what the screen writes to the same terminal (never held back for a callback).
    this.terminal.write(text);
    done();
  }
}
