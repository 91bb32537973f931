import { Text } from "ink";
import { formatPercent, truncate } from "../format.ts";
import { severityAt, type ThresholdLevel } from "../../src/contracts/finding.ts";
import { colourAt } from "../thresholds.ts";
import { Bar } from "./Bar.tsx";
import { Sparkline } from "./Sparkline.tsx";

export interface GaugeProps {
  label: string;
  /** Columns of the label (padded or cut to it). */
  labelWidth: number;
  percent: number;
  /** The levels of its metric: yellow above the warning level, red at or above the critical one. */
  level: ThresholdLevel | undefined;
  barWidth: number;
  /** Text after the percentage, e.g. `4.00 GiB / 8.00 GiB`. */
  detail?: string;
  detailWidth?: number;
  /** Recent percentages, for a sparkline after the detail. */
  history?: readonly number[];
  sparkWidth?: number;
  /** Old values while the connection is down: drawn dim, without the level's colour. */
  stale?: boolean;
}

/** The mark after a percentage, so a level reads without colour too: `!` above warning, `!!` at critical. */
export function levelMark(percent: number, level: ThresholdLevel | undefined): string {
  if (!level) return "  ";
  const severity = severityAt(percent, level);
  return severity === "critical" ? "!!" : severity === "warning" ? " !" : "  ";
}

/** One line: `Mem    ██████····  50.0%   4.00 GiB / 8.00 GiB  ▁▂▃▅`, coloured (and marked) by the levels. */
export function Gauge({ label, labelWidth, percent, level, barWidth, detail, detailWidth, history, sparkWidth = 0, stale = false }: GaugeProps) {
  const color = stale ? undefined : colourAt(percent, level);
  const detailText = detail === undefined ? "" : detailWidth ? truncate(detail, detailWidth).padEnd(detailWidth) : detail;
  return (
    <Text wrap="truncate-end" dimColor={stale}>
      <Text bold={!stale}>{truncate(label, labelWidth).padEnd(labelWidth)}</Text> <Bar percent={percent} width={barWidth} color={color} />{" "}
      <Text color={color}>
        {formatPercent(percent).padStart(6)}
        {levelMark(percent, level)}
      </Text>
      {detailText ? ` ${detailText}` : ""}
      {history && history.length > 0 && sparkWidth > 0 ? (
        <Text>
          {" "}
          <Sparkline values={history} width={sparkWidth} max={100} color={color} />
        </Text>
      ) : null}
    </Text>
  );
}
