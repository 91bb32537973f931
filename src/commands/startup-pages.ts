import { readFileSync } from "node:fs";

/** madvise(2): reclaim these pages now (Linux 5.4 and later). Unlike MADV_DONTNEED it never discards data. */
const MADV_PAGEOUT = 21;

/** The mappings of `file` in a `/proc/<pid>/maps` text: start and end addresses. Pure: tested on strings. */
export function mappingsOf(maps: string, file: string): Array<{ start: bigint; end: bigint }> {
  const out: Array<{ start: bigint; end: bigint }> = [];
  for (const line of maps.split("\n")) {
    // start-end perms offset dev inode path (the path may hold spaces)
    const match = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s+(.*)$/.exec(line);
    if (match && match[3] === file) out.push({ start: BigInt(`0x${match[1]}`), end: BigInt(`0x${match[2]}`) });
  }
  return out;
}

/**
 * Gives back to the kernel the pages of the agent's own executable that are resident now. The
 * compiled binary holds the whole Bun runtime (about 110 MB); start-up (the configuration schema,
 * migrations, the first collection, the kernel reading ahead around each page it faults in) leaves
 * about 18 MB of it resident that the ticks never touch again, counted in RSS for the life of the
 * process. The pages a tick needs are read back at once (they are still in the page cache, or on
 * disk), so this costs a few milliseconds once and changes nothing the agent does. Returns the bytes
 * advised; 0 where it cannot be done (not Linux, no glibc, an old kernel), which changes nothing else.
 */
export async function releaseStartupPages(executable = process.execPath, maps = () => readFileSync("/proc/self/maps", "utf8")): Promise<number> {
  if (process.platform !== "linux") return 0;
  const ranges = mappingsOf(maps(), executable);
  if (ranges.length === 0) return 0;
  let libc: import("bun:ffi").Library<{ madvise: { args: ["u64", "u64", "i32"]; returns: "i32" } }>;
  try {
    const { dlopen } = await import("bun:ffi");
    libc = dlopen("libc.so.6", { madvise: { args: ["u64", "u64", "i32"], returns: "i32" } });
  } catch {
    return 0;
  }
  let advised = 0;
  try {
    for (const { start, end } of ranges) {
      if (libc.symbols.madvise(start, end - start, MADV_PAGEOUT) === 0) advised += Number(end - start);
    }
  } finally {
    libc.close();
  }
  return advised;
}
