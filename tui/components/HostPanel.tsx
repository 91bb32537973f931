import { Box, Text } from "ink";
import { type ReactElement, memo } from "react";
import { type Severity, severityAt } from "../../src/contracts/finding.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { formatBytes, formatNumber, formatPercent, formatRate, truncate } from "../format.ts";
import type { SparkKey } from "../sparklines.ts";
import { GAUGE_METRICS, type ThresholdLevels, colourAt } from "../thresholds.ts";
import { Gauge, levelMark } from "./Gauge.tsx";
import { PerCpu, perCpuLayout } from "./PerCpu.tsx";
import { Sparkline } from "./Sparkline.tsx";

export interface HostPanelProps {
  snapshot?: Snapshot;
  /** Levels by metric, as the agent sends them. */
  thresholds: ThresholdLevels;
  history: Readonly<Partial<Record<SparkKey, readonly number[]>>>;
  width: number;
  /** Lines it may use; filesystems beyond them are counted in a `+N more` line (never a critical one). */
  height: number;
  /** Old values while the connection is down: drawn dim, without colours. */
  stale?: boolean;
}

/** What the panel shows, computed once per snapshot and size: the lines, and which filesystems are critical. */
export interface HostContent {
  lines: ReactElement[];
  /** Lines before the filesystems. */
  fixed: number;
  /** Whether each filesystem line (in order, after the fixed ones) is at the critical level. */
  critical: boolean[];
}

/** Most lines the per-CPU usage may take. */
const PER_CPU_LINES = 2;

/** Column widths of the gauges for a panel `width` columns wide. */
function columns(snapshot: Snapshot | undefined, width: number) {
  const longestMount = Math.max(0, ...(snapshot?.disks ?? []).map((d) => d.mountpoint.length));
  const labelWidth = Math.max(6, Math.min(longestMount, 14, Math.floor(width / 5)));
  const barWidth = Math.max(8, Math.min(30, Math.floor(width / 4)));
  const detailWidth = 21;
  const sparkWidth = Math.max(0, width - labelWidth - barWidth - detailWidth - 10);
  return { labelWidth, barWidth, detailWidth, sparkWidth };
}

const RANK: Record<Severity | "ok", number> = { ok: 0, warning: 1, critical: 2 };

