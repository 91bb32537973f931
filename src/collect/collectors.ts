import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { Collector } from "./collector.ts";
import { createFallbackCollector } from "./fallback.ts";
import { createCgroupCollector } from "./linux/cgroup.ts";
import { createCpuCollector } from "./linux/cpu.ts";
import { type FsStats, createDiskCollector } from "./linux/disk.ts";
import { createDiskstatsCollector } from "./linux/diskstats.ts";
import { createHostCollector } from "./linux/host.ts";
import { type HostPaths, createHostPaths } from "./linux/host-paths.ts";
import { createMemoryCollector } from "./linux/memory.ts";
import { createNetworkCollector } from "./linux/network.ts";
import { createPressureCollector } from "./linux/pressure.ts";

export interface CollectorDeps {
  /** Wall time for the boot time; timers for time-outs. */
  clock: Clock;
  /** Defaults to the running platform. */
  platform?: NodeJS.Platform;
  /** One-time notices from collectors (e.g. "this kernel has no PSI"). */
  notice?: (message: string) => void;
  /** Overrides for tests replaying captured trees: where the host is, statfs results. */
  hostPaths?: HostPaths;
  selfPaths?: HostPaths;
  statfsSync?: (path: string) => FsStats;
}

/**
 * The list of collectors, in one place. On Linux: procfs, sysfs and statfs only, no process spawned.
 * Elsewhere: systeminformation.
 */
export function createCollectors(config: Config, deps: CollectorDeps): Collector[] {
  if ((deps.platform ?? process.platform) !== "linux") return [createFallbackCollector(deps.clock)];
  const host = deps.hostPaths ?? createHostPaths(config.agent.host_root);
  return [
    createCpuCollector(host),
    createMemoryCollector(host),
    createDiskCollector(host, {
      excludeFsTypes: config.collect.disk.exclude_fs_types,
      excludeMountPoints: new RegExp(config.collect.disk.exclude_mount_points),
      timeoutMs: config.collect.timeout * 1000,
      clock: deps.clock,
      ...(deps.statfsSync ? { statfsSync: deps.statfsSync } : {}),
    }),
    createDiskstatsCollector(host),
    createNetworkCollector(host, { excludeDevices: new RegExp(config.collect.network.exclude_devices) }),
    createHostCollector(host, deps.clock),
    createPressureCollector(host, deps.notice),
    createCgroupCollector(deps.selfPaths ?? createHostPaths("/")),
  ];
}
