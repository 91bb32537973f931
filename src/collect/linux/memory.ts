import type { Collector } from "../collector.ts";
import type { MemorySection } from "../../contracts/snapshot.ts";
import { round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { readHostFile } from "./proc-file.ts";

/** Parses /proc/meminfo into bytes by field name (`MemTotal` → 8589934592). */
export function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const value = Number.parseInt(line.slice(colon + 1), 10);
    if (!Number.isNaN(value)) fields.set(line.slice(0, colon), line.endsWith("kB") ? value * 1024 : value);
  }
  return fields;
}

/** Memory and swap from /proc/meminfo fields. Used = total − available, as `free` and psutil count it. */
export function memoryFromMeminfo(fields: Map<string, number>): MemorySection {
  const total = fields.get("MemTotal");
  if (total === undefined) throw new Error("no MemTotal in /proc/meminfo");
  const free = fields.get("MemFree") ?? 0;
  const buffers = fields.get("Buffers") ?? 0;
  const cached = (fields.get("Cached") ?? 0) + (fields.get("SReclaimable") ?? 0);
  // MemAvailable exists since Linux 3.14; before it, free + buffers + cache is the usual estimate.
  const available = Math.min(total, fields.get("MemAvailable") ?? free + buffers + cached);
  const used = total - available;
  const swapTotal = fields.get("SwapTotal") ?? 0;
  const swapFree = fields.get("SwapFree") ?? 0;
  const swapUsed = Math.max(0, swapTotal - swapFree);
  return {
    total,
    available,
    used,
    free,
    percent: total > 0 ? round((100 * used) / total) : 0,
    buffers,
    cached,
    swap: { total: swapTotal, used: swapUsed, free: swapFree, percent: swapTotal > 0 ? round((100 * swapUsed) / swapTotal) : 0 },
  };
}

export function createMemoryCollector(paths: HostPaths): Collector {
  return {
    name: "memory",
    collect: () => ({ memory: memoryFromMeminfo(parseMeminfo(readHostFile(paths.proc("meminfo")))) }),
  };
}
