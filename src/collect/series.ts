import { type Labels, seriesKey } from "../contracts/sample.ts";
import type { ContainerUsage, DiskIo, MetricFamily, NetworkIo, ProcessInfo, Snapshot } from "../contracts/snapshot.ts";


/** A metric of the Series table: its name, meaning and how to read it out of a Snapshot. */
export interface SeriesDefinition {
  metric: string;
  /** The collector whose section it reads: what `collect.max_series.per_collector` counts by. */
  collector: string;
  help: string;
  /** Label names, in order. */
  labels: readonly string[];
  /** What the value measures, for the README table. */
  unit: "percent" | "bytes" | "bytes/s" | "1/s" | "seconds" | "count" | "cores" | "ratio" | "celsius" | "rpm";
  /**
   * Reads its series out of a Snapshot: `emit` once per series, with its value and its label values in
   * the order of `labels`. A callback rather than labels objects and an iterator: the flattener reads
   * every series of the host on every tick, and this way a tick allocates nothing for a series it
   * already knows (see `seriesOf` for the labelled form).
   */
  each(snapshot: Snapshot, emit: SeriesEmit): void;
  /** How the detectors watch it; absent: only stored and exported (counts, totals, limits, uptime). */
  detect?: SeriesDetection;
  /**
   * Which of its series are the host's core (CPU, memory, load, the root filesystem), never left out by
   * `collect.max_series`. A metric without labels is always core: it has one series, bounded by the table.
   */
  core?: (labels: Labels) => boolean;
}

const ALWAYS = () => true;

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
  /**
   * Its series name something that does not come back once gone (a container id): the detectors
   * forget what they learned of one soon after it stops reporting, not after `detect.forget_after`.
   */
  ephemeral?: true;
}

/**
 * One series of a definition: its value (absent, null or not finite: no series this time), then its
 * label values in the order of the definition's `labels` (the table has at most three).
 */
export type SeriesEmit = (value: number | null | undefined, a?: string, b?: string, c?: string) => void;

/** The series of one definition in a Snapshot, each with its labels object; only those with a finite value. */
export function seriesOf(def: SeriesDefinition, snapshot: Snapshot): Array<readonly [Labels, number]> {
  const out: Array<readonly [Labels, number]> = [];
  def.each(snapshot, (value, a, b, c) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    out.push([labelsOf(def.labels, a, b, c), value]);
  });
  return out;
}

/** The labels object of a series from its label names and values (`emit`'s order). */
export function labelsOf(names: readonly string[], a?: string, b?: string, c?: string): Labels {
  const labels: Record<string, string> = {};
  if (names.length > 0) labels[names[0]!] = a ?? "";
  if (names.length > 1) labels[names[1]!] = b ?? "";
  if (names.length > 2) labels[names[2]!] = c ?? "";
  return labels;
}

const LEARN: SeriesDetection = { statistical: true };

function diskIo(field: keyof DiskIo, help: string, unit: SeriesDefinition["unit"], detect?: SeriesDetection): SeriesDefinition[] {
  const name = field.replace(/_per_second$/, "");
  const perSecond = field.endsWith("_per_second") ? "_per_second" : "";
  return [
    {
      metric: `aiops_disk_${name}${perSecond}`,
      collector: "diskstats",
      help: `${help}, per block device.`,
      labels: ["device"],
      unit,
      each(s, emit) {
        for (const d of s.disk_io?.devices ?? []) emit(d[field], d.device);
      },
      ...(detect ? { detect } : {}),
    },
    {
      metric: `aiops_disk_total_${name}${perSecond}`,
      collector: "diskstats",
      help: `${help}, all block devices.`,
      labels: [],
      unit,
      each: (s, emit) => emit(s.disk_io?.total[field]),
      ...(detect ? { detect } : {}),
    },
  ];
}

