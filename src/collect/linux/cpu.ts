import type { Collector } from "../collector.ts";
import type { CpuSection } from "../../contracts/snapshot.ts";
import { counterIncrease, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { isSpace, readNumberFields } from "./number-fields.ts";
import { readHostFile } from "./proc-file.ts";

/** Jiffies of one `cpu` line of /proc/stat, grouped as the Snapshot reports them. */
export interface CpuTimes {
  user: number;
  system: number;
  idle: number;
  iowait: number;
  steal: number;
  /** Every state but guest time, which the kernel already counts inside user. */
  total: number;
}

/** The numbers of one `cpu` line, reused line after line (parsing is synchronous). */
const FIELDS: number[] = [];

/** Parses /proc/stat: the `cpu` total line and one entry per `cpuN` line, in CPU order. */
export function parseProcStat(text: string): { total: CpuTimes; perCpu: CpuTimes[] } {
  let total: CpuTimes | undefined;
  const perCpu: Array<[number, CpuTimes]> = [];
  const n = FIELDS;
  // Line by line without splitting the text (its `intr` line alone holds hundreds of numbers).
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    if (!text.startsWith("cpu", lineStart)) continue;
    let nameEnd = lineStart;
    while (nameEnd < end && !isSpace(text.charCodeAt(nameEnd))) nameEnd++;
    const name = text.slice(lineStart, nameEnd);
    // Fields past the line's end count as 0, as a short line of an old kernel has none.
    const count = readNumberFields(text, nameEnd, end, n, 8);
    for (let k = count; k < 8; k++) n[k] = 0;
    const user = n[0]!, nice = n[1]!, system = n[2]!, idle = n[3]!, iowait = n[4]!, irq = n[5]!, softirq = n[6]!, steal = n[7]!;
    const times: CpuTimes = {
      user: user + nice,
      system: system + irq + softirq,
      idle,
      iowait,
      steal,
      total: user + nice + system + idle + iowait + irq + softirq + steal,
    };
    if (name === "cpu") total = times;
    else perCpu.push([Number(name.slice(3)), times]);
  }
  if (!total) throw new Error("no cpu line in /proc/stat");
  perCpu.sort((a, b) => a[0] - b[0]);
  return { total, perCpu: perCpu.map(([, t]) => t) };
}

function busyPercent(prev: CpuTimes, cur: CpuTimes): number {
  const total = counterIncrease(prev.total, cur.total);
  if (total === 0) return 0;
  const idle = counterIncrease(prev.idle, cur.idle) + counterIncrease(prev.iowait, cur.iowait);
  return round(Math.min(100, Math.max(0, (100 * (total - idle)) / total)));
}

function share(prev: number, cur: number, total: number): number {
  return total === 0 ? 0 : round(Math.min(100, (100 * counterIncrease(prev, cur)) / total));
}

/** CPU usage between two /proc/stat readings, total and per CPU. */
export function cpuUsage(
  prev: { total: CpuTimes; perCpu: CpuTimes[] },
  cur: { total: CpuTimes; perCpu: CpuTimes[] },
): CpuSection {
  const total = counterIncrease(prev.total.total, cur.total.total);
  return {
    usage_percent: busyPercent(prev.total, cur.total),
    count: cur.perCpu.length,
    per_cpu: cur.perCpu.map((c, i) => {
      const p = prev.perCpu[i];
      return p ? busyPercent(p, c) : 0;
    }),
    user_percent: share(prev.total.user, cur.total.user, total),
    system_percent: share(prev.total.system, cur.total.system, total),
    iowait_percent: share(prev.total.iowait, cur.total.iowait, total),
    steal_percent: share(prev.total.steal, cur.total.steal, total),
  };
}

/** CPU busy time from /proc/stat deltas. The first call only records a baseline. */
export function createCpuCollector(paths: HostPaths): Collector {
  let previous: ReturnType<typeof parseProcStat> | undefined;
  return {
    name: "cpu",
    collect() {
      const current = parseProcStat(readHostFile(paths.proc("stat")));
      const before = previous;
      previous = current;
      return before ? { cpu: cpuUsage(before, current) } : {};
    },
  };
}
