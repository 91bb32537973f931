import { readdirSync } from "node:fs";
import type { ProcessInfo, ProcessState, ProcessesSection } from "../../contracts/snapshot.ts";
import type { Collector } from "../collector.ts";
import type { ProcessTable } from "../process-table.ts";
import { counterIncrease, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { parsePasswd } from "./passwd.ts";
import { type HeldFile, holdProcFile, isGone, readProcFile } from "./proc-file.ts";

/** Clock ticks per second of /proc times (USER_HZ): 100 on every architecture Linux runs containers on. */
const USER_HZ = 100;
/** PF_KTHREAD in the flags of /proc/<pid>/stat: a kernel thread (no command line, no memory of its own). */
const PF_KTHREAD = 0x00200000;
/** Memory growth is measured over a window of one to two minutes. */
const GROWTH_WINDOW_MS = 60_000;
/** How often an unknown uid may send the collector back to /etc/passwd, and /proc's mount options are read. */
const PASSWD_RETRY_MS = 60_000;

/**
 * Whether the procfs mounted at `procDir` hides other users' processes (`hidepid=` 1, 2, noaccess,
 * invisible, as systemd's ProtectProc sets it), from /proc/self/mountinfo. The mount is looked up at
 * `procDir`, else at `/proc`.
 */
export function procHidesOthers(mountinfo: string, procDir: string): boolean {
  let found: string | undefined;
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mountpoint = left.split(" ")[4];
    const [fstype, , options = ""] = right.split(" ");
    if (fstype !== "proc") continue;
    if (mountpoint === procDir) {
      found = options;
      break;
    }
    if (mountpoint === "/proc") found ??= options;
  }
  const hidepid = found?.match(/(?:^|,)hidepid=([^,]+)/)?.[1];
  return hidepid !== undefined && hidepid !== "0" && hidepid !== "off";
}

/** What one line of /proc/<pid>/stat says. */
export interface ProcStat {
  pid: number;
  /** comm: the program's short name. */
  name: string;
  state: ProcessState;
  ppid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  threads: number;
  /** When it started, clock ticks after boot: with the pid, what tells one process from a later one. */
  startTicks: number;
  rssPages: number;
  kernelThread: boolean;
}

const STATES: Record<string, ProcessState> = {
  R: "running",
  S: "sleeping",
  D: "disk_sleep",
  Z: "zombie",
  T: "stopped",
  t: "tracing_stop",
  X: "dead",
  x: "dead",
  I: "idle",
  P: "parked",
};

/** A state letter of /proc/<pid>/stat, by name. */
export function stateName(letter: string): ProcessState {
  return STATES[letter] ?? "other";
}

/** Fields of /proc/<pid>/stat after the name, counted from 0 (field 3 of proc(5), the state). */
const F_PPID = 1;
const F_FLAGS = 6;
const F_UTIME = 11;
const F_STIME = 12;
const F_THREADS = 17;
const F_START = 19;
const F_RSS = 21;

/** A non-negative decimal of `text` from `from` to `to`; NaN if it is not one. */
function decimal(text: string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Parses /proc/<pid>/stat. The name sits in parentheses and may itself hold spaces and parentheses,
 * so the fields are counted from the last `)`. One pass over the line, reading only the fields used:
 * this runs for every process on every tick.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf(" (");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`parse /proc/<pid>/stat: no (name) in ${JSON.stringify(text.slice(0, 80))}`);
  const values = [0, 0, 0, 0, 0, 0, 0];
  let field = 0;
  let at = close + 2;
  for (; field <= F_RSS && at <= text.length; field++) {
    let end = text.indexOf(" ", at);
    if (end < 0) end = text.endsWith("\n") ? text.length - 1 : text.length;
    const slot = field === F_PPID ? 0 : field === F_FLAGS ? 1 : field === F_UTIME ? 2 : field === F_STIME ? 3 : field === F_THREADS ? 4 : field === F_START ? 5 : field === F_RSS ? 6 : -1;
    if (slot >= 0) values[slot] = decimal(text, at, end);
    at = end + 1;
  }
  // field is now the number of fields read after the name; the kernel has written 50 since 3.5.
  if (field <= F_RSS) throw new Error(`parse /proc/<pid>/stat: ${field + 2} fields, expected at least ${F_RSS + 3}`);
  const [ppid, flags, utime, stime, threads, start, rss] = values as [number, number, number, number, number, number, number];
  return {
    pid: decimal(text, 0, open),
    name: text.slice(open + 2, close),
    state: stateName(text.charAt(close + 2)),
    ppid,
    cpuTicks: utime + stime,
    threads,
    startTicks: start,
    rssPages: rss,
    kernelThread: (flags & PF_KTHREAD) !== 0,
  };
}

