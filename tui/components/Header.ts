import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { formatAgo, formatClock, formatDuration } from "../format.ts";
import { type Line, line, lineWidth, span } from "../line.ts";
import type { AgentInfo, Connection } from "../source.ts";

/** A panel's tab in the header: its name, and a count worth a glance (firing alerts, runs awaiting approval). */
export interface Tab {
  name: string;
  /** The name on a terminal too narrow for all the full names. */
  short?: string;
  count?: number;
  /** The count asks for action: drawn in yellow until the panel has the focus. */
  urgent?: boolean;
}

export interface HeaderProps {
  info?: AgentInfo;
  snapshot?: Snapshot;
  connection: Connection;
  /** `in-process` or the attached agent's URL. */
  target: string;
  /** Panel names, and which one has the focus. */
  tabs: readonly Tab[];
  focus: number;
  paused: boolean;
  width: number;
  now: number;
  /** How old the values shown are, while the connection is down and they are stale. */
  staleSeconds?: number;
}

function connectionBadge(connection: Connection, target: string | undefined, now: number): Line {
  switch (connection.state) {
    case "in-process":
      return [span("● in-process", { color: "green" })];
    case "live":
      return [span(`● live${target ? ` ${target}` : ""}`, { color: "green" })];
    case "connecting":
      return [span(`◌ connecting${target ? ` to ${target}` : ""}${connection.attempt > 1 ? ` (attempt ${connection.attempt})` : ""}…`, { color: "yellow" })];
    case "disconnected": {
      const seconds = Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
      return [span(`✕ disconnected, retrying in ${seconds}s: ${connection.reason}`, { color: "red" })];
    }
  }
}

/**
 * What the second line gives up, in turn, on a terminal too narrow for all of it: the clock, then the
 * agent's URL, then the tabs' full names, then the interval.
 */
const NARROWER = [
  { clock: true, target: true, interval: true, fullNames: true },
  { clock: false, target: true, interval: true, fullNames: true },
  { clock: false, target: false, interval: true, fullNames: true },
  { clock: false, target: false, interval: true, fullNames: false },
  { clock: false, target: false, interval: false, fullNames: false },
] as const;

/**
 * Two lines: the host (name, uptime), the agent (name, environment) and the OS; then pause, the
 * connection state, the interval, when the snapshot was taken, and the panels (the focused one inverse,
 * a count asking for action yellow). A narrow terminal loses the clock, the URL and the interval
 * before the tabs.
 */
export function Header({ info, snapshot, connection, target, tabs, focus, paused, width, now, staleSeconds }: HeaderProps): Line[] {
  const inv = info?.inventory;
  const host = snapshot?.host?.hostname ?? inv?.hostname ?? "…";
  const uptime = snapshot?.uptime_seconds;
  const bar = span(" │ ", { dim: true });
  const first = line(
    span(host, { bold: true, color: "cyan" }),
    uptime !== undefined ? ` · up ${formatDuration(uptime)}` : null,
    bar,
    "agent ",
    span(info?.name ?? "…", { bold: true }),
    info?.environment ? ` (${info.environment})` : null,
    bar,
    inv?.os ?? null,
    inv?.cpu_cores ? span(` · ${inv.cpu_cores} CPUs`, { dim: true }) : null,
    info?.version ? span(` · aiops-agent ${info.version}`, { dim: true }) : null,
  );
  const tabLine = (fullNames: boolean) =>
    line(
      tabs.map((tab, i) =>
        span(
          ` ${i + 1} ${fullNames ? tab.name : (tab.short ?? tab.name)}${tab.count ? ` ${tab.count}` : ""} `,
          i === focus ? { inverse: true, bold: true, color: "cyan" } : tab.urgent && tab.count ? { color: "yellow", bold: true } : undefined,
        ),
      ),
    );
  // The tabs (and their counts: firing alerts, runs awaiting approval) stay in view; the state before them gives way.
  const secondLine = (keep: (typeof NARROWER)[number]) =>
    line(
      paused ? line(span(" PAUSED ", { inverse: true, color: "yellow" }), " ") : null,
      connectionBadge(connection, keep.target ? target : undefined, now),
      keep.interval && info?.interval !== undefined ? span(` · every ${formatDuration(info.interval)}`, { dim: true }) : null,
      keep.clock && snapshot ? span(` · ${formatClock(snapshot.timestamp)}`, { dim: true }) : null,
      snapshot && staleSeconds !== undefined ? span(` · values from ${formatAgo(Date.parse(snapshot.timestamp), now)}`, { color: "yellow" }) : null,
      bar,
      tabLine(keep.fullNames),
    );
  const second = NARROWER.map(secondLine).find((l) => lineWidth(l) <= width) ?? secondLine(NARROWER.at(-1)!);
  return [first, second];
}
