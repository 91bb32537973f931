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
}

/** Width of the key column when the descriptions stand beside the keys. */
const KEY_WIDTH = 26;

/** What the keys do and what the colours mean, wrapped to the terminal (80 columns at most). */
export function Help({ target, keys, sections, width, height }: HelpProps): Line[] {
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
  return lines.slice(0, Math.max(0, height));
}