/** Per-interface series learn only bytes; totals learn errors and drops too (usually zero, so any is news). */
function networkIo(field: keyof NetworkIo, help: string, perInterface?: SeriesDetection, total?: SeriesDetection): SeriesDefinition[] {
  return [
    {
      metric: `aiops_network_${field}`,
      collector: "network",
      help: `${help}, per interface.`,
      labels: ["device"],
      unit: field.includes("bytes") ? "bytes/s" : "1/s",
      each(s, emit) {
        for (const i of s.network?.interfaces ?? []) emit(i[field], i.device);
      },
      ...(perInterface ? { detect: perInterface } : {}),
    },
    {
      metric: `aiops_network_total_${field}`,
      collector: "network",
      help: `${help}, all interfaces but loopback.`,
      labels: [],
      unit: field.includes("bytes") ? "bytes/s" : "1/s",
      each: (s, emit) => emit(s.network?.total[field]),
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
    collector: "cpu",
    help: "CPU busy time of all CPUs (not idle, not waiting for I/O).",
    labels: [],
    unit: "percent",
    each: (s, emit) => emit(s.cpu?.usage_percent),
    detect: { statistical: true, threshold: { type: "cpu_high", level: "cpu", subject: () => "CPU usage" } },
  },
  {
    metric: "aiops_cpu_core_usage_percent",
    collector: "cpu",
    help: "CPU busy time, per CPU.",
    labels: ["cpu"],
    unit: "percent",
    core: ALWAYS,
    each(s, emit) {
      const perCpu = s.cpu?.per_cpu ?? [];
      for (let i = 0; i < perCpu.length; i++) emit(perCpu[i]!, String(i));
    },
  },
  {
    metric: "aiops_cpu_mode_percent",
    collector: "cpu",
    help: "CPU time spent in user, system, iowait and steal, all CPUs.",
    labels: ["mode"],
    unit: "percent",
    core: ALWAYS,
    each(s, emit) {
      if (!s.cpu) return;
      emit(s.cpu.user_percent, "user");
      emit(s.cpu.system_percent, "system");
      emit(s.cpu.iowait_percent, "iowait");
      emit(s.cpu.steal_percent, "steal");
    },
    detect: LEARN,
  },
  { metric: "aiops_cpu_online", collector: "cpu", help: "Online CPUs.", labels: [], unit: "count", each: (s, emit) => emit(s.cpu?.count) },
  {
    metric: "aiops_memory_total_bytes",
    collector: "memory",
    help: "Physical memory.",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.memory?.total),
  },
  {
    metric: "aiops_memory_available_bytes",
    collector: "memory",
    help: "Memory available to new work without swapping (MemAvailable).",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.memory?.available),
  },
  {
    metric: "aiops_memory_used_bytes",
    collector: "memory",
    help: "Memory in use: total minus available.",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.memory?.used),
  },
  {
    metric: "aiops_memory_usage_percent",
    collector: "memory",
    help: "Memory in use, percent of total.",
    labels: [],
    unit: "percent",
    each: (s, emit) => emit(s.memory?.percent),
    detect: {
      statistical: true,
      threshold: { type: "memory_high", level: "memory", subject: () => "memory usage" },
      forecast: { type: "memory_full_forecast", subject: () => "Memory" },
    },
  },
  {
    metric: "aiops_swap_total_bytes",
    collector: "memory",
    help: "Swap space.",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.memory?.swap.total),
  },
  {
    metric: "aiops_swap_used_bytes",
    collector: "memory",
    help: "Swap space in use.",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.memory?.swap.used),
  },
  {
    metric: "aiops_swap_usage_percent",
    collector: "memory",
    help: "Swap space in use, percent of total (0 without swap).",
    labels: [],
    unit: "percent",
    each: (s, emit) => emit(s.memory?.swap.percent),
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
      collector: "disk",
      help: `${help} Per mounted filesystem.`,
      labels: ["mountpoint", "device", "fstype"],
      core: (l) => l.mountpoint === "/",
      unit,
      each(s, emit) {
        for (const d of s.disks ?? []) emit(d[field], d.mountpoint, d.device, d.fstype);
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
    collector: "host",
    help: "Time since the host booted.",
    labels: [],
    unit: "seconds",
    each: (s, emit) => emit(s.uptime_seconds),
  },
  { metric: "aiops_load1", collector: "host", help: "Load average over 1 minute.", labels: [], unit: "count", each: (s, emit) => emit(s.load?.load1) },
  { metric: "aiops_load5", collector: "host", help: "Load average over 5 minutes.", labels: [], unit: "count", each: (s, emit) => emit(s.load?.load5) },
  {
    metric: "aiops_load15",
    collector: "host",
    help: "Load average over 15 minutes.",
    labels: [],
    unit: "count",
    each: (s, emit) => emit(s.load?.load15),
  },
  {
    metric: "aiops_pressure_stalled_percent",
    collector: "pressure",
    help: "Share of time tasks stalled on a resource (PSI), by resource, kind (some or full) and window.",
    labels: ["resource", "kind", "window"],
    unit: "percent",
    each(s, emit) {
      for (const resource of ["cpu", "memory", "io"] as const) {
        const r = s.pressure?.[resource];
        if (!r) continue;
        for (const kind of ["some", "full"] as const) {
          const line = r[kind];
          if (!line) continue;
          for (const [field, window] of PRESSURE_WINDOWS) emit(line[field], resource, kind, window);
        }
      }
    },
  },
  {
    metric: "aiops_cgroup_memory_usage_bytes",
    collector: "cgroup",
    help: "Memory charged to the agent's cgroup.",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.cgroup?.memory_usage),
  },
  {
    metric: "aiops_cgroup_memory_limit_bytes",
    collector: "cgroup",
    help: "Memory limit of the agent's cgroup (absent when unlimited).",
    labels: [],
    unit: "bytes",
    each: (s, emit) => emit(s.cgroup?.memory_limit),
  },
  {
    metric: "aiops_cgroup_memory_usage_percent",
    collector: "cgroup",
    help: "Memory charged to the agent's cgroup, percent of its limit.",
    labels: [],
    unit: "percent",
    each: (s, emit) => emit(s.cgroup?.memory_percent),
    detect: {
      statistical: true,
      threshold: { type: "cgroup_memory_high", level: "cgroup_memory", subject: () => "cgroup memory usage" },
      forecast: { type: "cgroup_memory_full_forecast", subject: () => "Cgroup memory" },
    },
  },
  {
    metric: "aiops_cgroup_cpu_limit_cores",
    collector: "cgroup",
    help: "CPU quota of the agent's cgroup, in CPUs (absent when unlimited).",
    labels: [],
    unit: "cores",
    each: (s, emit) => emit(s.cgroup?.cpu_limit_cores),
  },
  {
    metric: "aiops_cgroup_cpu_usage_percent",
    collector: "cgroup",
    help: "CPU used by the agent's cgroup, percent of one CPU.",
    labels: [],
    unit: "percent",
    each: (s, emit) => emit(s.cgroup?.cpu_usage_percent),
    detect: LEARN,
  },
  {
    metric: "aiops_cgroup_cpu_throttled_per_second",
    collector: "cgroup",
    help: "Scheduler periods in which the agent's cgroup was throttled, per second.",
    labels: [],
    unit: "1/s",
    each: (s, emit) => emit(s.cgroup?.cpu_throttled_per_second),
    detect: LEARN,
  },
  {
    metric: "aiops_cgroup_pids",
    collector: "cgroup",
    help: "Tasks in the agent's cgroup.",
    labels: [],
    unit: "count",
    each: (s, emit) => emit(s.cgroup?.pids_current),
  },
  {
    metric: "aiops_cgroup_pids_limit",
    collector: "cgroup",
    help: "Task limit of the agent's cgroup (absent when unlimited).",
    labels: [],
    unit: "count",
    each: (s, emit) => emit(s.cgroup?.pids_limit),
  },  ...processSeries(),
  {
    metric: "aiops_processes",
    collector: "processes",
    help: "Processes by state (running, sleeping, disk_sleep, zombie, stopped, idle...).",
    labels: ["state"],
    unit: "count",
    each(s, emit) {
      for (const [state, count] of Object.entries(s.processes?.by_state ?? {})) emit(count, state);
    },
  },
  {
    metric: "aiops_processes_threads",
    collector: "processes",
    help: "Threads of every process.",
    labels: [],
    unit: "count",
    each: (s, emit) => emit(s.processes?.threads),
  },
  ...containerSeries(),
  {
    metric: "aiops_sensor_temperature_celsius",
    collector: "hwmon",
    help: "Temperature of a hwmon sensor.",
    labels: ["chip", "sensor"],
    unit: "celsius",
    each(s, emit) {
      for (const t of s.sensors?.temperatures ?? []) emit(t.celsius, t.chip, t.sensor);
    },
    detect: LEARN,
  },
  {
    metric: "aiops_sensor_temperature_high_celsius",
    collector: "hwmon",
    help: "High limit the chip sets for a sensor (temp*_max; absent when it has none).",
    labels: ["chip", "sensor"],
    unit: "celsius",
    each(s, emit) {
      for (const t of s.sensors?.temperatures ?? []) if (t.high !== null) emit(t.high, t.chip, t.sensor);
    },
  },
  {
    metric: "aiops_sensor_temperature_critical_celsius",
    collector: "hwmon",
    help: "Critical limit the chip sets for a sensor (temp*_crit; absent when it has none): a finding is raised past it.",
    labels: ["chip", "sensor"],
    unit: "celsius",
    each(s, emit) {
      for (const t of s.sensors?.temperatures ?? []) if (t.critical !== null) emit(t.critical, t.chip, t.sensor);
    },
  },
  {
    metric: "aiops_sensor_fan_rpm",
    collector: "hwmon",
    help: "Speed of a fan.",
    labels: ["chip", "sensor"],
    unit: "rpm",
    each(s, emit) {
      for (const f of s.sensors?.fans ?? []) emit(f.rpm, f.chip, f.sensor);
    },
    detect: LEARN,
  },
  {
    metric: "aiops_textfile_scrape_error",
    collector: "textfile",
    help: "Whether a *.prom file of the textfile directory could not be used this time (1) or could (0).",
    labels: ["file"],
    unit: "count",
    each(s, emit) {
      for (const f of s.textfile?.files ?? []) emit(f.error === null ? 0 : 1, f.file);
    },
  },
  {
    metric: "aiops_textfile_mtime_seconds",
    collector: "textfile",
    help: "Modification time of a *.prom file of the textfile directory, seconds since the epoch.",
    labels: ["file"],
    unit: "seconds",
    each(s, emit) {
      for (const f of s.textfile?.files ?? []) emit(f.mtime_seconds, f.file);
    },
  },
  {
    metric: "aiops_plugin_up",
    collector: "plugins",
    help: "Whether an exec plugin's last run gave usable output (1) or not (0: time-out, too much output, exit code, bad output).",
    labels: ["plugin"],
    unit: "count",
    each(s, emit) {
      for (const r of s.plugins?.runs ?? []) emit(r.error === null ? 1 : 0, r.plugin);
    },
  },
  {
    metric: "aiops_plugin_perfdata",
    collector: "plugins",
    help: "Performance data of a Nagios plugin's last run, in base units (seconds, percent, bytes, counter).",
    labels: ["plugin", "label", "unit"],
    unit: "count",
    each(s, emit) {
      for (const r of s.plugins?.runs ?? []) for (const p of r.nagios?.perfdata ?? []) emit(p.value, r.plugin, p.label, p.unit);
    },
    detect: LEARN,
  },
  {
    metric: "aiops_plugin_nagios_status",
    collector: "plugins",
    help: "Status of a Nagios plugin's last run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    labels: ["plugin"],
    unit: "count",
    each(s, emit) {
      for (const r of s.plugins?.runs ?? []) if (r.nagios) emit(r.nagios.status, r.plugin);
    },
  },
];

