import { Box, Text } from "ink";
import type { ReactElement } from "react";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { formatBytes, formatNumber, formatPercent, formatRate, truncate } from "../format.ts";
import type { SparkKey } from "../sparklines.ts";
import { GAUGE_METRICS, type ThresholdLevels, colourAt } from "../thresholds.ts";
import { Gauge } from "./Gauge.tsx";
import { PerCpu, perCpuLayout } from "./PerCpu.tsx";
import { Sparkline } from "./Sparkline.tsx";

export interface HostPanelProps {
  snapshot?: Snapshot;
  /** Levels by metric, as the agent sends them. */
  thresholds: ThresholdLevels;
  history: Readonly<Partial<Record<SparkKey, readonly number[]>>>;
  width: number;
  /** Lines it may use; filesystems beyond them are counted in a `+N more` line. */
  height: number;
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

/** Every line of the panel, filesystems last; `fixed` counts the lines before them. */
function hostLines(props: Omit<HostPanelProps, "height">): { lines: ReactElement[]; fixed: number } {
  const { snapshot: s, thresholds: t, history, width } = props;
  if (!s) return { lines: [<Text key="wait" dimColor>Waiting for the first snapshot…</Text>], fixed: 1 };
  const { labelWidth, barWidth, detailWidth, sparkWidth } = columns(s, width);
  const gauge = { labelWidth, barWidth, detailWidth, sparkWidth };
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
  for (const d of s.disks ?? []) {
    const inodes = d.inodes_total > 0 ? d.inodes_percent : undefined;
    const inodeColour = inodes !== undefined ? colourAt(inodes, levelOf("inodes")) : undefined;
    lines.push(
      <Text key={`disk-${d.mountpoint}`} wrap="truncate-end">
        <Gauge label={d.mountpoint} percent={d.percent} level={levelOf("disk")} detail={`${formatBytes(d.used)} / ${formatBytes(d.total)}`} {...gauge} />
        {inodes !== undefined && sparkWidth > 0 ? (
          <Text>
            {" "}
            <Text dimColor>inodes </Text>
            <Text color={inodeColour === "green" ? undefined : inodeColour} dimColor={inodeColour === "green"}>
              {formatPercent(inodes)}
            </Text>
            {d.read_only ? <Text dimColor> ro</Text> : null}
          </Text>
        ) : null}
      </Text>,
    );
  }
  return { lines, fixed };
}

/** Lines the panel needs to show everything: the layout gives it this many when the terminal has them. */
export function hostPanelHeight(props: Omit<HostPanelProps, "height">): number {
  return hostLines(props).lines.length;
}

/** Lines the panel needs without its filesystems (it shows at least one, or their count). */
export function hostPanelMinHeight(props: Omit<HostPanelProps, "height">): number {
  const { lines, fixed } = hostLines(props);
  return Math.min(lines.length, fixed + 1);
}

/**
 * The host at a glance: CPU (total and per CPU), memory, swap, load, network and disk I/O with units,
 * pressure when the kernel has it, the container's limits, and each filesystem's usage, the
 * percentages coloured by the configured levels.
 */
export function HostPanel(props: HostPanelProps) {
  const { lines, fixed } = hostLines(props);
  const height = Math.max(1, props.height);
  let shown = lines;
  if (lines.length > height) {
    const disks = lines.length - fixed;
    const room = Math.max(0, height - fixed);
    // Keep the fixed lines; filesystems that do not fit are summed up in the last line.
    shown = room > 0 && disks > 0 ? [...lines.slice(0, fixed + room - 1), more(disks - room + 1, props.width)] : lines.slice(0, height);
  }
  return (
    <Box flexDirection="column" height={height} width={props.width} overflow="hidden">
      {shown.map((line, i) => (
        <Box key={i} height={1}>
          {line}
        </Box>
      ))}
    </Box>
  );
}

function more(count: number, width: number): ReactElement {
  return <Text dimColor>{truncate(`+${count} more filesystem${count === 1 ? "" : "s"} (a taller terminal shows them)`, width)}</Text>;
}
