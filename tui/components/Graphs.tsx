import { Box } from "ink";
import { memo } from "react";
import { formatPercent, formatRate } from "../format.ts";
import type { SparkKey } from "../sparklines.ts";
import { GAUGE_METRICS, type ThresholdLevels, colourAt } from "../thresholds.ts";
import { Graph } from "./Graph.tsx";

export interface GraphsProps {
  history: Readonly<Partial<Record<SparkKey, readonly number[]>>>;
  thresholds: ThresholdLevels;
  width: number;
  /** Lines to fill. */
  height: number;
  stale?: boolean;
}

/** What can be charted, most wanted first. */
const CHARTS: ReadonlyArray<{ key: SparkKey; title: string; percent: boolean; level?: keyof typeof GAUGE_METRICS }> = [
  { key: "cpu", title: "CPU %", percent: true, level: "cpu" },
  { key: "memory", title: "Memory %", percent: true, level: "memory" },
  { key: "rx", title: "Network in", percent: false },
  { key: "tx", title: "Network out", percent: false },
  { key: "diskRead", title: "Disk read", percent: false },
  { key: "diskWrite", title: "Disk write", percent: false },
];

/** A chart is worth drawing from this many lines (title and four of chart). */
export const GRAPH_MIN_HEIGHT = 5;
/** From this width the charts go two by two. */
const TWO_COLUMNS = 160;

/**
 * The host's recent history as charts, in the lines a tall terminal has to spare: more charts and
 * taller ones as it grows, two side by side on a wide one.
 */
export const Graphs = memo(function Graphs({ history, thresholds, width, height, stale = false }: GraphsProps) {
  const available = CHARTS.filter((c) => (history[c.key]?.length ?? 0) > 0);
  const columns = width >= TWO_COLUMNS ? 2 : 1;
  // As many charts as fit at a height of at least GRAPH_MIN_HEIGHT + 1, the first ones first.
  const count = Math.min(available.length, columns * Math.floor(height / (GRAPH_MIN_HEIGHT + 1)));
  if (count === 0) return <Box height={height} />;
  const rowsOfCharts = Math.ceil(count / columns);
  const chartHeight = Math.floor(height / rowsOfCharts);
  const chartWidth = Math.floor((width - (columns - 1) * 2) / columns);
  const charts = available.slice(0, count);
  const grid = Array.from({ length: rowsOfCharts }, (_, r) => charts.slice(r * columns, r * columns + columns));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {grid.map((row, r) => (
        <Box key={r} flexDirection="row" gap={2} height={chartHeight}>
          {row.map((c) => {
            const values = history[c.key] ?? [];
            const latest = values.at(-1) ?? 0;
            const level = c.level ? thresholds[GAUGE_METRICS[c.level]] : undefined;
            return (
              <Graph
                key={c.key}
                title={c.title}
                values={values}
                width={chartWidth}
                height={chartHeight}
                format={c.percent ? formatPercent : formatRate}
                {...(c.percent ? { max: 100 } : {})}
                color={c.percent ? colourAt(latest, level) : "cyan"}
                stale={stale}
              />
            );
          })}
        </Box>
      ))}
    </Box>
  );
});
