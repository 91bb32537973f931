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
import { createContainersCollector } from "./linux/containers.ts";
import { createHwmonCollector } from "./linux/hwmon.ts";
import { createProcessesCollector } from "./linux/processes.ts";
import type { PluginRunner } from "./plugins/exec-plugins.ts";
import { createPluginsCollector } from "./plugins/plugins-collector.ts";
import { createTextfileCollector } from "./plugins/textfile.ts";
import type { ProcessTable } from "./process-table.ts";

export interface CollectorDeps {
  /** Wall time for the boot time; timers for time-outs. */
  clock: Clock;
  /** Defaults to the running platform. */
  platform?: NodeJS.Platform;
  /** One-time notices from collectors (e.g. "this kernel has no PSI"). */
  notice?: (message: string) => void;
  /** Problems a collector works around, told once when they start (a bad textfile). */
  warn?: (message: string) => void;
  /** Where the processes collector keeps the full list (for /api/v1/processes and root-cause context). */
  processTable?: ProcessTable;
  /** The exec plugins, run off the tick; their last results join the Snapshot. */
  plugins?: PluginRunner;
  /** Most /proc files kept open between ticks (0: read each afresh, as replays of captured trees must). */
  maxHeldFiles?: number;
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
  // Turned off on reload: the last list must not go on naming processes in root-cause context.
  if (!config.collect.processes.enabled) deps.processTable?.clear();
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
    ...(config.collect.processes.enabled
      ? [
          createProcessesCollector(host, {
            top: config.collect.processes.top,
            intervalMs: config.collect.processes.interval * 1000,
            ...(deps.processTable ? { table: deps.processTable } : {}),
            ...(deps.notice ? { notice: deps.notice } : {}),
            ...(deps.maxHeldFiles !== undefined ? { maxHeld: deps.maxHeldFiles } : {}),
          }),
        ]
      : []),
    ...(config.collect.containers.enabled
      ? [createContainersCollector(host, { max: config.collect.containers.max, ...(deps.notice ? { notice: deps.notice } : {}) })]
      : []),
    ...(config.collect.sensors.enabled ? [createHwmonCollector(host)] : []),
    ...(config.collect.textfile.directory
      ? [
          createTextfileCollector({
            directory: config.collect.textfile.directory,
            ...(deps.warn ? { warn: deps.warn } : {}),
            ...(deps.notice ? { info: deps.notice } : {}),
          }),
        ]
      : []),
    ...(deps.plugins && config.collect.plugins.length > 0 ? [createPluginsCollector(deps.plugins)] : []),
  ];
}
