import stringWidth from "string-width";

/**
 * Characters one column wide in string-width's own reckoning (test/tui/text-width.test.ts checks each
 * one): Latin, general punctuation without the zero-width marks, arrows, box drawing, block elements,
 * geometric shapes without the two wide ones, ✕. Everything the UI draws itself is among them (bars,
 * sparklines, charts, rules), so most text is measured by its length.
 */
export const NARROW_CHARACTERS = "\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u2010-\\u2027\\u2030-\\u205E\\u2190-\\u21FF\\u2500-\\u25FC\\u25FF\\u2715";

const NARROW = new RegExp(`^[${NARROW_CHARACTERS}]*$`);
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Columns `text` takes on a terminal: its length for one-column text, string-width's count otherwise (CJK, emoji). */
export function textWidth(text: string): number {
  return NARROW.test(text) ? text.length : stringWidth(text);
}

/** The longest start of `text` that fits in `columns` (a wide character that would straddle the edge is left out). */
export function sliceColumns(text: string, columns: number): string {
  if (columns <= 0) return "";
  if (NARROW.test(text)) return text.slice(0, columns);
  let used = 0;
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > columns) break;
    used += w;
    end += segment.length;
  }
  return text.slice(0, end);
}
