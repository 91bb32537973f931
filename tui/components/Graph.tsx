import { Box, Text } from "ink";
import { memo } from "react";
import { truncate } from "../format.ts";

const EIGHTHS = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

export interface GraphProps {
  title: string;
  /** Oldest first; the newest `width` are drawn, one per column, the newest on the right. */
  values: readonly number[];
  width: number;
  /** Lines, the title's included. */
  height: number;
  /** Top of the scale: 100 for percentages; by default the largest value drawn. */
  max?: number;
  /** How a value reads in the title (`45.2%`, `1.25 MB/s`). */
  format: (value: number) => string;
  color?: string | undefined;
  /** Old values while the connection is down: dim. */
  stale?: boolean;
}

/** The rows of a chart `rows` high, top row first: each column filled to its value in eighths of a line. */
export function graphRows(values: readonly number[], width: number, rows: number, max?: number): string[] {
  const shown = values.slice(-width);
  const top = max ?? Math.max(0, ...shown);
  const pad = " ".repeat(Math.max(0, width - shown.length));
  const levels = shown.map((v) => (top > 0 && Number.isFinite(v) ? Math.round((Math.min(top, Math.max(0, v)) / top) * rows * 8) : 0));
  const out: string[] = [];
  // The bottom line shows every value drawn, a zero too, so a quiet series reads as a flat line.
  for (let row = rows - 1; row >= 0; row--) out.push(pad + levels.map((l) => EIGHTHS[Math.max(row === 0 ? 1 : 0, Math.min(8, l - row * 8))]).join(""));
  return out;
}

/**
 * A history as a chart several lines high, for a terminal with rows to spare: a title with the latest
 * and the highest value, then the chart (newest on the right).
 */
export const Graph = memo(function Graph({ title, values, width, height, max, format, color, stale = false }: GraphProps) {
  const rows = Math.max(1, height - 1);
  const latest = values.at(-1);
  const peak = values.length > 0 ? Math.max(...values.slice(-width)) : undefined;
  const head = `${title}${latest !== undefined ? `  now ${format(latest)}` : ""}${peak !== undefined ? `  max ${format(peak)}` : ""}`;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold={!stale} dimColor={stale} wrap="truncate-end">
        {truncate(head, width)}
      </Text>
      {/* The chart is one Text of several lines: one node to lay out, however tall. */}
      <Text color={stale ? undefined : color} dimColor={stale || !color} wrap="truncate-end">
        {graphRows(values, width, rows, max).join("\n")}
      </Text>
    </Box>
  );
});
