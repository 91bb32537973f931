import type { ThresholdLevel } from "../../src/contracts/finding.ts";
import { type Line, line, span } from "../line.ts";
import { colourAt } from "../thresholds.ts";

const TICKS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] as const;

/** How the CPUs are laid out: whole percentages while they fit, else one block character per CPU. */
export interface PerCpuLayout {
  numbers: boolean;
  /** `[start, end)` indexes of the CPUs on each line. */
  rows: Array<[number, number]>;
  /** CPUs left out for lack of room. */
  hidden: number;
}

/** Lays out `count` CPUs in at most `maxLines` lines of `width` columns after a label. */
export function perCpuLayout(count: number, labelWidth: number, width: number, maxLines: number): PerCpuLayout {
  const room = Math.max(1, width - labelWidth - 1);
  const perLine = Math.max(1, Math.floor(room / 4));
  const numbers = count <= perLine * maxLines;
  const step = numbers ? perLine : room;
  const rows: Array<[number, number]> = [];
  for (let i = 0; i < count && rows.length < maxLines; i += step) rows.push([i, Math.min(count, i + step)]);
  const shown = rows.length > 0 ? rows[rows.length - 1]![1] : 0;
  return { numbers, rows, hidden: count - shown };
}

export interface PerCpuProps {
  /** The CPUs of this line, percent. */
  values: readonly number[];
  numbers: boolean;
  label: string;
  labelWidth: number;
  /** The CPU levels. */
  level: ThresholdLevel | undefined;
  /** CPUs not shown, counted at the end of the line. */
  hidden?: number;
  /** Old values while the connection is down: without the levels' colours. */
  stale?: boolean;
}

/** One line of per-CPU usage, each CPU coloured by the CPU levels: `per CPU  42  48   7`. */
export function PerCpu({ values, numbers, label, labelWidth, level, hidden = 0, stale = false }: PerCpuProps): Line {
  return line(
    span(label.padEnd(labelWidth), { dim: true }),
    " ",
    values.map((v, i) => {
      const color = stale ? undefined : colourAt(v, level);
      const text = numbers ? `${i > 0 ? " " : ""}${`${Math.round(v)}`.padStart(3)}` : TICKS[Math.min(7, Math.max(0, Math.round((v / 100) * 7)))]!;
      return span(text, color ? { color } : undefined);
    }),
    hidden > 0 ? span(` +${hidden}`, { dim: true }) : null,
  );
}
