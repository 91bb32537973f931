import type { Clock } from "../../clock.ts";
import type { Collector } from "../collector.ts";
import type { LoadSection } from "../../contracts/snapshot.ts";
import type { HostPaths } from "./host-paths.ts";
import { readHostFile, readProcFile } from "./proc-file.ts";

/** Seconds since boot, from the first field of /proc/uptime. */
export function parseUptime(text: string): number {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds)) throw new Error(`unreadable /proc/uptime: ${JSON.stringify(text.slice(0, 40))}`);
  return seconds;
}

/** The three load averages of /proc/loadavg. */
export function parseLoadavg(text: string): LoadSection {
  const [load1, load5, load15] = text.trim().split(/\s+/).map(Number);
  if (![load1, load5, load15].every((v) => Number.isFinite(v))) throw new Error(`unreadable /proc/loadavg: ${JSON.stringify(text.slice(0, 40))}`);
  return { load1: load1!, load5: load5!, load15: load15! };
}

/** How long a read host name is trusted: it rarely changes, and every read costs a system call. */
const HOSTNAME_TTL_MS = 60_000;

/** Host name, uptime and load averages. The clock's wall time turns uptime into a boot time. */
export function createHostCollector(paths: HostPaths, clock: Clock): Collector {
  let hostname = "";
  let hostnameAt = Number.NEGATIVE_INFINITY;
  return {
    name: "host",
    collect(now) {
      const uptime = parseUptime(readHostFile(paths.proc("uptime")));
      if (now - hostnameAt >= HOSTNAME_TTL_MS) {
        hostname = readProcFile(paths.proc("sys", "kernel", "hostname"), "utf8").trim();
        hostnameAt = now;
      }
      // Whole seconds: the boot time must not wobble from one tick to the next.
      const bootTime = new Date(Math.round((clock.wallMs() - uptime * 1000) / 1000) * 1000).toISOString();
      return {
        host: { hostname, boot_time: bootTime },
        uptime_seconds: uptime,
        load: parseLoadavg(readHostFile(paths.proc("loadavg"))),
      };
    },
  };
}
