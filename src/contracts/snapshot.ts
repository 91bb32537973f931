/**
 * The Snapshot: everything one collection cycle learned about the host, in the JSON shape of DESIGN.md.
 * Units: bytes, seconds, percent 0–100; rates are per second, measured between two cycles.
 * A section that could not be collected this cycle is absent; `errors` says why.
 */
export interface Snapshot {
  /** ISO-8601 time the cycle started. */
  timestamp: string;
  host?: HostSection;
  cpu?: CpuSection;
  memory?: MemorySection;
  /** The root filesystem, as in DESIGN.md's shape; every mount is in `disks`. */
  disk?: FilesystemUsage;
  disks?: MountUsage[];
  disk_io?: DiskIoSection;
  network?: NetworkSection;
  uptime_seconds?: number;
  load?: LoadSection;
  /** Pressure stall information; null when the kernel has none (before 4.20, or PSI disabled). */
  pressure?: PressureSection | null;
  /** Limits and usage of the agent's own cgroup; null outside a limited container. */
  cgroup?: CgroupSection | null;
  /** Processes: counts by state and the busiest ones (the full list is served by /api/v1/processes). */
  processes?: ProcessesSection;
  /** Containers and pods found in the cgroup v2 hierarchy; null when the host has no cgroup v2 hierarchy. */
  containers?: ContainerUsage[] | null;
  /** Temperatures and fans from hwmon; null when the host exposes none (most virtual machines). */
  sensors?: SensorsSection | null;
  /** Metrics from `*.prom` files of `collect.textfile.directory` (node_exporter's textfile convention). */
  textfile?: TextfileSection;
  /** What the exec plugins of `collect.plugins` last reported. */
  plugins?: PluginsSection;
  /** Collectors that failed this cycle, by name, with the reason. */
  errors?: Record<string, string>;
  /** Present only when `collect.max_series` left series out this cycle: how many, and whose. */
  series_cap?: SeriesCapSection;
}

/**
 * Series left out by `collect.max_series`: they are not learned, stored or exported until a place
 * frees. The core series (CPU, memory, load, the root filesystem) are never among them.
 */
export interface SeriesCapSection {
  max_series: number;
  max_series_per_collector: number;
  /** Series kept this cycle. */
  kept: number;
  /** Series left out this cycle, in all and by collector. */
  dropped: number;
  dropped_by_collector: Record<string, number>;
}

export interface HostSection {
  hostname: string;
  boot_time: string;
}

export interface CpuSection {
  /** Busy share of all CPUs: 100 − idle − iowait. */
  usage_percent: number;
  count: number;
  per_cpu: number[];
  user_percent: number;
  system_percent: number;
  iowait_percent: number;
  steal_percent: number;
}

export interface MemorySection {
  total: number;
  available: number;
  used: number;
  free: number;
  percent: number;
  buffers: number;
  cached: number;
  swap: { total: number; used: number; free: number; percent: number };
}

export interface FilesystemUsage {
  total: number;
  used: number;
  free: number;
  percent: number;
}

export interface MountUsage extends FilesystemUsage {
  mountpoint: string;
  device: string;
  fstype: string;
  inodes_total: number;
  inodes_used: number;
  inodes_free: number;
  inodes_percent: number;
  read_only: boolean;
}

export interface DiskIo {
  read_bytes_per_second: number;
  write_bytes_per_second: number;
  reads_per_second: number;
  writes_per_second: number;
  /** Share of wall time the device had I/O in flight (iostat's %util). */
  busy_percent: number;
}

export interface DiskIoSection {
  devices: Array<DiskIo & { device: string }>;
  total: DiskIo;
}

export interface NetworkIo {
  receive_bytes_per_second: number;
  transmit_bytes_per_second: number;
  receive_packets_per_second: number;
  transmit_packets_per_second: number;
  receive_errors_per_second: number;
  transmit_errors_per_second: number;
  receive_drops_per_second: number;
  transmit_drops_per_second: number;
}

export interface NetworkSection {
  interfaces: Array<NetworkIo & { device: string }>;
  /** Sum over every interface except loopback. */
  total: NetworkIo;
}

export interface LoadSection {
  load1: number;
  load5: number;
  load15: number;
}

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Stall time, microseconds, as the kernel counts it. */
  total: number;
}

export interface PressureResource {
  some: PressureLine;
  /** Absent for CPU on kernels before 5.13. */
  full?: PressureLine;
}

export interface PressureSection {
  cpu?: PressureResource;
  memory?: PressureResource;
  io?: PressureResource;
}

export interface CgroupSection {
  version: 1 | 2;
  path: string;
  memory_usage: number;
  /** null when the cgroup has no memory limit. */
  memory_limit: number | null;
  memory_percent: number | null;
  /** CPUs' worth of quota (quota / period); null when unlimited. */
  cpu_limit_cores: number | null;
  /** CPU used by the cgroup, percent of one core. */
  cpu_usage_percent: number;
  /** Periods in which the cgroup was throttled, per second. */
  cpu_throttled_per_second: number;
  pids_current: number | null;
  pids_limit: number | null;
}

/** Process states as /proc/<pid>/stat gives them, by name. */
export type ProcessState = "running" | "sleeping" | "disk_sleep" | "zombie" | "stopped" | "tracing_stop" | "dead" | "idle" | "parked" | "other";

