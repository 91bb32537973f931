import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** Largest configuration file read, bytes: a real one is a few KB. */
export const CONFIG_FILE_LIMIT = 1024 * 1024;
/** Largest secret file read (a token, a password, a URL), bytes. */
export const SECRET_FILE_LIMIT = 64 * 1024;
/** Largest PEM file read (a certificate chain, a key, a bundle of CAs), bytes. */
export const PEM_FILE_LIMIT = 1024 * 1024;

/** A file that is not read, with why: too large, or not a regular file. Carries no errno: the message says it. */
export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableFileError";
  }
}

/**
 * Reads a text file of at most `limit` bytes, and only a regular file (after symlinks, so a mounted
 * Kubernetes Secret or ConfigMap reads as usual). A FIFO, a socket or a device (`/dev/zero`) is
 * refused without a single read, so nothing can block the agent or grow its memory: the file is
 * opened non-blocking and checked before anything is read. A file that grows while read is cut at
 * the limit and refused.
 */
export function readBoundedFile(path: string, limit: number): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnreadableFileError(`not a regular file (${kindOf(stat)})`);
    if (stat.size > limit) throw new UnreadableFileError(`larger than ${formatBytes(limit)} (${formatBytes(stat.size)})`);
    const buffer = Buffer.alloc(Math.min(limit + 1, Math.max(stat.size + 1, 4096)));
    let used = 0;
    for (;;) {
      if (used === buffer.length) {
        if (used > limit) throw new UnreadableFileError(`larger than ${formatBytes(limit)} (it grew while read)`);
        break;
      }
      const n = readSync(fd, buffer, used, buffer.length - used, null);
      if (n === 0) break;
      used += n;
    }
    if (used > limit) throw new UnreadableFileError(`larger than ${formatBytes(limit)} (it grew while read)`);
    return buffer.subarray(0, used).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: import("node:fs").Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  return "not a file";
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / 1024 / 1024).toFixed(1))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KiB`;
  return `${n} bytes`;
}
