import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURE = join(import.meta.dir, "../fixtures/this-machine/t0");

/** A host root the agent reads (`agent.host_root`) whose memory and swap use a test sets. */
export interface HostRoot {
  dir: string;
  /** Rewrites /proc/meminfo so that memory and swap are used this many percent (whole file at once). */
  setUsage(usage: { memory: number; swap: number }): void;
}

const MEM_TOTAL_KB = 16 * 1024 * 1024;
const SWAP_TOTAL_KB = 4 * 1024 * 1024;

/**
 * A copy of the real capture `this-machine/t0` (its /proc and /sys) in a temporary directory under
 * `parent`, with /proc/meminfo rewritten by `setUsage`: what a threshold alert sees change, while the
 * rest of the host stays as captured. The file is replaced by a rename, so the agent never reads half.
 */
export function createHostRoot(parent = tmpdir()): HostRoot {
  const dir = mkdtempSync(join(parent, "host-"));
  cpSync(FIXTURE, dir, { recursive: true });
  const meminfo = join(dir, "proc/meminfo");
  const captured = readFileSync(meminfo, "utf8");
  const root: HostRoot = {
    dir,
    setUsage({ memory, swap }) {
      const fields: Record<string, number> = {
        MemTotal: MEM_TOTAL_KB,
        MemFree: Math.round(MEM_TOTAL_KB * (1 - memory / 100) * 0.5),
        MemAvailable: Math.round(MEM_TOTAL_KB * (1 - memory / 100)),
        SwapTotal: SWAP_TOTAL_KB,
        SwapFree: Math.round(SWAP_TOTAL_KB * (1 - swap / 100)),
      };
      const text = captured.replace(/^(\w+):(\s+)\d+ kB$/gm, (line, name: string, space: string) => (name in fields ? `${name}:${space}${fields[name]} kB` : line));
      writeFileSync(`${meminfo}.new`, text);
      renameSync(`${meminfo}.new`, meminfo);
    },
  };
  root.setUsage({ memory: 20, swap: 0 });
  return root;
}
