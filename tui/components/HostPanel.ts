import { type Severity, severityAt } from "../../src/contracts/finding.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { formatBytes, formatNumber, formatPercent, formatRate, truncate } from "../format.ts";
import { type Line, line, span, withStyle } from "../line.ts";
import type { SparkKey } from "../sparklines.ts";
import { GAUGE_METRICS, type ThresholdLevels, colourAt } from "../thresholds.ts";
import { Gauge, levelMark } from "./Gauge.ts";
import { PerCpu, perCpuLayout } from "./PerCpu.ts";
import { Sparkline } from "./Sparkline.ts";

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
  lines: Line[];
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
  if (!s) return { lines: [[span("Waiting for the first snapshot…", { dim: true })]], fixed: 1, critical: [] };
  const { labelWidth, barWidth, detailWidth, sparkWidth } = columns(s, width);
  const gauge = { labelWidth, barWidth, detailWidth, sparkWidth, stale };
  const levelOf = (name: keyof typeof GAUGE_METRICS) => t[GAUGE_METRICS[name]];
  const label = (text: string) => span(`${text.padEnd(labelWidth)} `, { bold: true });
  const lines: Line[] = [];

  if (s.cpu) {
    const c = s.cpu;
    const detail = `usr ${Math.round(c.user_percent)}% sys ${Math.round(c.system_percent)}% io ${Math.round(c.iowait_percent)}%`;
    lines.push(Gauge({ label: "CPU", percent: c.usage_percent, level: levelOf("cpu"), detail, history: history.cpu ?? [], ...gauge }));
    if (c.per_cpu.length > 1) {
      const layout = perCpuLayout(c.per_cpu.length, labelWidth, width, PER_CPU_LINES);
      layout.rows.forEach(([start, end], row) => {
        lines.push(
          PerCpu({
            values: c.per_cpu.slice(start, end),
            numbers: layout.numbers,
            label: row > 0 ? "" : layout.numbers ? "per CPU" : `${c.per_cpu.length} CPUs`,
            labelWidth,
            level: levelOf("cpu"),
            hidden: row === layout.rows.length - 1 ? layout.hidden : 0,
            stale,
          }),
        );
      });
    }
  }
  if (s.memory) {
    const m = s.memory;
    lines.push(Gauge({ label: "Mem", percent: m.percent, level: levelOf("memory"), detail: `${formatBytes(m.used)} / ${formatBytes(m.total)}`, history: history.memory ?? [], ...gauge }));
    if (m.swap.total > 0) {
      lines.push(Gauge({ label: "Swap", percent: m.swap.percent, level: levelOf("swap"), detail: `${formatBytes(m.swap.used)} / ${formatBytes(m.swap.total)}`, history: history.swap ?? [], ...gauge }));
    } else {
      lines.push(line(label("Swap"), span("none", { dim: true })));
    }
  }
  if (s.load) {
    const cores = s.cpu?.count ?? 0;
    const text = `${formatNumber(s.load.load1)}  ${formatNumber(s.load.load5)}  ${formatNumber(s.load.load15)}${cores > 0 ? `  (${formatNumber(s.load.load1 / cores)} per CPU)` : ""}`;
    lines.push(line(label("Load"), `${text.padEnd(barWidth + detailWidth + 8)} `, Sparkline({ values: history.load1 ?? [], width: sparkWidth })));
  }
  const pair = (name: string, a: [string, number, SparkKey], b: [string, number, SparkKey]): Line => {
    const spark = Math.max(0, Math.floor((width - labelWidth - 2 * 15 - 4) / 2));
    return line(
      label(name),
      `${a[0]} ${formatRate(a[1]).padStart(10)} `,
      Sparkline({ values: history[a[2]] ?? [], width: spark }),
      `  ${b[0]} ${formatRate(b[1]).padStart(10)} `,
      Sparkline({ values: history[b[2]] ?? [], width: spark }),
    );
  };
  if (s.network) lines.push(pair("Net", ["rx", s.network.total.receive_bytes_per_second, "rx"], ["tx", s.network.total.transmit_bytes_per_second, "tx"]));
  if (s.disk_io) lines.push(pair("Disk", ["rd", s.disk_io.total.read_bytes_per_second, "diskRead"], ["wr", s.disk_io.total.write_bytes_per_second, "diskWrite"]));
  if (s.pressure) {
    const p = s.pressure;
    const part = (name: string, r: { some: { avg10: number } } | undefined) => (r ? `${name} ${formatPercent(r.some.avg10)}` : undefined);
    const parts = [part("cpu", p.cpu), part("mem", p.memory), part("io", p.io)].filter(Boolean).join("  ");
    lines.push(line(label("PSI"), parts, span("  stalled, some avg10", { dim: true })));
  }
  if (s.cgroup && (s.cgroup.memory_limit !== null || s.cgroup.cpu_limit_cores !== null)) {
    const g = s.cgroup;
    const memColour = g.memory_percent !== null ? colourAt(g.memory_percent, levelOf("cgroup_memory")) : undefined;
    lines.push(
      line(
        label("cgroup"),
        g.memory_limit !== null && g.memory_percent !== null
          ? line("mem ", span(formatPercent(g.memory_percent), memColour ? { color: memColour } : undefined), ` of ${formatBytes(g.memory_limit)}  `)
          : null,
        `cpu ${formatPercent(g.cpu_usage_percent)} of ${g.cpu_limit_cores !== null ? `${formatNumber(g.cpu_limit_cores)} cores` : "one core"}`,
      ),
    );
  }
  for (const [name, reason] of Object.entries(s.errors ?? {})) {
    lines.push(withStyle(line(label("!"), `${name} collector failed: ${reason}`), { color: "yellow" }));
  }
  if (s.series_cap) {
    const c = s.series_cap;
    const whose = Object.entries(c.dropped_by_collector)
      .map(([name, n]) => `${name} ${n}`)
      .join(", ");
    const text = `${c.dropped} series left out by collect.max_series (${c.max_series} in all, ${c.max_series_per_collector} per collector): ${whose}`;
    lines.push(withStyle(line(label("Series"), truncate(text, Math.max(1, width - labelWidth - 1))), { color: "yellow" }));
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
    const inodeText =
      inodes !== undefined && sparkWidth > 0
        ? line(
            " ",
            span("inodes ", { dim: true }),
            span(`${formatPercent(inodes)}${levelMark(inodes, inodeLevel).trim()}`, inodeColour === "green" || !inodeColour ? { dim: inodeColour === "green" || stale } : { color: inodeColour }),
            d.read_only ? span(" ro", { dim: true }) : null,
          )
        : null;
    lines.push(line(Gauge({ label: d.mountpoint, percent: d.percent, level: diskLevel, detail: `${formatBytes(d.used)} / ${formatBytes(d.total)}`, ...gauge }), inodeText && stale ? withStyle(inodeText, { dim: true }) : inodeText));
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
function linesThatFit(content: HostContent, height: number, width: number): Line[] {
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
 * pressure when the kernel has it, the container's limits, collectors that failed, series left out by
 * `collect.max_series`, and each filesystem's usage (fullest first), the percentages coloured and marked
 * by the configured levels.
 */
export function HostPanel(props: HostPanelViewProps): Line[] {
  const content = props.content ?? hostContent(props);
  const shown = linesThatFit(content, Math.max(1, props.height), props.width);
  return props.stale ? shown.map((l) => withStyle(l, { dim: true })) : shown;
}

function more(count: number, width: number): Line {
  return [span(truncate(`+${count} more filesystem${count === 1 ? "" : "s"} (a taller terminal shows them)`, width), { dim: true })];
}
