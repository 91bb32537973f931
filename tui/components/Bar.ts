import { type Colour, type Line, line, span } from "../line.ts";

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"] as const;

export interface BarProps {
  /** 0–100; clamped. */
  percent: number;
  /** Columns, at least 1. */
  width: number;
  color?: Colour | undefined;
}

/** A horizontal bar of `width` columns filled to `percent`, in eighths of a column. */
export function Bar({ percent, width, color }: BarProps): Line {
  const cells = Math.max(1, width);
  const eighths = Math.round((Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0)) / 100) * cells * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8]!;
  const empty = cells - full - (part ? 1 : 0);
  return line(span("█".repeat(full) + part, color ? { color } : undefined), span("·".repeat(Math.max(0, empty)), { dim: true }));
}
