import { closeSync, openSync, readSync, statfsSync } from "node:fs";

/**
 * One buffer for every read: reads are synchronous, so they never overlap. It grows to the largest
 * file read (a few pages: /proc/net/dev of 500 interfaces is 60 KB), so a tick allocates only the
 * strings it returns, never a Buffer per file as `readFileSync` does.
 */
let shared = Buffer.allocUnsafe(16 * 1024);

/** Past this a file is read into a buffer of its own, so that one huge file does not pin its size for good. */
const MAX_SHARED = 1024 * 1024;

/**
 * The one way collectors read a /proc or /sys file: whole, as text (`latin1` by default: one byte, one
 * character; `utf8` where a name may be UTF-8, such as a mount point), through the shared buffer. A
 * system error keeps its `code` (ENOENT, ESRCH: the process is gone; EACCES: not ours to read).
 */
export function readProcFile(path: string, encoding: "latin1" | "utf8" = "latin1"): string {
  const fd = openSync(path, "r");
  try {
    return readWhole(fd, encoding);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a descriptor from offset 0 to its end, through the shared buffer. procfs hands a file out a
 * page (one seq_file buffer) at a time, so a short read is not the end: read until it gives nothing.
 * Reads are positioned, so a descriptor kept open reads its file again from the start.
 */
function readWhole(fd: number, encoding: "latin1" | "utf8"): string {
  let buffer = shared;
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
      if (buffer.length <= MAX_SHARED) shared = buffer;
    }
    const read = readSync(fd, buffer, length, buffer.length - length, length);
    if (read === 0) break;
    length += read;
  }
  return buffer.toString(encoding, 0, length);
}

/** A /proc file kept open between collections. */
export interface HeldFile {
  /** The file's current content, read again from its start. Throws as `readProcFile` does. */
  read(): string;
  close(): void;
}

/**
 * Opens a /proc file once and re-reads it with one `pread` at offset 0 on every call: the kernel then
 * skips the path lookup and the open and close, which is most of the cost of reading
 * `/proc/<pid>/stat` (measured 11 µs per open-read-close against 4 µs per pread). The descriptor stays
 * bound to the process it was opened for: once that process is gone a read fails with ESRCH, even if
 * its pid is reused, so a held file never reads another process.
 */
export function holdProcFile(path: string): HeldFile {
  let fd: number | undefined = openSync(path, "r");
  return {
    read() {
      if (fd === undefined) throw Object.assign(new Error(`read ${path}: closed`), { code: "EBADF" });
      let length = readSync(fd, shared, 0, shared.length, 0);
      while (length === shared.length) {
        // Larger than the buffer: grow it and read again from the start (rare: stat lines are < 1 KB).
        shared = Buffer.allocUnsafe(shared.length * 2);
        length = readSync(fd, shared, 0, shared.length, 0);
      }
      return shared.toString("latin1", 0, length);
    },
    close() {
      if (fd === undefined) return;
      const open = fd;
      fd = undefined;
      closeSync(open);
    },
  };
}

/** Whether a read failed because the process (or file) is gone rather than for a reason to report. */
export function isGone(cause: unknown): boolean {
  const code = (cause as { code?: string } | null)?.code;
  return code === "ENOENT" || code === "ESRCH";
}

/** procfs, sysfs, cgroup v1 and v2: files the kernel writes afresh on every read from offset 0. */
const KERNEL_FILESYSTEMS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270]);

/**
 * The host-wide files read every tick (/proc/stat, meminfo, net/dev, diskstats, pressure...), each held
 * open once for the whole process (a descriptor), whichever collector reads it, so that a collector
 * rebuilt on reload opens nothing new. `null`: not a kernel file (a captured tree in a test, which may
 * be replaced by a rename): read afresh each time.
 */
const hostFiles = new Map<string, number | null>();

/** Most paths remembered in `hostFiles`: the host-wide files are a few dozen. */
const MAX_HOST_FILES = 256;

/**
 * Reads a host-wide /proc or /sys file that is read every tick: kept open and re-read from offset 0
 * (measured 40 µs for the eight files of a tick against 95 µs opening each). Only files on procfs,
 * sysfs or cgroupfs are held: their content is generated at each read, whereas an ordinary file (a
 * fixture) could be replaced underneath the descriptor. Throws as `readProcFile` does.
 */
export function readHostFile(path: string, encoding: "latin1" | "utf8" = "latin1"): string {
  let fd = hostFiles.get(path);
  if (fd === undefined && hostFiles.size < MAX_HOST_FILES) {
    fd = isKernelFile(path) ? openSync(path, "r") : null;
    hostFiles.set(path, fd);
  }
  if (typeof fd === "number") {
    try {
      return readWhole(fd, encoding);
    } catch {
      // Gone or changed (a cgroup removed): open afresh, and say why if that fails too.
      closeSync(fd);
      hostFiles.delete(path);
    }
  }
  return readProcFile(path, encoding);
}

function isKernelFile(path: string): boolean {
  try {
    return KERNEL_FILESYSTEMS.has(statfsSync(path).type);
  } catch {
    return false;
  }
}
