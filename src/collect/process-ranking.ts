import type { ProcessInfo } from "../contracts/snapshot.ts";

/**
 * What processes can be ranked by: CPU, resident memory, memory growth, and storage I/O (read plus
 * written, or one of the two). Processes whose I/O the agent may not read rank last for I/O.
 */
export type ProcessOrder = "cpu" | "memory" | "memory_growth" | "io" | "read" | "write";

const io = (p: ProcessInfo) => (p.read_bytes_per_second ?? -1) + (p.write_bytes_per_second ?? -1);

const KEYS: Record<ProcessOrder, (p: ProcessInfo) => number> = {
  cpu: (p) => p.cpu_percent,
  memory: (p) => p.memory_bytes,
  memory_growth: (p) => p.memory_growth_bytes_per_second,
  io,
  read: (p) => p.read_bytes_per_second ?? -1,
  write: (p) => p.write_bytes_per_second ?? -1,
};

/** The processes in `order`, largest first (ties: more CPU, then lower pid), at most `limit`. */
export function rankProcesses(items: readonly ProcessInfo[], order: ProcessOrder, limit = Number.POSITIVE_INFINITY): ProcessInfo[] {
  const key = KEYS[order];
  return firstInOrder(items, limit, (a, b) => key(b) - key(a) || b.cpu_percent - a.cpu_percent || a.pid - b.pid);
}

/**
 * The first `n` of `items` in the order `compare` gives (a total order: ties broken down to the pid),
 * exactly as sorting them all and keeping `n` would, without sorting them all: every tick and every
 * finding ranks hundreds of processes to keep three or ten. Each item is compared with the last kept
 * one first, and most go no further.
 */
export function firstInOrder<T>(items: readonly T[], n: number, compare: (a: T, b: T) => number): T[] {
  if (n >= items.length) return [...items].sort(compare);
  const kept: T[] = [];
  if (n <= 0) return kept;
  for (const item of items) {
    if (kept.length === n) {
      if (compare(item, kept[n - 1]!) >= 0) continue;
      kept.pop();
    }
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(item, kept[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    kept.splice(lo, 0, item);
  }
  return kept;
}

/** Processes whose name, command or user holds `text` (any case), or whose pid is `text`. */
export function filterProcesses(items: readonly ProcessInfo[], text: string): ProcessInfo[] {
  const needle = text.trim().toLowerCase();
  if (needle === "") return [...items];
  const pid = /^\d+$/.test(needle) ? Number(needle) : undefined;
  return items.filter(
    (p) => p.pid === pid || p.name.toLowerCase().includes(needle) || p.command.toLowerCase().includes(needle) || p.user.toLowerCase().includes(needle),
  );
}