/** Per-process series of the busiest processes (`collect.processes.top` by CPU and by memory). */
function processSeries(): SeriesDefinition[] {
  const series = (metric: string, help: string, unit: SeriesDefinition["unit"], value: (p: ProcessInfo) => number | null): SeriesDefinition => ({
    metric,
    collector: "processes",
    help: `${help} Of the busiest processes by CPU and by memory (collect.processes.top of each).`,
    labels: ["pid", "name"],
    unit,
    each(s, emit) {
      for (const p of s.processes?.top ?? []) {
        const v = value(p);
        if (v !== null) emit(v, String(p.pid), p.name);
      }
    },
  });
  return [
    series("aiops_process_cpu_usage_percent", "CPU used by a process, percent of one CPU.", "percent", (p) => p.cpu_percent),
    series("aiops_process_resident_memory_bytes", "Resident memory of a process.", "bytes", (p) => p.memory_bytes),
    series("aiops_process_read_bytes_per_second", "Bytes a process read from storage (absent when the agent may not read its I/O).", "bytes/s", (p) => p.read_bytes_per_second),
    series("aiops_process_write_bytes_per_second", "Bytes a process wrote to storage (absent when the agent may not read its I/O).", "bytes/s", (p) => p.write_bytes_per_second),
    series("aiops_process_threads", "Threads of a process.", "count", (p) => p.threads),
  ];
}

