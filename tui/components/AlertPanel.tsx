import { Box, Text } from "ink";
import type { ReactElement } from "react";
import { type AlertLine, type DeliveryLine, stateColour } from "../describe-event.ts";
import { formatClock } from "../format.ts";
import { PanelTitle } from "./PanelTitle.tsx";

export interface AlertPanelProps {
  /** Latest change of each alert, most recent first. */
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

function alertRow(a: AlertLine, i: number): ReactElement {
  const sev = a.severity === "critical" ? "CRIT" : "WARN";
  // Fixed widths with a space after each: "INACTIVE" is as wide as the column and must not touch "CRIT".
  return (
    <Text key={`a${i}`} wrap="truncate-end">
      <Text dimColor>{formatClock(a.at)}</Text>{" "}
      <Text color={stateColour(a.state)} bold>
        {a.state.toUpperCase().padEnd(8)}
      </Text>{" "}
      <Text color={a.severity === "critical" ? "red" : "yellow"}>{sev}</Text> {a.text}
      <Text dimColor>  (was {a.from})</Text>
    </Text>
  );
}

function deliveryRow(d: DeliveryLine, i: number): ReactElement {
  return (
    <Text key={`d${i}`} wrap="truncate-end">
      <Text dimColor>{formatClock(d.at)}</Text> → <Text bold>{d.channel}</Text> <Text color={stateColour(d.outcome)}>{d.outcome}</Text>
      {d.httpStatus !== undefined ? ` HTTP ${d.httpStatus}` : ""}
      <Text dimColor> {Math.round(d.latencyMs)} ms</Text>
      {d.error ? <Text color="red"> {d.error}</Text> : null}
      <Text dimColor> {d.subject}</Text>
    </Text>
  );
}

/**
 * Alerts (the latest state of each, firing red, pending yellow, resolved green) and delivery attempts
 * (channel, outcome, HTTP status, latency, error), as the alert engine and the outbox publish them.
 */
export function AlertPanel({ alerts, deliveries, width, height, focused = false, offset = 0 }: AlertPanelProps) {
  const firing = alerts.filter((a) => a.state === "firing").length;
  const lines: ReactElement[] = [
    <Text key="ah" dimColor>
      Alerts{alerts.length > 0 ? ` (${firing} firing of ${alerts.length})` : ""}
    </Text>,
    ...(alerts.length === 0 ? [<Text key="a-none" dimColor wrap="truncate-end">  No alert changes yet.</Text>] : alerts.map(alertRow)),
    <Text key="dh" dimColor>
      Deliveries{deliveries.length > 0 ? ` (${deliveries.length})` : ""}
    </Text>,
    ...(deliveries.length === 0 ? [<Text key="d-none" dimColor wrap="truncate-end">  No delivery attempts yet.</Text>] : deliveries.map(deliveryRow)),
  ];
  const rows = Math.max(0, height - 1);
  const start = Math.max(0, Math.min(offset, lines.length - rows));
  const note = firing > 0 ? `${firing} firing` : alerts.length > 0 ? "none firing" : "";
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <PanelTitle title="Alerts & deliveries" width={width} focused={focused} note={note} />
      {lines.slice(start, start + rows)}
    </Box>
  );
}
