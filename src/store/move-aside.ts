import { existsSync, renameSync } from "node:fs";

/**
 * Renames a database file that SQLite cannot read to `<file>.corrupt-<UTC time>`, with its `-wal`
 * and `-shm` companions beside it, and returns the new name. Never deletes: the file is evidence, and
 * may hold history someone wants to recover by hand.
 */
export function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
  renameSync(path, target);
  for (const suffix of ["-wal", "-shm"]) {
    // The WAL may hold the newest pages; it must keep its database's name to be read with it.
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}
