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
  /** Collectors that failed this cycle, by name, with the reason. */
  errors?: Record<string, string>;
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
