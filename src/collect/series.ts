import type { Labels, Sample } from "../contracts/sample.ts";
import type { DiskIo, NetworkIo, Snapshot } from "../contracts/snapshot.ts";


/** A metric of the Series table: its name, meaning and how to read it out of a Snapshot. */
export interface SeriesDefinition {
  metric: string;
  help: string;
  /** Label names, in order. */
  labels: readonly string[];
  /** What the value measures, for the README table. */
  unit: "percent" | "bytes" | "bytes/s" | "1/s" | "seconds" | "count" | "cores" | "ratio";
  read(snapshot: Snapshot): Iterable<readonly [Labels, number]>;
  /** How the detectors watch it; absent: only stored and exported (counts, totals, limits, uptime). */
  detect?: SeriesDetection;
}

/**
 * What the detectors do with a series. Kept in this table so that it stays the one place that names
 * metrics; `src/detect/` reads it and holds the logic.
 */
export interface SeriesDetection {
  /** Learn its normal online and score anomalies (levels and rates; not counts, totals or limits). */
  statistical?: boolean;
  /**
   * A percent with a warning level: the finding type, the key of its level under `thresholds` in the
   * configuration, and what it measures, for the message (`High ${subject}: 91.20%`).
   */
  threshold?: { type: string; level: string; subject(labels: Labels): string };
  /** A percent of a resource that fills up: the finding type and what fills (`${subject} full in 3h 20m`). */
  forecast?: { type: string; subject(labels: Labels): string };
}

const NONE: Labels = Object.freeze({});

function* one(value: number | null | undefined): Iterable<readonly [Labels, number]> {
  if (value !== undefined && value !== null && Number.isFinite(value)) yield [NONE, value];
}

const LEARN: SeriesDetection = { statistical: true };

function diskIo(field: keyof DiskIo, help: string, unit: SeriesDefinition["unit"], detect?: SeriesDetection): SeriesDefinition[] {
  const name = field.replace(/_per_second$/, "");
  const perSecond = field.endsWith("_per_second") ? "_per_second" : "";
  return [
    {
      metric: `aiops_disk_${name}${perSecond}`,
      help: `${help}, per block device.`,
      labels: ["device"],
      unit,
      *read(s) {
        for (const d of s.disk_io?.devices ?? []) yield [{ device: d.device }, d[field]];
      },
      ...(detect ? { detect } : {}),
    },
    {
      metric: `aiops_disk_total_${name}${perSecond}`,
      help: `${help}, all block devices.`,
      labels: [],
      unit,
      read: (s) => one(s.disk_io?.total[field]),
      ...(detect ? { detect } : {}),
    },
  ];
}

/** Per-interface series learn only bytes; totals learn errors and drops too (usually zero, so any is news). */
function networkIo(field: keyof NetworkIo, help: string, perInterface?: SeriesDetection, total?: SeriesDetection): SeriesDefinition[] {
  return [
    {
      metric: `aiops_network_${field}`,
      help: `${help}, per interface.`,
      labels: ["device"],
      unit: field.includes("bytes") ? "bytes/s" : "1/s",
      *read(s) {
        for (const i of s.network?.interfaces ?? []) yield [{ device: i.device }, i[field]];
      },
      ...(perInterface ? { detect: perInterface } : {}),
    },
    {
      metric: `aiops_network_total_${field}`,
      help: `${help}, all interfaces but loopback.`,
      labels: [],
      unit: field.includes("bytes") ? "bytes/s" : "1/s",
      read: (s) => one(s.network?.total[field]),
      ...(total ? { detect: total } : {}),
    },
  ];
}

const PRESSURE_WINDOWS = [
  ["avg10", "10s"],
  ["avg60", "60s"],
  ["avg300", "300s"],
] as const;

/**
 * The Series table: every metric the agent publishes, in one place. Detectors, the store, `/metrics`,
 * the TUI and the README table all read it; nothing else names a metric.
 */
