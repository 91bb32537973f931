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

/** Colour and style sequences (SGR). */
const SGR = /\x1b\[[0-9;:]*m/g;
/** Every escape sequence: CSI (cursor, erase, modes), OSC (titles, links), and two-character ones. */
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_78=>]/g;

/**
 * The terminal as Ink sees it: its size and resize events, with what Ink writes filtered for the mode.
 * Plain drops colours and styles; lines mode drops every escape sequence and prints each frame whole,
 * only when it differs from the last one.
 */
export class TerminalOutput extends Writable {
  private lastFrame = "";

  constructor(
    private readonly terminal: NodeJS.WriteStream,
    private readonly mode: TerminalMode,
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
    if (this.mode.lines) {
      text = text.replace(ESCAPES, "");
      const frame = text.replace(/\n+$/, "");
      // A frame is written whole each time; the same frame again is not news.
      if (frame.trim() === "" || frame === this.lastFrame) return done();
      this.lastFrame = frame;
      text = `\n${frame}`;
    } else if (this.mode.plain) {
      text = text.replace(SGR, "");
    }
    this.terminal.write(text, (error) => done(error ?? null));
  }
}
