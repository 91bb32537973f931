import os from "node:os";
import type { Clock } from "../clock.ts";
import type { Collector } from "./collector.ts";
import type { NetworkIo } from "../contracts/snapshot.ts";
import { round } from "./linux/counter.ts";
import { NO_TRAFFIC } from "./linux/network.ts";

/**
 * systeminformation is loaded on first use, not at start: it is large (resident memory) and Linux
 * agents only touch it once, for the start-up inventory.
 */
export async function loadSystemInformation(): Promise<typeof import("systeminformation")> {
  return (await import("systeminformation")).default;
}

/**
 * The collector for hosts that are not Linux (macOS, Windows, BSD), through systeminformation.
 * It starts programs on every call, so it is never used where procfs is available; the benchmark runs
 * it on Linux only to compare. The clock's wall time turns uptime into a boot time.
 */
export function createFallbackCollector(clock: Clock): Collector {
  return {
    name: "systeminformation",
    async collect() {
      const si = await loadSystemInformation();
      const [load, mem, fs, net, time] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats("*"), si.time()]);
      const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
      const disks = fs
        .filter((d) => d.size > 0)
        .map((d) => ({
          mountpoint: d.mount,
          device: d.fs,
          fstype: d.type,
          total: d.size,
          used: d.used,
          free: d.available,
          percent: round(d.use),
          inodes_total: 0,
          inodes_used: 0,
          inodes_free: 0,
          inodes_percent: 0,
          read_only: d.rw === false,
        }));
      const root = disks.find((d) => d.mountpoint === "/") ?? disks[0];
      // systeminformation reports packets, errors and drops only as totals, not rates: those stay 0.
      const interfaces = net.map((n) => ({
        ...NO_TRAFFIC,
        device: n.iface,
        receive_bytes_per_second: round(Math.max(0, n.rx_sec ?? 0)),
        transmit_bytes_per_second: round(Math.max(0, n.tx_sec ?? 0)),
      }));
      const total = interfaces
        .filter((i) => !/^(lo\d*|Loopback.*)$/i.test(i.device))
        .reduce<NetworkIo>(
          (sum, i) => ({ ...sum, receive_bytes_per_second: sum.receive_bytes_per_second + i.receive_bytes_per_second, transmit_bytes_per_second: sum.transmit_bytes_per_second + i.transmit_bytes_per_second }),
          { ...NO_TRAFFIC },
        );
      const available = mem.available;
      return {
        host: { hostname: os.hostname(), boot_time: new Date(clock.wallMs() - time.uptime * 1000).toISOString() },
        cpu: {
          usage_percent: round(load.currentLoad),
          count: load.cpus.length,
          per_cpu: load.cpus.map((c) => round(c.load)),
          user_percent: round(load.currentLoadUser + load.currentLoadNice),
          system_percent: round(load.currentLoadSystem + load.currentLoadIrq),
          iowait_percent: 0,
          steal_percent: round(load.currentLoadSteal),
        },
        memory: {
          total: mem.total,
          available,
          used: mem.total - available,
          free: mem.free,
          percent: mem.total > 0 ? round((100 * (mem.total - available)) / mem.total) : 0,
          buffers: mem.buffers,
          cached: mem.cached,
          swap: { total: mem.swaptotal, used: mem.swapused, free: mem.swapfree, percent: mem.swaptotal > 0 ? round((100 * mem.swapused) / mem.swaptotal) : 0 },
        },
        disks,
        ...(root ? { disk: { total: root.total, used: root.used, free: root.free, percent: root.percent } } : {}),
        ...(interfaces.length > 0 ? { network: { interfaces, total } } : {}),
        uptime_seconds: time.uptime,
        load: { load1, load5, load15 },
      };
    },
  };
}