/** Every line of the panel, filesystems last (fullest first); `fixed` counts the lines before them. */
export function hostContent(props: Omit<HostPanelProps, "height">): HostContent {
  const { snapshot: s, thresholds: t, history, width, stale = false } = props;
  if (!s) return { lines: [<Text key="wait" dimColor>Waiting for the first snapshot…</Text>], fixed: 1, critical: [] };
  const { labelWidth, barWidth, detailWidth, sparkWidth } = columns(s, width);
  const gauge = { labelWidth, barWidth, detailWidth, sparkWidth, stale };
  const levelOf = (name: keyof typeof GAUGE_METRICS) => t[GAUGE_METRICS[name]];
  const label = (text: string) => <Text bold>{text.padEnd(labelWidth)} </Text>;
  const lines: ReactElement[] = [];

  if (s.cpu) {
    const c = s.cpu;
    const detail = `usr ${Math.round(c.user_percent)}% sys ${Math.round(c.system_percent)}% io ${Math.round(c.iowait_percent)}%`;
    lines.push(<Gauge key="cpu" label="CPU" percent={c.usage_percent} level={levelOf("cpu")} detail={detail} history={history.cpu ?? []} {...gauge} />);
    if (c.per_cpu.length > 1) {
      const layout = perCpuLayout(c.per_cpu.length, labelWidth, width, PER_CPU_LINES);
      layout.rows.forEach(([start, end], row) => {
        lines.push(
          <PerCpu
            key={`per-cpu-${row}`}
            values={c.per_cpu.slice(start, end)}
            numbers={layout.numbers}
            label={row > 0 ? "" : layout.numbers ? "per CPU" : `${c.per_cpu.length} CPUs`}
            labelWidth={labelWidth}
            level={levelOf("cpu")}
            hidden={row === layout.rows.length - 1 ? layout.hidden : 0}
          />,
        );
      });
    }
  }
  if (s.memory) {
    const m = s.memory;
    lines.push(
      <Gauge key="mem" label="Mem" percent={m.percent} level={levelOf("memory")} detail={`${formatBytes(m.used)} / ${formatBytes(m.total)}`} history={history.memory ?? []} {...gauge} />,
    );
    if (m.swap.total > 0) {
      lines.push(
        <Gauge key="swap" label="Swap" percent={m.swap.percent} level={levelOf("swap")} detail={`${formatBytes(m.swap.used)} / ${formatBytes(m.swap.total)}`} history={history.swap ?? []} {...gauge} />,
      );
    } else {
      lines.push(
        <Text key="swap" wrap="truncate-end">
          {label("Swap")}
          <Text dimColor>none</Text>
        </Text>,
      );
    }
  }
  if (s.load) {
    const cores = s.cpu?.count ?? 0;
    const text = `${formatNumber(s.load.load1)}  ${formatNumber(s.load.load5)}  ${formatNumber(s.load.load15)}${cores > 0 ? `  (${formatNumber(s.load.load1 / cores)} per CPU)` : ""}`;
    lines.push(
      <Text key="load" wrap="truncate-end">
        {label("Load")}
        {text.padEnd(barWidth + detailWidth + 8)} <Sparkline values={history.load1 ?? []} width={sparkWidth} />
      </Text>,
    );
  }
  const pair = (key: string, name: string, a: [string, number, SparkKey], b: [string, number, SparkKey]) => {
    const spark = Math.max(0, Math.floor((width - labelWidth - 2 * 15 - 4) / 2));
    return (
      <Text key={key} wrap="truncate-end">
        {label(name)}
        {a[0]} {formatRate(a[1]).padStart(10)} <Sparkline values={history[a[2]] ?? []} width={spark} />
        {"  "}
        {b[0]} {formatRate(b[1]).padStart(10)} <Sparkline values={history[b[2]] ?? []} width={spark} />
      </Text>
    );
  };
  if (s.network) {
    lines.push(pair("net", "Net", ["rx", s.network.total.receive_bytes_per_second, "rx"], ["tx", s.network.total.transmit_bytes_per_second, "tx"]));
  }
  if (s.disk_io) {
    lines.push(pair("io", "Disk", ["rd", s.disk_io.total.read_bytes_per_second, "diskRead"], ["wr", s.disk_io.total.write_bytes_per_second, "diskWrite"]));
  }
  if (s.pressure) {
    const p = s.pressure;
    const part = (name: string, r: { some: { avg10: number } } | undefined) => (r ? `${name} ${formatPercent(r.some.avg10)}` : undefined);
    const parts = [part("cpu", p.cpu), part("mem", p.memory), part("io", p.io)].filter(Boolean).join("  ");
    lines.push(
      <Text key="psi" wrap="truncate-end">
        {label("PSI")}
        {parts}
        <Text dimColor>  stalled, some avg10</Text>
      </Text>,
    );
  }
  if (s.cgroup && (s.cgroup.memory_limit !== null || s.cgroup.cpu_limit_cores !== null)) {
    const g = s.cgroup;
    const memColour = g.memory_percent !== null ? colourAt(g.memory_percent, levelOf("cgroup_memory")) : undefined;
    lines.push(
      <Text key="cgroup" wrap="truncate-end">
        {label("cgroup")}
        {g.memory_limit !== null && g.memory_percent !== null ? (
          <Text>
            mem <Text color={memColour}>{formatPercent(g.memory_percent)}</Text> of {formatBytes(g.memory_limit)}{"  "}
          </Text>
        ) : null}
        cpu {formatPercent(g.cpu_usage_percent)} of {g.cpu_limit_cores !== null ? `${formatNumber(g.cpu_limit_cores)} cores` : "one core"}
      </Text>,
    );
  }
  for (const [name, reason] of Object.entries(s.errors ?? {})) {
    lines.push(
      <Text key={`err-${name}`} color="yellow" wrap="truncate-end">
        {label("!")}
        {name} collector failed: {reason}
      </Text>,
    );
  }
  const fixed = lines.length;
  const critical: boolean[] = [];
  const diskLevel = levelOf("disk");
  const inodeLevel = levelOf("inodes");
  const severityOf = (percent: number | undefined, level: typeof diskLevel) => (percent === undefined || !level ? "ok" : (severityAt(percent, level) ?? "ok"));
  // Fullest first: the filesystem about to fill is the one to see.
  const disks = [...(s.disks ?? [])].sort((a, b) => b.percent - a.percent || a.mountpoint.localeCompare(b.mountpoint));
  for (const d of disks) {
    const inodes = d.inodes_total > 0 ? d.inodes_percent : undefined;
    const inodeColour = inodes !== undefined && !stale ? colourAt(inodes, inodeLevel) : undefined;
    critical.push(RANK[severityOf(d.percent, diskLevel)] === 2 || RANK[severityOf(inodes, inodeLevel)] === 2);
    lines.push(
      <Text key={`disk-${d.mountpoint}`} wrap="truncate-end">
        <Gauge label={d.mountpoint} percent={d.percent} level={diskLevel} detail={`${formatBytes(d.used)} / ${formatBytes(d.total)}`} {...gauge} />
        {inodes !== undefined && sparkWidth > 0 ? (
          <Text dimColor={stale}>
            {" "}
            <Text dimColor>inodes </Text>
            <Text color={inodeColour === "green" ? undefined : inodeColour} dimColor={inodeColour === "green" || stale}>
              {formatPercent(inodes)}
              {levelMark(inodes, inodeLevel).trim()}
            </Text>
            {d.read_only ? <Text dimColor> ro</Text> : null}
          </Text>
        ) : null}
      </Text>,
    );
  }
  return { lines, fixed, critical };
}

