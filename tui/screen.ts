import { type Line, type Style, fit, lineWidth, plainText } from "./line.ts";
import type { TerminalMode } from "./terminal-output.ts";

/** A terminal's size in columns and rows. */
export interface ScreenSize {
  columns: number;
  rows: number;
}

/** Where the UI draws: the whole screen as lines, top to bottom. */
export interface Screen {
  /** Draws `rows`; only the rows that differ from what is on the terminal are written. */
  draw(rows: readonly Line[], size: ScreenSize): void;
  /** The terminal was written over (a resize, a stray message): the next draw repaints every row. */
  invalidate(): void;
}

const ESC = "\u001b[";
const COLOUR_CODES: Record<NonNullable<Style["color"]>, string> = { red: "31", green: "32", yellow: "33", cyan: "36", white: "37", gray: "90" };
/** Synchronised output (DEC mode 2026): a terminal that knows it shows a redraw at once, never half drawn. */
const BEGIN_UPDATE = `${ESC}?2026h`;
const END_UPDATE = `${ESC}?2026l`;

/** The SGR sequences that set a style from none (each attribute its own sequence); empty for no style. */
function sgr(style: Style | undefined): string {
  if (!style) return "";
  let out = "";
  if (style.bold) out += `${ESC}1m`;
  if (style.dim) out += `${ESC}2m`;
  if (style.inverse) out += `${ESC}7m`;
  if (style.color) out += `${ESC}${COLOUR_CODES[style.color]}m`;
  return out;
}

/** A line with its styles as SGR sequences: spans of the same style run together, and the style is reset after. */
export function renderLine(l: Line, colours: boolean): string {
  let out = "";
  if (!colours) {
    for (const s of l) out += s.text;
    return out;
  }
  let current = "";
  for (const s of l) {
    const open = sgr(s.style);
    if (open !== current) {
      if (current !== "") out += `${ESC}0m`;
      out += open;
      current = open;
    }
    out += s.text;
  }
  return current !== "" ? `${out}${ESC}0m` : out;
}

/** The screen's text as a terminal would show it: each row without trailing blanks, blank rows at the end dropped. */
export function screenText(rows: readonly Line[]): string {
  const lines = rows.map((r) => plainText(r).trimEnd());
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines.join("\n");
}

/**
 * The UI's own renderer: it keeps what each row of the terminal shows and, on each draw, writes only the
 * rows that changed, each at its place (cursor addressing), in one write wrapped in a synchronised update;
 * a new size repaints everything. Plain (NO_COLOR) draws the same without styles. Lines mode (TERM=dumb)
 * uses no escape sequence at all: each screen that differs from the last is printed whole, as a new block
 * of exactly as many lines as the terminal has rows, so the terminal's last screenful is the current one.
 */
export function createScreen(terminal: { write(text: string): unknown }, mode: TerminalMode): Screen {
  let shown: string[] = [];
  // A row drawn before (the same line, from a panel whose data did not change) is not rendered again.
  const rendered = new WeakMap<Line, string>();
  const render = (row: Line) => {
    let text = rendered.get(row);
    if (text === undefined) rendered.set(row, (text = renderLine(row, !mode.plain)));
    return text;
  };
  let shownSize: ScreenSize | undefined;
  let lastText = "";

  function drawLines(rows: readonly Line[], size: ScreenSize): void {
    const text = screenText(rows.slice(0, size.rows).map((r) => fit(r, size.columns)));
    if (text === "" || text === lastText) return;
    lastText = text;
    // Always a whole screenful: a shorter screen would leave the bottom of the one before in view above it.
    const blank = Math.max(0, size.rows - (text.split("\n").length));
    terminal.write(`\n${text}${"\n".repeat(blank)}`);
  }

  function drawScreen(rows: readonly Line[], size: ScreenSize): void {
    const full = shownSize === undefined || shownSize.columns !== size.columns || shownSize.rows !== size.rows;
    let out = "";
    const next: string[] = [];
    for (let i = 0; i < size.rows; i++) {
      const row = fit(rows[i] ?? [], size.columns);
      const text = render(row);
      next.push(text);
      if (!full && shown[i] === text) continue;
      // Erasing the rest of a row that fills the terminal would erase its last character (the cursor waits there).
      out += `${ESC}${i + 1};1H${text}${lineWidth(row) < size.columns ? `${ESC}K` : ""}`;
    }
    shown = next;
    shownSize = { ...size };
    // The cursor (hidden) goes back home: a newline Ink writes on a resize then cannot scroll the screen.
    if (out !== "") terminal.write(`${BEGIN_UPDATE}${out}${ESC}H${END_UPDATE}`);
  }

  return {
    draw(rows, size) {
      if (size.columns <= 0 || size.rows <= 0) return;
      if (mode.lines) drawLines(rows, size);
      else drawScreen(rows, size);
    },
    invalidate() {
      shownSize = undefined;
      lastText = "";
    },
  };
}
