import { existsSync } from "node:fs";
import type { Collector } from "../collector.ts";
import type { CgroupSection } from "../../contracts/snapshot.ts";
import { counterIncrease, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { readHostFile } from "./proc-file.ts";

/** Where the agent's own cgroup is, from /proc/self/cgroup: the v2 path, or v1 paths by controller. */
export interface CgroupMembership {
  version: 1 | 2;
  /** v2: the one path; v1: the memory controller's path. */
  path: string;
  v1?: Map<string, string>;
}

/** Parses /proc/self/cgroup (`0::/path` on v2; `N:controller,…:/path` per hierarchy on v1 and hybrid). */
export function parseCgroupMembership(text: string): CgroupMembership | undefined {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of text.split("\n")) {
    const match = line.match(/^(\d+):([^:]*):(.*)$/);
    if (!match) continue;
    if (match[1] === "0" && match[2] === "") unified = match[3]!;
    else for (const controller of match[2]!.split(",")) v1.set(controller, match[3]!);
  }
  // Hybrid hosts mount v1 controllers beside an empty v2 tree: the limits live in v1.
  if (v1.has("memory") || v1.has("cpu")) return { version: 1, path: v1.get("memory") ?? v1.get("cpu")!, v1 };
  if (unified !== undefined) return { version: 2, path: unified };
  return undefined;
}

/** Cumulative figures read from the cgroup files at one moment. */
export interface CgroupReading {
  memoryUsage: number;
  memoryLimit: number | null;
  cpuLimitCores: number | null;
  /** CPU time used, microseconds. */
  cpuUsageUsec: number;
  throttledPeriods: number;
  pidsCurrent: number | null;
  pidsLimit: number | null;
}

/** v1 reports "no limit" as a huge page-aligned number near 2^63. */
const V1_UNLIMITED = 2 ** 62;

function limitOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = text.trim();
  if (v === "max" || v === "-1") return null;
  const n = Number(v);
  return Number.isFinite(n) && n < V1_UNLIMITED ? n : null;
}

/** The value of one `name value` line of a cpu.stat file; 0 when absent. */
function statField(text: string | undefined, field: string): number {
  if (text === undefined) return 0;
  const at = text.startsWith(`${field} `) ? 0 : text.indexOf(`\n${field} `) + 1;
  if (at === 0 && !text.startsWith(`${field} `)) return 0;
  return Number.parseInt(text.slice(at + field.length + 1), 10) || 0;
}

/** Whether a limit file holds a limit (v2 `cpu.max` starts with its quota). */
function isLimit(text: string | undefined): boolean {
  return text !== undefined && limitOrNull(text.trim().split(/\s+/)[0]) !== null;
}

/** Reads cgroup v2 files: memory.current/max, cpu.max, cpu.stat, pids.current/max. */
export function readCgroupV2(read: (file: string) => string | undefined): CgroupReading {
  const cpuMax = read("cpu.max")?.trim().split(/\s+/);
  const quota = cpuMax && cpuMax[0] !== "max" ? Number(cpuMax[0]) : null;
  const period = cpuMax?.[1] !== undefined ? Number(cpuMax[1]) : 100000;
  const cpuStat = read("cpu.stat");
  const memory = read("memory.current");
  if (memory === undefined && cpuStat === undefined) throw new Error("no memory.current or cpu.stat in the cgroup");
  return {
    memoryUsage: Number(memory ?? 0),
    memoryLimit: limitOrNull(read("memory.max")),
    cpuLimitCores: quota !== null && period > 0 ? round(quota / period, 3) : null,
    cpuUsageUsec: statField(cpuStat, "usage_usec"),
    throttledPeriods: statField(cpuStat, "nr_throttled"),
    pidsCurrent: limitOrNull(read("pids.current")),
    pidsLimit: limitOrNull(read("pids.max")),
  };
}

