import { readFileSync, readdirSync } from "node:fs";
import type { HostPaths } from "../collect/linux/host-paths.ts";

/** A process as an action chooses it: its pid, name, command line and cgroup path. */
export interface ProcessInfo {
  pid: number;
  /** `/proc/PID/comm`: the name, at most 15 characters. */
  comm: string;
  /** `/proc/PID/cmdline`, its arguments joined by spaces (the name in brackets for a kernel thread). */
  command: string;
  /** The cgroup v2 path (or the first v1 line's path), e.g. `/system.slice/nginx.service`. */
  cgroup: string;
}

/** Small /proc files are read whole, but never more than this. */
const MAX_READ = 64 * 1024;

function read(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8");
    return text.length > MAX_READ ? text.slice(0, MAX_READ) : text;
  } catch {
    // The process ended between the listing and the read: it is simply not there.
    return undefined;
  }
}

/** Reads `/proc/PID/cgroup`: the v2 line (`0::/path`), else the first line's path. */
export function parseCgroupPath(text: string): string {
  const lines = text.split("\n").filter(Boolean);
  const v2 = lines.find((l) => l.startsWith("0::"));
  const line = v2 ?? lines[0] ?? "";
  return line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
}

/** Every process under the host root's /proc, read now; processes that end meanwhile are left out. */
export function listProcesses(paths: HostPaths): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  let entries: string[];
  try {
    entries = readdirSync(paths.proc());
  } catch (cause) {
    throw new Error(`list processes in ${paths.proc()}`, { cause });
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = read(paths.proc(entry, "comm"));
    const cmdline = read(paths.proc(entry, "cmdline"));
    if (comm === undefined || cmdline === undefined) continue;
    const name = comm.replace(/\n$/, "");
    const args = cmdline.replace(/\0+$/, "").split("\0").join(" ");
    out.push({ pid: Number(entry), comm: name, command: args || `[${name}]`, cgroup: parseCgroupPath(read(paths.proc(entry, "cgroup")) ?? "") });
  }
  return out;
}
