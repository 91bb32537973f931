import { readFileSync } from "node:fs";

/** madvise(2): reclaim these pages now, never losing data (Linux 5.4 and later). */
const MADV_PAGEOUT = 21;
/** madvise(2): drop this process's mapping of these pages; the next access reads them from the file again. */
const MADV_DONTNEED = 4;

/** One mapping of a file in `/proc/<pid>/smaps`. */
export interface FileMapping {
  start: bigint;
  end: bigint;
  writable: boolean;
  /** Pages of it that this process changed (copies of its own): they hold data the file does not. */
  anonymousKb: number;
}

/** The mappings of `file` in a `/proc/<pid>/smaps` text. Pure: tested on strings. */
export function mappingsOf(smaps: string, file: string): FileMapping[] {
  const out: FileMapping[] = [];
  let current: FileMapping | undefined;
  for (const line of smaps.split("\n")) {
    // start-end perms offset dev inode path (the path may hold spaces)
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = header[4] === file ? { start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), writable: header[3]!.includes("w"), anonymousKb: 0 } : undefined;
      if (current) out.push(current);
      continue;
    }
    const anonymous = current && /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anonymous) current!.anonymousKb = Number(anonymous[1]);
  }
  return out;
}

/**
 * Gives back the pages of the agent's own executable that start-up left resident. The compiled
 * binary holds the whole Bun runtime (about 110 MB); start-up (the configuration schema, migrations,
 * the first collection, and the kernel reading ahead around each page it faults in) leaves about
 * 18 MB of it resident that the ticks never touch again, counted in RSS for the life of the process.
 * Pages only this process maps are reclaimed (MADV_PAGEOUT); of the others (another process runs the
 * same file) this process lets go, in the mappings it cannot have changed (read-only, no private
 * copy), so nothing but the file's own content is dropped (MADV_DONTNEED). What a tick needs is read
 * back at once, from the page cache or the file: this costs a few milliseconds once and changes
 * nothing the agent does. Returns the bytes advised; 0 where it cannot be done (not Linux, no glibc,
 * an old kernel).
 */
export async function releaseStartupPages(executable = process.execPath, smaps = () => readFileSync("/proc/self/smaps", "utf8")): Promise<number> {
  if (process.platform !== "linux") return 0;
  const mappings = mappingsOf(smaps(), executable);
  if (mappings.length === 0) return 0;
  let libc: import("bun:ffi").Library<{ madvise: { args: ["u64", "u64", "i32"]; returns: "i32" } }>;
  try {
    const { dlopen } = await import("bun:ffi");
    libc = dlopen("libc.so.6", { madvise: { args: ["u64", "u64", "i32"], returns: "i32" } });
  } catch {
    return 0;
  }
  let advised = 0;
  try {
    for (const m of mappings) {
      const length = m.end - m.start;
      if (libc.symbols.madvise(m.start, length, MADV_PAGEOUT) !== 0) continue;
      advised += Number(length);
      if (!m.writable && m.anonymousKb === 0) libc.symbols.madvise(m.start, length, MADV_DONTNEED);
    }
  } finally {
    libc.close();
  }
  return advised;
}