/** Per-container series, labelled with the container id, the pod uid (empty outside Kubernetes) and the runtime. */
function containerSeries(): SeriesDefinition[] {
  const series = (
    metric: string,
    help: string,
    unit: SeriesDefinition["unit"],
    value: (c: ContainerUsage) => number | null,
    detect?: SeriesDetection,
  ): SeriesDefinition => ({
    metric,
    collector: "containers",
    help: `${help} Per container (cgroup v2).`,
    labels: ["container_id", "pod_uid", "runtime"],
    unit,
    each(s, emit) {
      for (const c of s.containers ?? []) {
        const v = value(c);
        if (v !== null) emit(v, c.id, c.pod_uid ?? "", c.runtime);
      }
    },
    // A container that goes gets a new id when it comes back: what was learned of the old one is not wanted for long.
    ...(detect ? { detect: { ...detect, ephemeral: true } } : {}),
  });
  return [
    series("aiops_container_cpu_usage_percent", "CPU used by a container, percent of one CPU.", "percent", (c) => c.cpu_percent, LEARN),
    series("aiops_container_memory_usage_bytes", "Memory charged to a container.", "bytes", (c) => c.memory_bytes),
    series("aiops_container_memory_limit_bytes", "Memory limit of a container (absent when unlimited).", "bytes", (c) => c.memory_limit),
    series("aiops_container_memory_usage_percent", "Memory charged to a container, percent of its limit (absent when unlimited).", "percent", (c) => c.memory_percent, {
      statistical: true,
      threshold: { type: "container_memory_high", level: "cgroup_memory", subject: (l) => `memory of container ${l.container_id?.slice(0, 12)}` },
    }),
    series("aiops_container_read_bytes_per_second", "Bytes a container read from storage.", "bytes/s", (c) => c.read_bytes_per_second, LEARN),
    series("aiops_container_write_bytes_per_second", "Bytes a container wrote to storage.", "bytes/s", (c) => c.write_bytes_per_second, LEARN),
    series("aiops_container_pids", "Tasks in a container.", "count", (c) => c.pids),
    series("aiops_container_pids_limit", "Task limit of a container (absent when unlimited).", "count", (c) => c.pids_limit),
  ];
}

/**
 * The metric families from outside the Series table (textfiles, then plugins), merged by name so that
 * each family is exported once. A series already given by an earlier source is not repeated.
 */
export function externalFamilies(snapshot: Snapshot): MetricFamily[] {
  const sources = [snapshot.textfile?.families ?? [], snapshot.plugins?.families ?? []];
  // The textfile collector has merged its files already.
  if (sources[1]!.length === 0) return sources[0]!;
  const byName = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  for (const families of sources) {
    for (const f of families) {
      let merged = byName.get(f.name);
      if (!merged) byName.set(f.name, (merged = { ...f, samples: [] }));
      for (const s of f.samples) {
        const key = seriesKey(s.name, s.labels);
        if (seen.has(key)) continue;
        seen.add(key);
        merged.samples.push(s);
      }
    }
  }
  return [...byName.values()];
}