/** Bytes a process caused to be read from and written to storage (`read_bytes`, `write_bytes` of /proc/<pid>/io). */
export function parseProcIo(text: string): { readBytes: number; writeBytes: number } {
  const field = (name: string) => {
    const at = text.indexOf(`\n${name}: `);
    if (at < 0) throw new Error(`parse /proc/<pid>/io: no ${name}`);
    return Number.parseInt(text.slice(at + name.length + 3), 10);
  };
  return { readBytes: field("read_bytes"), writeBytes: field("write_bytes") };
}

/** The effective uid of /proc/<pid>/status (`Uid: real effective saved fs`). */
export function parseStatusUid(text: string): number {
  const match = text.match(/^Uid:\s+\d+\s+(\d+)/m);
  if (!match) throw new Error("parse /proc/<pid>/status: no Uid line");
  return Number(match[1]);
}

/** /proc/<pid>/cmdline (NUL-separated arguments) as one line; empty for a kernel thread or a zombie. */
export function parseCmdline(text: string): string {
  return text.replace(/\0+$/, "").replaceAll("\0", " ").trim();
}

/** Total of `btime` in /proc/stat: boot time, seconds since the epoch. */
export function parseBootTime(procStat: string): number {
  const match = procStat.match(/^btime (\d+)$/m);
  if (!match) throw new Error("parse /proc/stat: no btime line");
  return Number(match[1]);
}

export interface ProcessesOptions {
  /** How many of the busiest processes (by CPU, and by memory) go to the Snapshot and `/metrics`. */
  top: number;
  /** Where the full list of the last collection is kept for `/api/v1/processes` and root-cause context. */
  table?: ProcessTable;
  /** One-time notices (other users' processes are hidden). */
  notice?: (message: string) => void;
  /** Most /proc/<pid>/stat files kept open between collections; beyond it they are opened each time. */
  maxHeld?: number;
  /** Overrides for tests: one-shot and held reads, directory listing. */
  read?: (path: string) => string;
  hold?: (path: string) => HeldFile;
  list?: (dir: string) => string[];
}

/** What the collector remembers of one process between collections. */
interface Known {
  startTicks: number;
  held?: HeldFile;
  name: string;
  user: string;
  command: string;
  startTime: string;
  cpuTicks: number;
  at: number;
  /** Last /proc/<pid>/io reading; null when the agent may not read it. */
  io: { readBytes: number; writeBytes: number; at: number } | null;
  growth: Array<{ rss: number; at: number }>;
  seen: number;
}

/**
 * Processes from /proc/<pid>/{stat,status,io,cmdline} under the host root, spawning nothing. Each
 * collection reads one file per process: `stat` (state, CPU time, threads, resident memory), kept
 * open between collections. `status` (owner) and `cmdline` are read once per process; `io` only for
 * processes that used CPU since the last collection (one that did not run did no I/O to charge).
 * A process that exits between the listing and the reading is skipped without a word.
 */
