import { Box, Text } from "ink";
import { type ReactElement, memo } from "react";
import { type AlertLine, type DeliveryLine, stateColour } from "../describe-event.ts";
import { formatClock } from "../format.ts";
import { PanelTitle } from "./PanelTitle.tsx";

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

function alertRow(a: AlertLine): ReactElement {
  const sev = a.severity === "critical" ? "CRIT" : "WARN";
  return (
    <Text key={`a-${a.key}`} wrap="truncate-end">
      <Text dimColor>{formatClock(a.at)}</Text>
      {"  "}
      <Text color={stateColour(a.state)} bold>
        {a.state.toUpperCase().padEnd(STATE_WIDTH)}
      </Text>
      {"  "}
      <Text color={a.severity === "critical" ? "red" : "yellow"} bold={a.severity === "critical"}>
        {sev}
      </Text>
      {"  "}
      <Text bold>{a.name}</Text>
      {"  "}
      {a.text}
      <Text dimColor>{`  · ${a.change}`}</Text>
    </Text>
  );
}

function deliveryRow(d: DeliveryLine, channelWidth: number): ReactElement {
  const status = [d.httpStatus !== undefined ? `HTTP ${d.httpStatus}` : "", `${Math.round(d.latencyMs)} ms`].filter(Boolean).join(" · ");
  return (
    <Text key={`d-${d.key}`} wrap="truncate-end">
      <Text dimColor>{formatClock(d.at)}</Text>
      {"  "}
      <Text bold>{d.channel.padEnd(channelWidth)}</Text>
      {"  "}
      <Text color={stateColour(d.outcome)}>{d.outcome.padEnd(OUTCOME_WIDTH)}</Text>
      {"  "}
      <Text bold>{d.alert}</Text> {d.alertState}
      {d.summary ? `: ${d.summary}` : ""}
      <Text dimColor>{`  ${status}`}</Text>
      {d.error ? <Text color="red">{`  ${d.error}`}</Text> : null}
    </Text>
  );
}

/**
 * Alerts (the latest state of each: firing red, pending yellow, resolved green, with its severity as it
 * is now and what last happened) and delivery attempts (when, which channel, outcome, the alert by name,
 * HTTP status, latency, error), as the alert engine and the outbox publish them.
 */
export const AlertPanel = memo(function AlertPanel({ alerts, deliveries, width, height, focused = false, offset = 0 }: AlertPanelProps) {
  const firing = alerts.filter((a) => a.state === "firing").length;
  const channelWidth = Math.min(12, Math.max(0, ...deliveries.map((d) => d.channel.length)));
  const lines: ReactElement[] = [
    <Text key="ah" dimColor>
      Alerts{alerts.length > 0 ? ` (${firing} firing of ${alerts.length})` : ""}
    </Text>,
    ...(alerts.length === 0 ? [<Text key="a-none" dimColor wrap="truncate-end">  No alerts yet.</Text>] : alerts.map(alertRow)),
    <Text key="dh" dimColor>
      Deliveries{deliveries.length > 0 ? ` (${deliveries.length})` : ""}
    </Text>,
    ...(deliveries.length === 0
      ? [<Text key="d-none" dimColor wrap="truncate-end">  No delivery attempts yet.</Text>]
      : deliveries.map((d) => deliveryRow(d, channelWidth))),
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
});
