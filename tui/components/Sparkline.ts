import { type Colour, type Line, span } from "../line.ts";

const TICKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

export interface SparklineProps {
  values: readonly number[];
  /** Columns; the newest `width` values are drawn, one per column. */
  width: number;
  /** Top of the scale; by default the largest value drawn (rates), 100 for percentages. */
  max?: number;
  color?: Colour | undefined;
}

/** The newest values as a one-line chart of block characters, oldest on the left; dim without a colour. */
export function Sparkline({ values, width, max, color }: SparklineProps): Line {
  if (width <= 0 || values.length === 0) return [];
  const shown = values.slice(-width);
  const top = max ?? Math.max(...shown);
  let text = "";
  for (const v of shown) {
    text += !(top > 0) || !Number.isFinite(v) ? TICKS[0] : TICKS[Math.min(TICKS.length - 1, Math.max(0, Math.round((v / top) * (TICKS.length - 1))))];
  }
  return [span(text, color ? { color } : { dim: true })];
}
