import { Box, Text } from "ink";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { formatAgo, formatClock, formatDuration } from "../format.ts";
import type { AgentInfo, Connection } from "../source.ts";

export interface HeaderProps {
  info?: AgentInfo;
  snapshot?: Snapshot;
  connection: Connection;
  /** `in-process` or the attached agent's URL. */
  target: string;
  /** Panel names, and which one has the focus. */
  tabs: ReadonlyArray<{ name: string; count?: number }>;
  focus: number;
  paused: boolean;
  width: number;
  now: number;
  /** How old the values shown are, while the connection is down and they are stale. */
  staleSeconds?: number;
}

function ConnectionBadge({ connection, target, now }: { connection: Connection; target: string; now: number }) {
  switch (connection.state) {
    case "in-process":
      return <Text color="green">● in-process</Text>;
    case "live":
      return <Text color="green">● live {target}</Text>;
    case "connecting":
      return <Text color="yellow">◌ connecting to {target}{connection.attempt > 1 ? ` (attempt ${connection.attempt})` : ""}…</Text>;
    case "disconnected": {
      const seconds = Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
      return (
        <Text color="red">
          ✕ disconnected, retrying in {seconds}s: {connection.reason}
        </Text>
      );
    }
  }
}

/**
 * Two lines: the host (name, uptime), the agent (name, environment) and the OS; then pause, the
 * connection state, the interval, when the snapshot was taken, and the panels (the focused one inverse).
 */
export function Header({ info, snapshot, connection, target, tabs, focus, paused, width, now, staleSeconds }: HeaderProps) {
  const inv = info?.inventory;
  const host = snapshot?.host?.hostname ?? inv?.hostname ?? "…";
  const uptime = snapshot?.uptime_seconds;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          {host}
        </Text>
        {uptime !== undefined ? <Text> · up {formatDuration(uptime)}</Text> : null}
        <Text dimColor> │ </Text>
        <Text>
          agent <Text bold>{info?.name ?? "…"}</Text>
          {info?.environment ? ` (${info.environment})` : ""}
        </Text>
        <Text dimColor> │ </Text>
        {inv?.os ? <Text>{inv.os}</Text> : null}
        {inv?.cpu_cores ? <Text dimColor> · {inv.cpu_cores} CPUs</Text> : null}
        {info?.version ? <Text dimColor> · aiops-agent {info.version}</Text> : null}
      </Text>
      <Text wrap="truncate-end">
        {paused ? (
          <Text>
            <Text inverse color="yellow">
              {" PAUSED "}
            </Text>{" "}
          </Text>
        ) : null}
        <ConnectionBadge connection={connection} target={target} now={now} />
        {info?.interval !== undefined ? <Text dimColor> · every {formatDuration(info.interval)}</Text> : null}
        {snapshot ? <Text dimColor> · {formatClock(snapshot.timestamp)}</Text> : null}
        {snapshot && staleSeconds !== undefined ? <Text color="yellow"> · values from {formatAgo(Date.parse(snapshot.timestamp), now)}</Text> : null}
        <Text dimColor> │ </Text>
        {tabs.map((tab, i) => (
          <Text key={tab.name}>
            {i > 0 ? " " : ""}
            <Text inverse={i === focus} bold={i === focus} color={i === focus ? "cyan" : undefined}>
              {` ${i + 1} ${tab.name}${tab.count ? ` ${tab.count}` : ""} `}
            </Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}
