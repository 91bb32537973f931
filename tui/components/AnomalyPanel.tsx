import { Box, Text } from "ink";
import { memo } from "react";
import type { Finding } from "../../src/contracts/finding.ts";
import { formatClock, truncate } from "../format.ts";
import { PanelTitle } from "./PanelTitle.tsx";

export interface AnomalyPanelProps {
  /** Newest first. */
  findings: readonly Finding[];
  width: number;
  /** Lines, title included. */
  height: number;
  focused?: boolean;
  /** Findings scrolled past (0: the newest is at the top). */
  offset?: number;
}

const SEVERITY: Record<string, { text: string; color: string }> = {
  critical: { text: "CRIT", color: "red" },
  warning: { text: "WARN", color: "yellow" },
};

/** Recent findings, newest first, coloured by severity: `08:00:05 CRIT High CPU usage: 96.10%  cpu_high`. */
export const AnomalyPanel = memo(function AnomalyPanel({ findings, width, height, focused = false, offset = 0 }: AnomalyPanelProps) {
  const rows = Math.max(0, height - 1);
  const start = Math.max(0, Math.min(offset, findings.length - rows));
  const shown = findings.slice(start, start + rows);
  const note = findings.length === 0 ? "" : shown.length < findings.length ? `${start + 1}–${start + shown.length} of ${findings.length}` : `${findings.length}`;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <PanelTitle title="Anomalies" width={width} focused={focused} note={note} />
      {findings.length === 0 && rows > 0 ? (
        <Text dimColor wrap="truncate-end">
          No anomalies yet: findings appear here, newest first, as the detectors raise them.
        </Text>
      ) : null}
      {shown.map((f, i) => {
        const sev = SEVERITY[f.severity] ?? { text: String(f.severity).slice(0, 4).toUpperCase(), color: "white" };
        const type = ` ${f.type}`;
        const room = Math.max(0, width - 15 - type.length);
        return (
          <Text key={`${start + i}`} wrap="truncate-end">
            <Text dimColor>{formatClock(f.timestamp)}</Text>{" "}
            <Text color={sev.color} bold>
              {sev.text.padEnd(4)}
            </Text>{" "}
            <Text color={sev.color}>{truncate(f.message, room).padEnd(room)}</Text>
            <Text dimColor>{type}</Text>
          </Text>
        );
      })}
    </Box>
  );
});
