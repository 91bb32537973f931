import { Text } from "ink";
import { truncate } from "../format.ts";

export interface PanelTitleProps {
  title: string;
  width: number;
  focused?: boolean;
  /** Shown after the title, dimmed: a count or a scroll position. */
  note?: string;
}

/** A panel's one-line title: `─ Anomalies (3) ──────`, bright when the panel has the focus. */
export function PanelTitle({ title, width, focused = false, note }: PanelTitleProps) {
  const head = `─ ${title} `;
  const tail = note ? ` ${note} ` : "";
  const rule = "─".repeat(Math.max(0, width - head.length - tail.length));
  return (
    <Text wrap="truncate-end">
      <Text color={focused ? "cyan" : "gray"} bold={focused}>
        {truncate(head, width)}
      </Text>
      <Text color={focused ? "cyan" : "gray"}>{rule}</Text>
      {tail ? <Text dimColor>{tail}</Text> : null}
    </Text>
  );
}
