import { wrapWords } from "../format.ts";
import { type Line, line, span } from "../line.ts";

export interface HelpProps {
  /** `in-process` or the attached agent's URL. */
  target: string;
  /** What the keys do: `[keys, what they do]`, in the order shown. */
  keys: ReadonlyArray<readonly [string, string]>;
  /** Paragraphs under the keys: `[heading, text]`. */
  sections: ReadonlyArray<readonly [string, string]>;
  width: number;
  height: number;
  /** Lines scrolled past (a short terminal does not hold it all). */
  offset?: number;
}

/** Width of the key column when the descriptions stand beside the keys. */
const KEY_WIDTH = 26;

/** Lines of the help at a width, to scroll through. */
export function helpLength(props: Omit<HelpProps, "height" | "offset">): number {
  return Help({ ...props, height: Number.MAX_SAFE_INTEGER }).length;
}

/**
 * What the keys do and what the colours mean, wrapped to the terminal (80 columns at most); on a short
 * terminal, scrolled by `offset`, with a last line that says there is more.
 */
export function Help({ target, keys, sections, width, height, offset = 0 }: HelpProps): Line[] {
  const columns = Math.min(80, width);
  const lines: Line[] = [];
  const heading = (text: string) => lines.push([span(text, { bold: true, color: "cyan" })]);
  const para = (text: string, indent = 2) => {
    for (const l of wrapWords(text, columns - indent)) lines.push([span(" ".repeat(indent) + l)]);
  };

  heading("Keys");
  const beside = columns >= KEY_WIDTH + 2 + 30;
  for (const [key, does] of keys) {
    if (beside) {
      wrapWords(does, columns - KEY_WIDTH - 2).forEach((text, i) => lines.push(line("  ", span((i === 0 ? key : "").padEnd(KEY_WIDTH), { bold: true }), text)));
    } else {
      lines.push([span(`  ${key}`, { bold: true })]);
      para(does, 4);
    }
  }
  for (const [title, text] of sections) {
    heading(title);
    para(text);
  }
  heading("Data");
  para(target === "in-process" ? "The agent running in this process." : `The agent at ${target}, over /api/v1 and its event stream.`);
  const rows = Math.max(0, height);
  if (lines.length <= rows) return lines;
  const start = Math.max(0, Math.min(offset, lines.length - rows));
  const shown = lines.slice(start, start + rows);
  if (start + rows < lines.length && rows > 1) shown[rows - 1] = [span(`↓ ${lines.length - start - rows + 1} more lines: ↑↓ scroll, ? or Esc closes`, { dim: true })];
  return shown;
}
