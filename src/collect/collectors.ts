import type { Config } from "../config/schema.ts";
import type { Collector } from "./collector.ts";
import { createFallbackCollector } from "./fallback.ts";
import { createCgroupCollector } from "./linux/cgroup.ts";
import { createCpuCollector } from "./linux/cpu.ts";
import { createDiskCollector } from "./linux/disk.ts";
import { createDiskstatsCollector } from "./linux/diskstats.ts";
import { createHostCollector } from "./linux/host.ts";
import { createHostPaths } from "./linux/host-paths.ts";
import { createMemoryCollector } from "./linux/memory.ts";
import { createNetworkCollector } from "./linux/network.ts";
import { createPressureCollector } from "./linux/pressure.ts";

export interface CollectorDeps {
  /** Defaults to the running platform. */
  platform?: NodeJS.Platform;
  /** Root of the agent's own files (for its cgroup); `/` except in tests. */
  selfRoot?: string;
  /** One-time notices from collectors (e.g. "this kernel has no PSI"). */
  notice?: (message: string) => void;
}

/**
 * The list of collectors, in one place. On Linux: procfs, sysfs and statfs only, no process spawned.
 * Elsewhere: systeminformation.
 */
export function createCollectors(config: Config, deps: CollectorDeps = {}): Collector[] {
  if ((deps.platform ?? process.platform) !== "linux") return [createFallbackCollector()];
  const host = createHostPaths(config.agent.host_root);
  return [
    createCpuCollector(host),
    createMemoryCollector(host),
    createDiskCollector(host, {
      excludeFsTypes: config.collect.disk.exclude_fs_types,
      excludeMountPoints: new RegExp(config.collect.disk.exclude_mount_points),
      timeoutMs: config.collect.timeout * 1000,
    }),
    createDiskstatsCollector(host),
    createNetworkCollector(host, { excludeDevices: new RegExp(config.collect.network.exclude_devices) }),
    createHostCollector(host),
    createPressureCollector(host, deps.notice),
    createCgroupCollector(createHostPaths(deps.selfRoot ?? "/")),
  ];
}
