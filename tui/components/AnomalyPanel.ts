import type { Finding } from "../../src/contracts/finding.ts";
import { formatClock, truncate } from "../format.ts";
import { type Colour, type Line, line, span } from "../line.ts";
import { PanelTitle } from "./PanelTitle.ts";

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

const SEVERITY: Record<string, { text: string; color: Colour }> = {
  critical: { text: "CRIT", color: "red" },
  warning: { text: "WARN", color: "yellow" },
};

/** Recent findings, newest first, coloured by severity: `08:00:05 CRIT High CPU usage: 96.10%  cpu_high`. */
export function AnomalyPanel({ findings, width, height, focused = false, offset = 0 }: AnomalyPanelProps): Line[] {
  const rows = Math.max(0, height - 1);
  const start = Math.max(0, Math.min(offset, findings.length - rows));
  const shown = findings.slice(start, start + rows);
  const note = findings.length === 0 ? "" : shown.length < findings.length ? `${start + 1}–${start + shown.length} of ${findings.length}` : `${findings.length}`;
  const lines: Line[] = [PanelTitle({ title: "Anomalies", width, focused, note })];
  if (findings.length === 0 && rows > 0) lines.push([span("No anomalies yet: findings appear here, newest first, as the detectors raise them.", { dim: true })]);
  for (const f of shown) {
    const sev = SEVERITY[f.severity] ?? { text: String(f.severity).slice(0, 4).toUpperCase(), color: "white" };
    const type = ` ${f.type}`;
    const room = Math.max(0, width - 15 - type.length);
    lines.push(
      line(
        span(formatClock(f.timestamp), { dim: true }),
        " ",
        span(sev.text.padEnd(4), { color: sev.color, bold: true }),
        " ",
        span(truncate(f.message, room).padEnd(room), { color: sev.color }),
        span(type, { dim: true }),
      ),
    );
  }
  return lines.slice(0, height);
}