export const SERIES: readonly SeriesDefinition[] = [
  {
    metric: "aiops_cpu_usage_percent",
    help: "CPU busy time of all CPUs (not idle, not waiting for I/O).",
    labels: [],
    unit: "percent",
    read: (s) => one(s.cpu?.usage_percent),
    detect: { statistical: true, threshold: { type: "cpu_high", level: "cpu", subject: () => "CPU usage" } },
  },
  {
    metric: "aiops_cpu_core_usage_percent",
    help: "CPU busy time, per CPU.",
    labels: ["cpu"],
    unit: "percent",
    *read(s) {
      const perCpu = s.cpu?.per_cpu ?? [];
      for (let i = 0; i < perCpu.length; i++) yield [{ cpu: String(i) }, perCpu[i]!];
    },
  },
  {
    metric: "aiops_cpu_mode_percent",
    help: "CPU time spent in user, system, iowait and steal, all CPUs.",
    labels: ["mode"],
    unit: "percent",
    *read(s) {
      if (!s.cpu) return;
      yield [{ mode: "user" }, s.cpu.user_percent];
      yield [{ mode: "system" }, s.cpu.system_percent];
      yield [{ mode: "iowait" }, s.cpu.iowait_percent];
      yield [{ mode: "steal" }, s.cpu.steal_percent];
    },
    detect: LEARN,
  },
  { metric: "aiops_cpu_online", help: "Online CPUs.", labels: [], unit: "count", read: (s) => one(s.cpu?.count) },
  {
    metric: "aiops_memory_total_bytes",
    help: "Physical memory.",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.memory?.total),
  },
  {
    metric: "aiops_memory_available_bytes",
    help: "Memory available to new work without swapping (MemAvailable).",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.memory?.available),
  },
  {
    metric: "aiops_memory_used_bytes",
    help: "Memory in use: total minus available.",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.memory?.used),
  },
  {
    metric: "aiops_memory_usage_percent",
    help: "Memory in use, percent of total.",
    labels: [],
    unit: "percent",
    read: (s) => one(s.memory?.percent),
    detect: {
      statistical: true,
      threshold: { type: "memory_high", level: "memory", subject: () => "memory usage" },
      forecast: { type: "memory_full_forecast", subject: () => "Memory" },
    },
  },
  {
    metric: "aiops_swap_total_bytes",
    help: "Swap space.",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.memory?.swap.total),
  },
  {
    metric: "aiops_swap_used_bytes",
    help: "Swap space in use.",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.memory?.swap.used),
  },
  {
    metric: "aiops_swap_usage_percent",
    help: "Swap space in use, percent of total (0 without swap).",
    labels: [],
    unit: "percent",
    read: (s) => one(s.memory?.swap.percent),
    detect: { statistical: true, threshold: { type: "swap_high", level: "swap", subject: () => "swap usage" } },
  },
  ...(
    [
      ["total", "Filesystem size.", "bytes", undefined],
      ["used", "Filesystem space in use.", "bytes", undefined],
      ["free", "Filesystem space available to unprivileged users.", "bytes", undefined],
      [
        "percent",
        "Filesystem space in use, percent of what users can have (as df shows).",
        "percent",
        {
          statistical: true,
          threshold: { type: "disk_high", level: "disk", subject: (l: Labels) => `disk usage on ${l.mountpoint}` },
          forecast: { type: "disk_full_forecast", subject: (l: Labels) => `Disk ${l.mountpoint}` },
        },
      ],
      ["inodes_total", "Filesystem inodes.", "count", undefined],
      ["inodes_used", "Filesystem inodes in use.", "count", undefined],
      [
        "inodes_percent",
        "Filesystem inodes in use, percent.",
        "percent",
        {
          threshold: { type: "inodes_high", level: "inodes", subject: (l: Labels) => `inode usage on ${l.mountpoint}` },
          forecast: { type: "inodes_full_forecast", subject: (l: Labels) => `Inodes of ${l.mountpoint}` },
        },
      ],
    ] as const
  ).map(
    ([field, help, unit, detect]): SeriesDefinition => ({
      // Prometheus keeps `_total` for counters: the inode count is `aiops_disk_inodes`.
      metric:
        field === "percent"
          ? "aiops_disk_usage_percent"
          : field === "inodes_total"
            ? "aiops_disk_inodes"
            : field.startsWith("inodes")
              ? `aiops_disk_${field.replace("percent", "usage_percent")}`
              : `aiops_disk_${field}_bytes`,
      help: `${help} Per mounted filesystem.`,
      labels: ["mountpoint", "device", "fstype"],
      unit,
      *read(s) {
        for (const d of s.disks ?? []) yield [{ mountpoint: d.mountpoint, device: d.device, fstype: d.fstype }, d[field]];
      },
      ...(detect ? { detect } : {}),
    }),
  ),
  ...diskIo("read_bytes_per_second", "Bytes read", "bytes/s", LEARN),
  ...diskIo("write_bytes_per_second", "Bytes written", "bytes/s", LEARN),
  ...diskIo("reads_per_second", "Read operations completed", "1/s"),
  ...diskIo("writes_per_second", "Write operations completed", "1/s"),
  ...diskIo("busy_percent", "Time with I/O in flight, percent (iostat %util)", "percent", LEARN),
  ...networkIo("receive_bytes_per_second", "Bytes received", LEARN, LEARN),
  ...networkIo("transmit_bytes_per_second", "Bytes sent", LEARN, LEARN),
  ...networkIo("receive_packets_per_second", "Packets received"),
  ...networkIo("transmit_packets_per_second", "Packets sent"),
  ...networkIo("receive_errors_per_second", "Receive errors", undefined, LEARN),
  ...networkIo("transmit_errors_per_second", "Transmit errors", undefined, LEARN),
  ...networkIo("receive_drops_per_second", "Received packets dropped", undefined, LEARN),
  ...networkIo("transmit_drops_per_second", "Outgoing packets dropped", undefined, LEARN),
  {
    metric: "aiops_uptime_seconds",
    help: "Time since the host booted.",
    labels: [],
    unit: "seconds",
    read: (s) => one(s.uptime_seconds),
  },
  { metric: "aiops_load1", help: "Load average over 1 minute.", labels: [], unit: "count", read: (s) => one(s.load?.load1) },
  { metric: "aiops_load5", help: "Load average over 5 minutes.", labels: [], unit: "count", read: (s) => one(s.load?.load5) },
  {
    metric: "aiops_load15",
    help: "Load average over 15 minutes.",
    labels: [],
    unit: "count",
    read: (s) => one(s.load?.load15),
  },
  {
    metric: "aiops_pressure_stalled_percent",
    help: "Share of time tasks stalled on a resource (PSI), by resource, kind (some or full) and window.",
    labels: ["resource", "kind", "window"],
    unit: "percent",
    *read(s) {
      for (const resource of ["cpu", "memory", "io"] as const) {
        const r = s.pressure?.[resource];
        if (!r) continue;
        for (const kind of ["some", "full"] as const) {
          const line = r[kind];
          if (!line) continue;
          for (const [field, window] of PRESSURE_WINDOWS) yield [{ resource, kind, window }, line[field]];
        }
      }
    },
  },
  {
    metric: "aiops_cgroup_memory_usage_bytes",
    help: "Memory charged to the agent's cgroup.",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.cgroup?.memory_usage),
  },
  {
    metric: "aiops_cgroup_memory_limit_bytes",
    help: "Memory limit of the agent's cgroup (absent when unlimited).",
    labels: [],
    unit: "bytes",
    read: (s) => one(s.cgroup?.memory_limit),
  },
  {
    metric: "aiops_cgroup_memory_usage_percent",
    help: "Memory charged to the agent's cgroup, percent of its limit.",
    labels: [],
    unit: "percent",
    read: (s) => one(s.cgroup?.memory_percent),
    detect: {
      statistical: true,
      threshold: { type: "cgroup_memory_high", level: "cgroup_memory", subject: () => "cgroup memory usage" },
      forecast: { type: "cgroup_memory_full_forecast", subject: () => "Cgroup memory" },
    },
  },
  {
    metric: "aiops_cgroup_cpu_limit_cores",
    help: "CPU quota of the agent's cgroup, in CPUs (absent when unlimited).",
    labels: [],
    unit: "cores",
    read: (s) => one(s.cgroup?.cpu_limit_cores),
  },
  {
    metric: "aiops_cgroup_cpu_usage_percent",
    help: "CPU used by the agent's cgroup, percent of one CPU.",
    labels: [],
    unit: "percent",
    read: (s) => one(s.cgroup?.cpu_usage_percent),
    detect: LEARN,
  },
  {
    metric: "aiops_cgroup_cpu_throttled_per_second",
    help: "Scheduler periods in which the agent's cgroup was throttled, per second.",
    labels: [],
    unit: "1/s",
    read: (s) => one(s.cgroup?.cpu_throttled_per_second),
    detect: LEARN,
  },
  {
    metric: "aiops_cgroup_pids",
    help: "Tasks in the agent's cgroup.",
    labels: [],
    unit: "count",
    read: (s) => one(s.cgroup?.pids_current),
  },
  {
    metric: "aiops_cgroup_pids_limit",
    help: "Task limit of the agent's cgroup (absent when unlimited).",
    labels: [],
    unit: "count",
    read: (s) => one(s.cgroup?.pids_limit),
  },
];

/** Flattens a Snapshot into samples, in the order of the Series table. */
export function toSamples(snapshot: Snapshot): Sample[] {
  const samples: Sample[] = [];
  for (const def of SERIES) {
    for (const [labels, value] of def.read(snapshot)) {
      if (Number.isFinite(value)) samples.push({ metric: def.metric, labels, value });
    }
  }
  return samples;
}
