import { finding as sharedFinding } from "../support/findings.ts";
import type { Inventory } from "../../src/collect/inventory.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import type { AgentInfo, DataSource, SourceEvent, SourceListener } from "../../tui/source.ts";
import { loadConfig } from "../../src/config/load.ts";
import { thresholdLevelsOf } from "../../src/detect/threshold-levels.ts";
import type { ThresholdLevels } from "../../tui/thresholds.ts";

/** A hand-written snapshot of a small 4-CPU host, every section filled, numbers easy to check. */
export const SNAPSHOT: Snapshot = {
  timestamp: "2026-11-26T17:00:00.000Z",
  host: { hostname: "web-1", boot_time: "2026-11-23T13:00:00.000Z" },
  cpu: { usage_percent: 45.2, count: 4, per_cpu: [42, 48.4, 91, 97.5], user_percent: 30, system_percent: 15.2, iowait_percent: 1, steal_percent: 0 },
  memory: {
    total: 8 * 1024 ** 3,
    available: 4 * 1024 ** 3,
    used: 4 * 1024 ** 3,
    free: 1024 ** 3,
    percent: 50,
    buffers: 0,
    cached: 0,
    swap: { total: 2 * 1024 ** 3, used: 512 * 1024 ** 2, free: 1.5 * 1024 ** 3, percent: 25 },
  },
  disk: { total: 100 * 1024 ** 3, used: 91 * 1024 ** 3, free: 9 * 1024 ** 3, percent: 91 },
  disks: [
    { mountpoint: "/", device: "/dev/sda1", fstype: "ext4", total: 100 * 1024 ** 3, used: 91 * 1024 ** 3, free: 9 * 1024 ** 3, percent: 91, inodes_total: 1000, inodes_used: 120, inodes_free: 880, inodes_percent: 12, read_only: false },
    { mountpoint: "/boot", device: "/dev/sda2", fstype: "ext4", total: 1024 ** 3, used: 256 * 1024 ** 2, free: 768 * 1024 ** 2, percent: 25, inodes_total: 100, inodes_used: 1, inodes_free: 99, inodes_percent: 1, read_only: false },
  ],
  disk_io: {
    devices: [],
    total: { read_bytes_per_second: 2_500_000, write_bytes_per_second: 300_000, reads_per_second: 20, writes_per_second: 5, busy_percent: 3 },
  },
  network: {
    interfaces: [],
    total: {
      receive_bytes_per_second: 1_250_000,
      transmit_bytes_per_second: 64_000,
      receive_packets_per_second: 900,
      transmit_packets_per_second: 300,
      receive_errors_per_second: 0,
      transmit_errors_per_second: 0,
      receive_drops_per_second: 0,
      transmit_drops_per_second: 0,
    },
  },
  uptime_seconds: 3 * 86400 + 4 * 3600 + 5 * 60,
  load: { load1: 1.52, load5: 0.98, load15: 0.4 },
  pressure: {
    cpu: { some: { avg10: 2.5, avg60: 1, avg300: 0.5, total: 1 } },
    memory: { some: { avg10: 0, avg60: 0, avg300: 0, total: 0 }, full: { avg10: 0, avg60: 0, avg300: 0, total: 0 } },
    io: { some: { avg10: 12.25, avg60: 3, avg300: 1, total: 9 } },
  },
  cgroup: null,
};

export const INVENTORY: Inventory = {
  hostname: "web-1",
  os: "Debian GNU/Linux 12 (bookworm)",
  kernel: "6.1.0",
  arch: "x64",
  cpu_model: "Test CPU",
  cpu_cores: 4,
  virtualization: "",
  system: "",
};

/** The levels an agent on its defaults sends (CPU 80, memory 85, disk 90, critical 95...). */
export const LEVELS: ThresholdLevels = thresholdLevelsOf(loadConfig({ env: {} }).config);

export const INFO: AgentInfo = { name: "web-1-agent", environment: "staging", version: "0.1.0", inventory: INVENTORY, interval: 1, thresholds: LEVELS };

/** A finding as the TUI shows it: the shared test finding, at the time of the hand-written snapshot. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return sharedFinding({ score: 1, timestamp: "2026-11-26T17:00:00.000Z", ...overrides });
}

/** A source that replays `events` on start and lets a test push more. */
export function fakeSource(events: SourceEvent[] = [], label = "in-process"): DataSource & { push(event: SourceEvent): void; stopped: boolean } {
  let listener: SourceListener | undefined;
  const source = {
    label,
    stopped: false,
    start(l: SourceListener) {
      listener = l;
      for (const e of events) l(e);
    },
    stop() {
      source.stopped = true;
      listener = undefined;
    },
    push(event: SourceEvent) {
      listener?.(event);
    },
  };
  return source;
}

/**
 * Ink colours through chalk, which finds no colour terminal under `bun test` (level 0). Colour tests
 * turn basic colours on for their duration and read the escape codes: red is 31, yellow 33, green 32.
 */
export async function withColours<T>(fn: () => T | Promise<T>): Promise<T> {
  const { default: chalk } = await import("chalk");
  const level = chalk.level;
  chalk.level = 1;
  try {
    return await fn();
  } finally {
    chalk.level = level;
  }
}

export const RED = "\u001b[31m";
export const YELLOW = "\u001b[33m";
export const GREEN = "\u001b[32m";

/** A frame without escape codes, for assertions on text. */
export function plain(frame: string | undefined): string {
  return (frame ?? "").replace(/\u001b\[[0-9;]*m/g, "");
}
