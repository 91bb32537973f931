import { sliceColumns, textWidth } from "./text-width.ts";

/** The colours the UI draws with: the terminal's basic palette, which every terminal and theme has. */
export type Colour = "red" | "green" | "yellow" | "cyan" | "gray" | "white";

/** How a piece of text is drawn. Plain terminals (NO_COLOR, TERM=dumb) ignore it: marks and words carry the meaning. */
export interface Style {
  readonly color?: Colour | undefined;
  readonly bold?: boolean | undefined;
  readonly dim?: boolean | undefined;
  readonly inverse?: boolean | undefined;
}

/** Text in one style, and the columns it takes (measured once, when the span is made). */
export interface Span {
  readonly text: string;
  readonly style?: Style | undefined;
  readonly width: number;
}

/** One line of the screen, as the spans that make it; what components return and the screen draws. */
export type Line = readonly Span[];

/** What `line()` takes: text, spans, whole lines; nothing (null, undefined, false) is left out. */
export type Piece = string | Span | Line | null | undefined | false;

/** Control characters (a newline in a message, an escape in a label) would move the cursor or restyle the terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, "g");

/** A span of `text` in `style`; control characters become spaces, so text from the agent can only ever be text. */
export function span(text: string, style?: Style): Span {
  const safe = CONTROL.test(text) ? text.replace(CONTROLS, " ") : text;
  return style ? { text: safe, style, width: textWidth(safe) } : { text: safe, width: textWidth(safe) };
}

/** A line from pieces in order: `line(span("CPU", { bold: true }), " ", bar)`. */
export function line(...pieces: Piece[]): Line {
  const out: Span[] = [];
  for (const piece of pieces) {
    if (piece === null || piece === undefined || piece === false || piece === "") continue;
    if (typeof piece === "string") out.push(span(piece));
    else if (Array.isArray(piece)) out.push(...(piece as Line));
    else out.push(piece as Span);
  }
  return out;
}

/** `line` with `outer` under each span's own style: its colour where a span has none, bold, dim and inverse added. */
export function withStyle(l: Line, outer: Style): Line {
  return l.map((s) => ({
    text: s.text,
    width: s.width,
    style: {
      color: s.style?.color ?? outer.color,
      bold: s.style?.bold || outer.bold,
      dim: s.style?.dim || outer.dim,
      inverse: s.style?.inverse || outer.inverse,
    },
  }));
}

/** Columns a line takes. */
export function lineWidth(l: Line): number {
  let width = 0;
  for (const s of l) width += s.width;
  return width;
}

/** The line's text without styles. */
export function plainText(l: Line): string {
  let text = "";
  for (const s of l) text += s.text;
  return text;
}

/** Cuts a line to `width` columns, ending in `…` when it was wider (as a terminal UI cuts a line it cannot wrap). */
export function fit(l: Line, width: number): Line {
  if (width <= 0) return [];
  if (lineWidth(l) <= width) return l;
  const out: Span[] = [];
  let room = width - 1;
  for (const s of l) {
    if (room <= 0) break;
    if (s.width <= room) {
      out.push(s);
      room -= s.width;
    } else {
      out.push(span(sliceColumns(s.text, room), s.style));
      room = 0;
    }
  }
  out.push(span("…", out.at(-1)?.style));
  return out;
}

/** Cut to `width` and padded with spaces to exactly `width` columns. */
export function pad(l: Line, width: number): Line {
  const cut = fit(l, width);
  const missing = width - lineWidth(cut);
  return missing > 0 ? [...cut, span(" ".repeat(missing))] : cut;
}

/** Exactly `height` lines, each cut to `width`: a panel's rectangle (missing lines blank, extra ones dropped). */
export function block(lines: readonly Line[], width: number, height: number): Line[] {
  const out: Line[] = [];
  for (let i = 0; i < height; i++) out.push(i < lines.length ? fit(lines[i]!, width) : []);
  return out;
}

/** Blocks side by side, `gap` columns apart, each padded to its width: `[[lines, width], …]`. */
export function beside(blocks: ReadonlyArray<readonly [readonly Line[], number]>, gap: number): Line[] {
  const height = Math.max(0, ...blocks.map(([lines]) => lines.length));
  const space = span(" ".repeat(gap));
  const out: Line[] = [];
  for (let i = 0; i < height; i++) {
    const row: Span[] = [];
    blocks.forEach(([lines, width], b) => {
      if (b > 0 && gap > 0) row.push(space);
      // The last block is not padded: the screen clears the rest of the row.
      row.push(...(b === blocks.length - 1 ? fit(lines[i] ?? [], width) : pad(lines[i] ?? [], width)));
    });
    out.push(row);
  }
  return out;
}