/** Lines the panel needs to show everything: the layout gives it this many when the terminal has them. */
export function hostPanelHeight(props: Omit<HostPanelProps, "height">, content = hostContent(props)): number {
  return content.lines.length;
}

/**
 * Lines the panel cannot do without: everything before the filesystems, every critical filesystem, and
 * one more line (the fullest other filesystem, or the count of those left out).
 */
export function hostPanelMinHeight(props: Omit<HostPanelProps, "height">, content = hostContent(props)): number {
  const criticals = content.critical.filter(Boolean).length;
  return Math.min(content.lines.length, content.fixed + criticals + 1);
}

/** Which lines fit in `height`: the fixed ones, every critical filesystem, then the fullest others, in order. */
function linesThatFit(content: HostContent, height: number, width: number): ReactElement[] {
  const { lines, fixed, critical } = content;
  if (lines.length <= height) return lines;
  const disks = lines.slice(fixed);
  const room = height - fixed;
  if (room <= 0) return lines.slice(0, height);
  const criticals = critical.filter(Boolean).length;
  // Room for the criticals and the "+N more" line; the rest goes to the fullest of the others.
  let others = Math.max(0, room - 1 - criticals);
  const shown = disks.filter((_, i) => critical[i] || others-- > 0);
  const hidden = disks.length - shown.length;
  return [...lines.slice(0, fixed), ...shown.slice(0, Math.max(0, room - 1)), more(hidden, width)];
}

export interface HostPanelViewProps extends HostPanelProps {
  /** The content, when the caller has computed it already (once per snapshot). */
  content?: HostContent;
}

/**
 * The host at a glance: CPU (total and per CPU), memory, swap, load, network and disk I/O with units,
 * pressure when the kernel has it, the container's limits, and each filesystem's usage (fullest first),
 * the percentages coloured and marked by the configured levels.
 */
export const HostPanel = memo(function HostPanel(props: HostPanelViewProps) {
  const content = props.content ?? hostContent(props);
  const height = Math.max(1, props.height);
  const shown = linesThatFit(content, height, props.width);
  return (
    <Box flexDirection="column" height={height} width={props.width} overflow="hidden">
      {/* Each line is one truncated Text: no box per line, fewer nodes to lay out every tick. */}
      {props.stale
        ? shown.map((line, i) => (
            <Text key={i} dimColor wrap="truncate-end">
              {line}
            </Text>
          ))
        : shown}
    </Box>
  );
});

function more(count: number, width: number): ReactElement {
  return <Text dimColor>{truncate(`+${count} more filesystem${count === 1 ? "" : "s"} (a taller terminal shows them)`, width)}</Text>;
}
