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

/** Lines one finding takes: its own, and one for the series that deviated with it. */
function linesOf(f: Finding): number {
  return f.related && f.related.length > 0 ? 2 : 1;
}

/** Lines the panel would like, title included, to show every finding. */
export function anomalyPanelLength(findings: readonly Finding[]): number {
  let n = 1;
  for (const f of findings) n += linesOf(f);
  return Math.max(2, n);
}

/**
 * Recent findings, newest first, coloured by severity: `08:00:05 CRIT High CPU usage: 96.10%  cpu_high`;
 * a finding that stands for several series lists the others on a dim line below it
 * (`└ with load1 3.91 · pressure_stalled cpu/some/10s 37.88`).
 */
export function AnomalyPanel({ findings, width, height, focused = false, offset = 0 }: AnomalyPanelProps): Line[] {
  const rows = Math.max(0, height - 1);
  // Scrolling past the end keeps the last page in view: the first finding from which the rest fits.
  let last = findings.length;
  for (let used = 0; last > 0 && used + linesOf(findings[last - 1]!) <= rows; last--) used += linesOf(findings[last - 1]!);
  const start = Math.max(0, Math.min(offset, last));
  const shown: Finding[] = [];
  for (let i = start, used = 0; i < findings.length && used < rows; i++) {
    shown.push(findings[i]!);
    used += linesOf(findings[i]!);
  }
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
    if (f.related && f.related.length > 0) {
      const text = `└ with ${f.related.map((r) => `${shortName(r.metric, r.labels)} ${formatValue(r.value)}`).join(" · ")}`;
      lines.push(line(" ".repeat(9), span(truncate(text, Math.max(0, width - 9)), { dim: true })));
    }
  }
  return lines.slice(0, height);
}

/** A series as the panel names it: `load1`, `pressure_stalled cpu/some/10s`, `network_receive_bytes_per_second eth0`. */
function shortName(metric: string, labels: Finding["labels"]): string {
  const name = metric.replace(/^aiops_/, "").replace(/_percent$/, "");
  const values = Object.values(labels);
  return values.length > 0 ? `${name} ${values.join("/")}` : name;
}

function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return v.toPrecision(3);
  return String(Math.round(v * 100) / 100);
}
