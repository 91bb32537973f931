import { type AlertLine, type DeliveryLine, stateColour } from "../describe-event.ts";
import { formatClock } from "../format.ts";
import { type Line, line, span } from "../line.ts";
import { PanelTitle } from "./PanelTitle.ts";

export interface AlertPanelProps {
  /** Latest state of each alert, most recent first. */
  alerts: readonly AlertLine[];
  /** Newest first. */
  deliveries: readonly DeliveryLine[];
  width: number;
  /** Lines, title included. */
  height: number;
  focused?: boolean;
  /** Lines scrolled past. */
  offset?: number;
}

/** Width of the state column: the longest state word (INACTIVE, RESOLVED), then always a space. */
const STATE_WIDTH = 8;
const OUTCOME_WIDTH = 9;

function alertRow(a: AlertLine): Line {
  const critical = a.severity === "critical";
  const stateColor = stateColour(a.state);
  return line(
    span(formatClock(a.at), { dim: true }),
    "  ",
    span(a.state.toUpperCase().padEnd(STATE_WIDTH), { color: stateColor, bold: true }),
    "  ",
    span(critical ? "CRIT" : "WARN", { color: critical ? "red" : "yellow", bold: critical }),
    "  ",
    span(a.name, { bold: true }),
    `  ${a.text}`,
    span(`  · ${a.change}`, { dim: true }),
  );
}

function deliveryRow(d: DeliveryLine, channelWidth: number): Line {
  const status = [d.httpStatus !== undefined ? `HTTP ${d.httpStatus}` : "", `${Math.round(d.latencyMs)} ms`].filter(Boolean).join(" · ");
  return line(
    span(formatClock(d.at), { dim: true }),
    "  ",
    span(d.channel.padEnd(channelWidth), { bold: true }),
    "  ",
    span(d.outcome.padEnd(OUTCOME_WIDTH), { color: stateColour(d.outcome) }),
    "  ",
    span(d.alert, { bold: true }),
    ` ${d.alertState}${d.summary ? `: ${d.summary}` : ""}`,
    span(`  ${status}`, { dim: true }),
    d.error ? span(`  ${d.error}`, { color: "red" }) : null,
  );
}

/** Lines the panel has to show (its title not counted): both headings, the alerts and the deliveries, or their "none yet". */
export function alertPanelLength(alerts: number, deliveries: number): number {
  return 2 + Math.max(1, alerts) + Math.max(1, deliveries);
}

/**
 * Alerts (the latest state of each: firing red, pending yellow, resolved green, with its severity as it
 * is now and what last happened) and delivery attempts (when, which channel, outcome, the alert by name,
 * HTTP status, latency, error), as the alert engine and the outbox publish them.
 */
export function AlertPanel({ alerts, deliveries, width, height, focused = false, offset = 0 }: AlertPanelProps): Line[] {
  const firing = alerts.filter((a) => a.state === "firing").length;
  const channelWidth = Math.min(12, Math.max(0, ...deliveries.map((d) => d.channel.length)));
  const lines: Line[] = [
    [span(`Alerts${alerts.length > 0 ? ` (${firing} firing of ${alerts.length})` : ""}`, { dim: true })],
    ...(alerts.length === 0 ? [[span("  No alerts yet.", { dim: true })]] : alerts.map(alertRow)),
    [span(`Deliveries${deliveries.length > 0 ? ` (${deliveries.length})` : ""}`, { dim: true })],
    ...(deliveries.length === 0 ? [[span("  No delivery attempts yet.", { dim: true })]] : deliveries.map((d) => deliveryRow(d, channelWidth))),
  ];
  const rows = Math.max(0, height - 1);
  const start = Math.max(0, Math.min(offset, lines.length - rows));
  const note = firing > 0 ? `${firing} firing` : alerts.length > 0 ? "none firing" : "";
  return [PanelTitle({ title: "Alerts & deliveries", width, focused, note }), ...lines.slice(start, start + rows)].slice(0, height);
}