/** One process as the agent sees it: a row of /api/v1/processes, an entry of a finding's `top_processes`. */
export interface ProcessInfo {
  pid: number;
  /** The kernel's short name (comm: the program, at most 15 characters). */
  name: string;
  /** The command line, arguments joined by spaces; `[name]` for a kernel thread. */
  command: string;
  /** Owner (effective user): its name on the host, or the uid when the host's /etc/passwd has none. */
  user: string;
  state: ProcessState;
  /** CPU used since the last collection, percent of one CPU (200 is two CPUs busy), as top shows it. */
  cpu_percent: number;
  /** Resident memory. */
  memory_bytes: number;
  /** How fast resident memory grew over about the last minute, bytes per second (negative: it shrank). */
  memory_growth_bytes_per_second: number;
  /** Bytes read from and written to storage per second; null when the agent may not read /proc/<pid>/io. */
  read_bytes_per_second: number | null;
  write_bytes_per_second: number | null;
  threads: number;
  /** ISO-8601 time the process started. */
  start_time: string;
}

export interface ProcessesSection {
  /** Processes seen (threads are counted in `threads`). */
  count: number;
  /** Threads of every process. */
  threads: number;
  /** Processes by state (running, sleeping, disk_sleep, zombie, stopped, idle...). */
  by_state: Partial<Record<ProcessState, number>>;
  /**
   * The top N by CPU and the top N by resident memory (`collect.processes.top`), each process once,
   * busiest first: what `/metrics` exports as `aiops_process_*`.
   */
  top: ProcessInfo[];
  /**
   * `restricted` when /proc hides other users' processes from the agent (hidepid, systemd's
   * ProtectProc=invisible): the counts and lists then cover only the processes it may see.
   */
  visibility: "all" | "restricted";
}

/** One container (Docker, containerd, CRI-O, Podman) or Kubernetes pod container, from its cgroup v2 directory. */
export interface ContainerUsage {
  /** The container id read from the cgroup path (64 hex digits). */
  id: string;
  runtime: "docker" | "containerd" | "cri-o" | "podman" | "kubernetes";
  /** The pod's uid when the container belongs to a Kubernetes pod, else null. */
  pod_uid: string | null;
  /** Its cgroup, relative to the cgroup v2 root. */
  cgroup: string;
  /** CPU used, percent of one CPU. */
  cpu_percent: number;
  memory_bytes: number;
  /** memory.max; null when unlimited. */
  memory_limit: number | null;
  /** Memory in use, percent of the limit; null when unlimited. */
  memory_percent: number | null;
  read_bytes_per_second: number;
  write_bytes_per_second: number;
  pids: number;
  pids_limit: number | null;
}

export interface TemperatureSensor {
  /** The hwmon chip's name (coretemp, k10temp, nvme, acpitz...). */
  chip: string;
  /** The sensor's label (`Package id 0`, `Composite`), or its file name (`temp1`) when it has none. */
  sensor: string;
  celsius: number;
  /** The chip's own limits, when it has them: high (`temp*_max`) and critical (`temp*_crit`). */
  high: number | null;
  critical: number | null;
}

export interface FanSensor {
  chip: string;
  sensor: string;
  rpm: number;
  /** The chip's lowest allowed speed (`fan*_min`), when set. */
  min: number | null;
}

export interface SensorsSection {
  temperatures: TemperatureSensor[];
  fans: FanSensor[];
}

/** Prometheus metric types, as `# TYPE` lines name them. */
export type MetricType = "gauge" | "counter" | "untyped" | "histogram" | "summary";

/** A metric family read from outside the Series table (a textfile or a plugin), with its own name, HELP and TYPE. */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** Each sample with its full name (`_bucket`, `_sum`, `_count` for histograms and summaries). */
  samples: Array<{ name: string; labels: Readonly<Record<string, string>>; value: number }>;
}

export interface TextfileSection {
  /** Every `*.prom` file of the directory, with the reason when it could not be used this time. */
  files: Array<{ file: string; mtime_seconds: number; error: string | null }>;
  /** The families of every good file, merged by name. */
  families: MetricFamily[];
}

/** The last run of one exec plugin. */
export interface PluginRun {
  plugin: string;
  format: "prometheus" | "nagios" | "json";
  /** ISO-8601 end of the run. */
  finished_at: string;
  duration_seconds: number;
  exit_code: number | null;
  /** Why the run's output was not used (time-out, too much output, exit code, bad line); null when it was. */
  error: string | null;
  /** Nagios plugins: the status (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and the first line of output. */
  nagios?: { status: 0 | 1 | 2 | 3; text: string; perfdata: NagiosPerfdata[] };
}

/** One performance datum of a Nagios plugin (`'label'=value[unit];warn;crit;min;max`), in base units. */
export interface NagiosPerfdata {
  label: string;
  value: number;
  /** `seconds`, `percent`, `bytes`, `counter`, or empty for a plain number. */
  unit: string;
}

export interface PluginsSection {
  runs: PluginRun[];
  /** Series of every plugin whose last run succeeded; each sample carries a `plugin` label. */
  families: MetricFamily[];
}