export function createProcessesCollector(paths: HostPaths, options: ProcessesOptions): Collector {
  const read = options.read ?? readProcFile;
  const hold = options.hold ?? holdProcFile;
  const list = options.list ?? ((dir: string) => readdirSync(dir));
  const maxHeld = options.maxHeld ?? 8192;
  const known = new Map<number, Known>();
  let held = 0;
  let generation = 0;
  let bootTime: number | undefined;
  let pageSize: number | undefined;
  let users = new Map<number, string>();
  let usersReadAt = Number.NEGATIVE_INFINITY;
  let toldRestricted = false;
  let restricted = false;
  let mountsReadAt = Number.NEGATIVE_INFINITY;

  function userName(uid: number, now: number): string {
    if (!users.has(uid) && now - usersReadAt >= PASSWD_RETRY_MS) {
      usersReadAt = now;
      try {
        users = parsePasswd(read(paths.rootfs("/etc/passwd")));
      } catch {
        // No /etc/passwd under the host root (a distroless host mount): uids are shown as numbers.
      }
    }
    return users.get(uid) ?? String(uid);
  }

  /** Bytes per page, from the agent's own resident size as statm (pages) and status (kB) give it. */
  function pageBytes(): number {
    try {
      const pages = Number(read(paths.proc("self", "statm")).split(" ")[1]);
      const kb = Number(read(paths.proc("self", "status")).match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
      // The two reads are a moment apart: round to the nearest power of two.
      if (pages > 0 && kb > 0) return 2 ** Math.round(Math.log2((kb * 1024) / pages));
    } catch {
      // fall through
    }
    return 4096;
  }

  function forget(pid: number, k: Known): void {
    if (k.held) {
      k.held.close();
      held--;
    }
    known.delete(pid);
  }

  /** Reads what does not change in a process's life: owner, command line, start time. */
  function meet(pid: number, st: ProcStat, now: number, heldFile: HeldFile | undefined): Known {
    const dir = paths.proc(String(pid));
    const uid = st.kernelThread ? 0 : parseStatusUid(read(`${dir}/status`));
    const cmdline = st.kernelThread ? "" : parseCmdline(read(`${dir}/cmdline`));
    return {
      startTicks: st.startTicks,
      ...(heldFile ? { held: heldFile } : {}),
      name: st.name,
      user: userName(uid, now),
      command: cmdline || `[${st.name}]`,
      startTime: new Date((bootTime! + st.startTicks / USER_HZ) * 1000).toISOString(),
      cpuTicks: st.cpuTicks,
      at: now,
      io: { readBytes: -1, writeBytes: -1, at: now },
      growth: [],
      seen: generation,
    };
  }

  /** Storage bytes read and written per second since the last reading; null when not ours to read. */
  function ioRates(pid: number, k: Known, ran: boolean, now: number): [number | null, number | null] {
    if (k.io === null) return [null, null];
    const first = k.io.readBytes < 0;
    if (!first && !ran) return [0, 0];
    let io;
    try {
      io = parseProcIo(read(paths.proc(String(pid), "io")));
    } catch (cause) {
      if ((cause as { code?: string }).code === "EACCES" || (cause as { code?: string }).code === "EPERM") {
        k.io = null;
        return [null, null];
      }
      throw cause;
    }
    const seconds = (now - k.io.at) / 1000;
    const rates: [number, number] =
      first || seconds <= 0
        ? [0, 0]
        : [counterIncrease(k.io.readBytes, io.readBytes) / seconds, counterIncrease(k.io.writeBytes, io.writeBytes) / seconds];
    k.io = { ...io, at: now };
    return rates;
  }

  /** Resident memory growth over the last one to two minutes, bytes per second. */
  function growthOf(k: Known, rss: number, now: number): number {
    const g = k.growth;
    if (g.length === 0 || now - g[g.length - 1]!.at >= GROWTH_WINDOW_MS) {
      g.push({ rss, at: now });
      if (g.length > 2) g.shift();
    }
    const from = g[0]!;
    const seconds = (now - from.at) / 1000;
    return seconds > 0 ? (rss - from.rss) / seconds : 0;
  }

  return {
    name: "processes",
    collect(now) {
      generation++;
      if (bootTime === undefined) bootTime = parseBootTime(read(paths.proc("stat")));
      pageSize ??= pageBytes();
      const names = list(paths.proc());
      const items: ProcessInfo[] = [];
      const byState: Partial<Record<ProcessState, number>> = {};
      let threads = 0;
      if (now - mountsReadAt >= PASSWD_RETRY_MS) {
        mountsReadAt = now;
        try {
          restricted = procHidesOthers(read(paths.proc("self", "mountinfo")), paths.proc());
        } catch {
          restricted = false;
        }
      }

      for (const entry of names) {
        const c = entry.charCodeAt(0);
        if (c < 48 || c > 57) continue;
        const pid = Number(entry);
        let k = known.get(pid);
        let st: ProcStat;
        let fresh: HeldFile | undefined;
        try {
          if (k?.held) st = parseProcStat(k.held.read());
          else if (!k && held < maxHeld) {
            fresh = hold(paths.proc(entry, "stat"));
            held++;
            st = parseProcStat(fresh.read());
          } else st = parseProcStat(read(paths.proc(entry, "stat")));
          if (k && k.startTicks !== st.startTicks) {
            // The pid was reused by a new process (possible only for files read afresh).
            forget(pid, k);
            k = undefined;
          }
          if (!k) {
            k = meet(pid, st, now, fresh);
            fresh = undefined;
            known.set(pid, k);
          }
        } catch (cause) {
          if (fresh) {
            fresh.close();
            held--;
          }
          if (k && isGone(cause)) forget(pid, k);
          // Gone between the listing and the reading, or hidden from us (hidepid=noaccess): skipped.
          if (isGone(cause) || (cause as { code?: string }).code === "EACCES") continue;
          throw new Error(`read process ${pid}`, { cause });
        }
        k.seen = generation;
        const seconds = (now - k.at) / 1000;
        const ran = st.cpuTicks !== k.cpuTicks;
        const cpu = seconds > 0 ? (counterIncrease(k.cpuTicks, st.cpuTicks) / USER_HZ / seconds) * 100 : 0;
        let read_: number | null;
        let write_: number | null;
        try {
          [read_, write_] = ioRates(pid, k, ran, now);
        } catch (cause) {
          if (!isGone(cause)) throw new Error(`read process ${pid} io`, { cause });
          forget(pid, k);
          continue;
        }
        k.cpuTicks = st.cpuTicks;
        k.at = now;
        if (st.name !== k.name) {
          // A new program (exec): its name and command line changed.
          k.name = st.name;
          try {
            k.command = parseCmdline(read(paths.proc(entry, "cmdline"))) || `[${st.name}]`;
          } catch {
            k.command = `[${st.name}]`;
          }
        }
        const rss = st.rssPages * pageSize;
        byState[st.state] = (byState[st.state] ?? 0) + 1;
        threads += st.threads;
        items.push({
          pid,
          name: k.name,
          command: k.command,
          user: k.user,
          state: st.state,
          cpu_percent: round(cpu, 2),
          memory_bytes: rss,
          memory_growth_bytes_per_second: round(growthOf(k, rss, now), 1),
          read_bytes_per_second: read_ === null ? null : round(read_, 1),
          write_bytes_per_second: write_ === null ? null : round(write_, 1),
          threads: st.threads,
          start_time: k.startTime,
        });
      }
      for (const [pid, k] of known) if (k.seen !== generation) forget(pid, k);

      const visibility = restricted ? "restricted" : "all";
      if (visibility === "restricted" && !toldRestricted) {
        toldRestricted = true;
        options.notice?.(
          "processes: /proc hides other users' processes from the agent (hidepid, or systemd's ProtectProc=invisible); the process view shows only those it may see",
        );
      }
      options.table?.set(items);
      const section: ProcessesSection = {
        count: items.length,
        threads,
        by_state: byState,
        top: topProcesses(items, options.top),
        visibility,
      };
      return { processes: section };
    },
  };
}

/** The top `n` by CPU and the top `n` by resident memory, each process once: by CPU first, then by memory. */
export function topProcesses(items: readonly ProcessInfo[], n: number): ProcessInfo[] {
  if (n <= 0) return [];
  const byCpu = [...items].sort((a, b) => b.cpu_percent - a.cpu_percent || b.memory_bytes - a.memory_bytes || a.pid - b.pid).slice(0, n);
  const byMemory = [...items].sort((a, b) => b.memory_bytes - a.memory_bytes || a.pid - b.pid).slice(0, n);
  const out = [...byCpu];
  for (const p of byMemory) if (!out.includes(p)) out.push(p);
  return out;
}
