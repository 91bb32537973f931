import { type Line, line, span } from "../line.ts";
import { truncate } from "../format.ts";

export interface PanelTitleProps {
  title: string;
  width: number;
  focused?: boolean;
  /** Shown after the title, dimmed: a count or a scroll position. */
  note?: string;
}

/** A panel's one-line title: `─ Anomalies ────── 3 `, bright when the panel has the focus. */
export function PanelTitle({ title, width, focused = false, note }: PanelTitleProps): Line {
  const head = `─ ${title} `;
  const tail = note ? ` ${note} ` : "";
  const rule = "─".repeat(Math.max(0, width - head.length - tail.length));
  const color = focused ? "cyan" : "gray";
  return line(span(truncate(head, width), { color, bold: focused }), span(rule, { color }), tail ? span(tail, { dim: true }) : null);
}
