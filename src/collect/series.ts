import type { DiskIo, NetworkIo, Snapshot } from "./snapshot.ts";

/** Label names and values of one series, e.g. `{ device: "eth0" }`. */
export type Labels = Readonly<Record<string, string>>;

/** One value of one series at one time: the unit detectors, the store and `/metrics` share. */
export interface Sample {
  metric: string;
  labels: Labels;
  value: number;
}

/** A metric of the Series table: its name, meaning and how to read it out of a Snapshot. */
export interface SeriesDefinition {
  metric: string;
  help: string;
  /** Label names, in order. */
  labels: readonly string[];
  /** What the value measures, for the README table. */
  unit: "percent" | "bytes" | "bytes/s" | "1/s" | "seconds" | "count" | "cores" | "ratio";
  read(snapshot: Snapshot): Iterable<readonly [Labels, number]>;
}

const NONE: Labels = Object.freeze({});

function* one(value: number | null | undefined): Iterable<readonly [Labels, number]> {
  if (value !== undefined && value !== null && Number.isFinite(value)) yield [NONE, value];
}

function diskIo(field: keyof DiskIo, help: string, unit: SeriesDefinition["unit"]): SeriesDefinition[] {
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
    },
    {
      metric: `aiops_disk_total_${name}${perSecond}`,
      help: `${help}, all block devices.`,
      labels: [],
      unit,
      read: (s) => one(s.disk_io?.total[field]),
    },
  ];
}

function networkIo(field: keyof NetworkIo, help: string): SeriesDefinition[] {
  return [
    {
      metric: `aiops_network_${field}`,
      help: `${help}, per interface.`,
      labels: ["device"],
      unit: field.includes("bytes") ? "bytes/s" : "1/s",
      *read(s) {
        for (const i of s.network?.interfaces ?? []) yield [{ device: i.device }, i[field]];
      },
    },
    {
      metric: `aiops_network_total_${field}`,
      help: `${help}, all interfaces but loopback.`,
      labels: [],
      unit: field.includes("bytes") ? "bytes/s" : "1/s",
      read: (s) => one(s.network?.total[field]),
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
  },
  ...(
    [
      ["total", "Filesystem size.", "bytes"],
      ["used", "Filesystem space in use.", "bytes"],
      ["free", "Filesystem space available to unprivileged users.", "bytes"],
      ["percent", "Filesystem space in use, percent of what users can have (as df shows).", "percent"],
      ["inodes_total", "Filesystem inodes.", "count"],
      ["inodes_used", "Filesystem inodes in use.", "count"],
      ["inodes_percent", "Filesystem inodes in use, percent.", "percent"],
    ] as const
  ).map(
    ([field, help, unit]): SeriesDefinition => ({
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
    }),
  ),
  ...diskIo("read_bytes_per_second", "Bytes read", "bytes/s"),
  ...diskIo("write_bytes_per_second", "Bytes written", "bytes/s"),
  ...diskIo("reads_per_second", "Read operations completed", "1/s"),
  ...diskIo("writes_per_second", "Write operations completed", "1/s"),
  ...diskIo("busy_percent", "Time with I/O in flight, percent (iostat %util)", "percent"),
  ...networkIo("receive_bytes_per_second", "Bytes received"),
  ...networkIo("transmit_bytes_per_second", "Bytes sent"),
  ...networkIo("receive_packets_per_second", "Packets received"),
  ...networkIo("transmit_packets_per_second", "Packets sent"),
  ...networkIo("receive_errors_per_second", "Receive errors"),
  ...networkIo("transmit_errors_per_second", "Transmit errors"),
  ...networkIo("receive_drops_per_second", "Received packets dropped"),
  ...networkIo("transmit_drops_per_second", "Outgoing packets dropped"),
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
  },
  {
    metric: "aiops_cgroup_cpu_throttled_per_second",
    help: "Scheduler periods in which the agent's cgroup was throttled, per second.",
    labels: [],
    unit: "1/s",
    read: (s) => one(s.cgroup?.cpu_throttled_per_second),
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

/** The identity of a series as one string, `metric{a="1",b="2"}`, labels in the table's order. */
export function seriesKey(metric: string, labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return metric;
  return `${metric}{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(",")}}`;
}
