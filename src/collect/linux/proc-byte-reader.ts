import { closeSync, openSync, readSync } from "node:fs";

/**
 * Reads small /proc files into one buffer that every read reuses: for the processes collector, which
 * reads one file per process on every tick and so must not make a string or a buffer per read.
 * Reads are synchronous, so they never overlap: what one left in `bytes` holds until the next.
 * A system error keeps its `code` (ENOENT, ESRCH: the process is gone; EACCES: not ours to read).
 */
export interface ProcByteReader {
  /**
   * The bytes of the last read, from 0 to the length it returned. Take it after the read: a file larger
   * than the buffer makes a new one.
   */
  readonly bytes: Buffer;
  /** Reads the file at `path` whole (a file /proc makes of one record, or a regular file): open, read, close. Returns its length. */
  read(path: string): number;
  /**
   * Opens `path` to read it again and again with `reread`: one `pread` at offset 0 each time, so the
   * kernel skips the path lookup, the open and the close (measured 11 µs per open-read-close of
   * `/proc/<pid>/stat` against 4 µs per pread). A descriptor stays bound to the process it was opened
   * for: once that process is gone a read fails with ESRCH, even if its pid is reused.
   */
  open(path: string): number;
  /** The file opened as `handle`, read again from its start. Returns its length. */
  reread(handle: number): number;
  close(handle: number): void;
}

export function createProcByteReader(): ProcByteReader {
  let bytes = Buffer.allocUnsafe(4096);

  /** Reads `fd` from offset 0 into `bytes`, growing the buffer while the file fills it. */
  function readFrom(fd: number): number {
    let length = 0;
    for (;;) {
      length += readSync(fd, bytes, length, bytes.length - length, length);
      // A file /proc makes of one record (stat, status, io, cmdline) comes whole in one read: a read
      // that leaves room is the end. (Not so for files of many records, such as mountinfo.)
      if (length < bytes.length) return length;
      const bigger = Buffer.allocUnsafe(bytes.length * 2);
      bytes.copy(bigger, 0, 0, length);
      bytes = bigger;
    }
  }

  return {
    get bytes() {
      return bytes;
    },
    read(path) {
      const fd = openSync(path, "r");
      try {
        return readFrom(fd);
      } finally {
        closeSync(fd);
      }
    },
    open: (path) => openSync(path, "r"),
    reread: readFrom,
    close: (fd) => closeSync(fd),
  };
}

/**
 * A ProcByteReader over a function that reads a file as text (tests replay captured trees through it,
 * and make files vanish). Its handles hold paths: each `reread` reads the path again.
 */
export function textProcByteReader(readText: (path: string) => string): ProcByteReader {
  let bytes = Buffer.allocUnsafe(4096);
  const paths = new Map<number, string>();
  let next = 0;
  function load(path: string): number {
    const text = readText(path);
    if (text.length > bytes.length) bytes = Buffer.allocUnsafe(Math.max(text.length, bytes.length * 2));
    return bytes.write(text, 0, "latin1");
  }
  return {
    get bytes() {
      return bytes;
    },
    read: load,
    open(path) {
      readText(path); // fails as opening it would
      paths.set(next, path);
      return next++;
    },
    reread(handle) {
      const path = paths.get(handle);
      if (path === undefined) throw Object.assign(new Error(`read handle ${handle}: closed`), { code: "EBADF" });
      return load(path);
    },
    close(handle) {
      paths.delete(handle);
    },
  };
}