/** Reads cgroup v1 files of the memory, cpu, cpuacct and pids controllers. */
export function readCgroupV1(read: (controller: string, file: string) => string | undefined): CgroupReading {
  const quota = limitOrNull(read("cpu", "cpu.cfs_quota_us"));
  const period = Number(read("cpu", "cpu.cfs_period_us") ?? 100000);
  const usage = read("memory", "memory.usage_in_bytes");
  const cpuacct = read("cpuacct", "cpuacct.usage");
  if (usage === undefined && cpuacct === undefined) throw new Error("no memory.usage_in_bytes or cpuacct.usage in the cgroup");
  return {
    memoryUsage: Number(usage ?? 0),
    memoryLimit: limitOrNull(read("memory", "memory.limit_in_bytes")),
    cpuLimitCores: quota !== null && period > 0 ? round(quota / period, 3) : null,
    cpuUsageUsec: Number(cpuacct ?? 0) / 1000,
    throttledPeriods: statField(read("cpu", "cpu.stat"), "nr_throttled"),
    pidsCurrent: limitOrNull(read("pids", "pids.current")),
    pidsLimit: limitOrNull(read("pids", "pids.max")),
  };
}

/** The Snapshot section from two readings `seconds` apart. */
export function cgroupSection(membership: CgroupMembership, prev: CgroupReading, cur: CgroupReading, seconds: number): CgroupSection {
  return {
    version: membership.version,
    path: membership.path,
    memory_usage: cur.memoryUsage,
    memory_limit: cur.memoryLimit,
    memory_percent: cur.memoryLimit ? round((100 * cur.memoryUsage) / cur.memoryLimit) : null,
    cpu_limit_cores: cur.cpuLimitCores,
    cpu_usage_percent: seconds > 0 ? round(counterIncrease(prev.cpuUsageUsec, cur.cpuUsageUsec) / (seconds * 1e4)) : 0,
    cpu_throttled_per_second: seconds > 0 ? round(counterIncrease(prev.throttledPeriods, cur.throttledPeriods) / seconds) : 0,
    pids_current: cur.pidsCurrent,
    pids_limit: cur.pidsLimit,
  };
}

/**
 * Limits and usage of the agent's own cgroup (its container, or its systemd unit). These are the agent's
 * own files, so `paths` is rooted at the agent's `/`, not at the monitored host's root.
 * Without any memory, CPU or task limit the section is null: there is nothing to be close to.
 */
export function createCgroupCollector(paths: HostPaths): Collector {
  let previous: { at: number; reading: CgroupReading } | undefined;
  // A process stays in its cgroup: membership and file locations are found once, then only read.
  let membership: CgroupMembership | null | undefined;
  const located = new Map<string, string | null>();

  function readFile(path: string): string | undefined {
    try {
      // Read every tick: kept open (cgroupfs makes the text afresh at each read from the start).
      return readHostFile(path);
    } catch {
      return undefined;
    }
  }

  /**
   * Inside a container's cgroup namespace or mount, the cgroup's files sit at the mount's top; on a
   * host they sit under the path from /proc/self/cgroup. Files a kernel lacks are remembered as absent.
   */
  function readInCgroup(dir: string, cgroupPath: string, file: string): string | undefined {
    const key = `${dir}|${file}`;
    let path = located.get(key);
    if (path === undefined) {
      const candidates = [`${dir}${cgroupPath === "/" ? "" : cgroupPath}/${file}`, `${dir}/${file}`];
      path = candidates.find((c) => existsSync(c)) ?? null;
      located.set(key, path);
    }
    return path === null ? undefined : readFile(path);
  }

  return {
    name: "cgroup",
    collect(now) {
      if (membership === undefined) {
        const text = readFile(paths.proc("self", "cgroup"));
        membership = (text === undefined ? undefined : parseCgroupMembership(text)) ?? null;
      }
      const m = membership;
      if (!m) return { cgroup: null };
      const base = paths.sys("fs", "cgroup");
      // Most hosts run the agent without limits: three reads say so, and usage is not read at all.
      const limited =
        m.version === 2
          ? ["memory.max", "cpu.max", "pids.max"].some((f) => isLimit(readInCgroup(base, m.path, f)))
          : [["memory", "memory.limit_in_bytes"], ["cpu", "cpu.cfs_quota_us"], ["pids", "pids.max"]].some(([c, f]) =>
              isLimit(readInCgroup(`${base}/${c}`, m.v1?.get(c!) ?? "/", f!)),
            );
      if (!limited) {
        previous = undefined;
        return { cgroup: null };
      }
      const reading =
        m.version === 2
          ? readCgroupV2((file) => readInCgroup(base, m.path, file))
          : readCgroupV1((controller, file) => readInCgroup(`${base}/${controller}`, m.v1?.get(controller) ?? "/", file));
      const before = previous;
      previous = { at: now, reading };
      if (!before) return {};
      return { cgroup: cgroupSection(m, before.reading, reading, (now - before.at) / 1000) };
    },
  };
}
