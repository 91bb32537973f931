import { Text } from "ink";

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"] as const;

export interface BarProps {
  /** 0–100; clamped. */
  percent: number;
  /** Columns, at least 1. */
  width: number;
  color?: string | undefined;
}

/** A horizontal bar of `width` columns filled to `percent`, in eighths of a column. */
export function Bar({ percent, width, color }: BarProps) {
  const cells = Math.max(1, width);
  const eighths = Math.round((Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0)) / 100) * cells * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8]!;
  const empty = cells - full - (part ? 1 : 0);
  return (
    <Text>
      <Text color={color}>
        {"█".repeat(full)}
        {part}
      </Text>
      <Text dimColor>{"·".repeat(Math.max(0, empty))}</Text>
    </Text>
  );
}
