import { Text } from "ink";

const TICKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

export interface SparklineProps {
  values: readonly number[];
  /** Columns; the newest `width` values are drawn, one per column. */
  width: number;
  /** Top of the scale; by default the largest value drawn (rates), 100 for percentages. */
  max?: number;
  color?: string;
}

/** The newest values as a one-line chart of block characters, oldest on the left. */
export function Sparkline({ values, width, max, color }: SparklineProps) {
  if (width <= 0 || values.length === 0) return null;
  const shown = values.slice(-width);
  const top = max ?? Math.max(...shown);
  const line = shown
    .map((v) => {
      if (!(top > 0) || !Number.isFinite(v)) return TICKS[0];
      return TICKS[Math.min(TICKS.length - 1, Math.max(0, Math.round((v / top) * (TICKS.length - 1))))];
    })
    .join("");
  return <Text {...(color ? { color } : { dimColor: true })}>{line}</Text>;
}
