import { readdirSync } from "node:fs";
import type { ProcessInfo, ProcessState, ProcessesSection } from "../../contracts/snapshot.ts";
import type { Collector } from "../collector.ts";
import { firstInOrder } from "../process-ranking.ts";
import type { ProcessTable } from "../process-table.ts";
import { counterIncrease, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { parseUptime } from "./host.ts";
import { parsePasswd } from "./passwd.ts";
import { HeldProcFile, isGone, procBytes, readHostFile, readProcFile, readProcRecord } from "./proc-file.ts";

/** Clock ticks per second of /proc times (USER_HZ): 100 on every architecture Linux runs containers on. */
const USER_HZ = 100;
/** PF_KTHREAD in the flags of /proc/<pid>/stat: a kernel thread (no command line, no memory of its own). */
const PF_KTHREAD = 0x00200000;
/** Memory growth is measured over a window of one to two minutes. */
const GROWTH_WINDOW_MS = 60_000;
/**
 * A process born since the last reading is given its CPU time over its life so far, over at least this
 * long (s): a task a few ms old that was charged one clock tick is not shown at hundreds of percent.
 */
const MIN_NEWBORN_SECONDS = 0.1;
/** How often an unknown uid may send the collector back to /etc/passwd, and /proc's mount options are read. */
const PASSWD_RETRY_MS = 60_000;
/**
 * Longest time between two readings of the /proc listing, whatever the cue says (ms): should the cue
 * ever miss a birth (the pid counter gone once round to the same value), the process is found within it.
 */
const RELIST_MS = 60_000;

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

/**
 * A /proc/<pid>/stat line as read from bytes: the name is where it lies (`nameFrom` to `nameTo`), not
 * a string, so a tick makes none for a process whose name it already knows. One is reused for every line.
 */
interface StatFields extends Omit<ProcStat, "name"> {
  nameFrom: number;
  nameTo: number;
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

const SPACE = 0x20;
const OPEN = 0x28;
const CLOSE = 0x29;
const NEWLINE = 0x0a;

/** A non-negative decimal of `bytes` from `from` to `to`; NaN if it is not one. */
function decimal(bytes: Uint8Array, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

function emptyStatFields(): StatFields {
  return { pid: 0, nameFrom: 0, nameTo: 0, state: "other", ppid: 0, cpuTicks: 0, threads: 0, startTicks: 0, rssPages: 0, kernelThread: false };
}

/**
 * Parses the /proc/<pid>/stat line in `bytes` (0 to `length`) into `into`. The name sits in parentheses
 * and may itself hold spaces and parentheses, so the fields are counted from the last `)`. This runs for
 * every process on every reading, in JavaScriptCore's interpreter as deployed: the scans for `(`, `)` and
 * each space are the typed array's own indexOf and lastIndexOf (native loops), which took a line from
 * 7.7 µs to about 2 µs; only the fields used are decoded. `bytes` past `length` may hold an older line.
 */
function parseStatBytes(bytes: Uint8Array, length: number, into: StatFields): void {
  const open = bytes.indexOf(OPEN);
  const close = length > 0 ? bytes.lastIndexOf(CLOSE, length - 1) : -1;
  if (open < 1 || open >= length || bytes[open - 1] !== SPACE || close < open) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(length, 80)).toString("latin1");
    throw new Error(`parse /proc/<pid>/stat: no (name) in ${JSON.stringify(text)}`);
  }
  // A last field without a space after it ends at the newline, if any.
  const lineEnd = bytes[length - 1] === NEWLINE ? length - 1 : length;
  let utime = 0;
  let flags = 0;
  let field = 0;
  let at = close + 2;
  for (; field <= F_RSS && at <= length; field++) {
    let end = bytes.indexOf(SPACE, at);
    if (end < 0 || end >= length) end = lineEnd;
    if (field === F_PPID) into.ppid = decimal(bytes, at, end);
    else if (field === F_FLAGS) flags = decimal(bytes, at, end);
    else if (field === F_UTIME) utime = decimal(bytes, at, end);
    else if (field === F_STIME) into.cpuTicks = utime + decimal(bytes, at, end);
    else if (field === F_THREADS) into.threads = decimal(bytes, at, end);
    else if (field === F_START) into.startTicks = decimal(bytes, at, end);
    else if (field === F_RSS) into.rssPages = decimal(bytes, at, end);
    at = end + 1;
  }
  // field is now the number of fields read after the name; the kernel has written 50 since 3.5.
  if (field <= F_RSS) throw new Error(`parse /proc/<pid>/stat: ${field + 2} fields, expected at least ${F_RSS + 3}`);
  into.pid = decimal(bytes, 0, open - 1);
  into.nameFrom = open + 1;
  into.nameTo = close;
  into.state = close + 2 < length ? stateName(String.fromCharCode(bytes[close + 2]!)) : "other";
  into.kernelThread = (flags & PF_KTHREAD) !== 0;
}

/** Parses /proc/<pid>/stat given as text (the parser of every tick, over bytes of that text). */
export function parseProcStat(text: string): ProcStat {
  const bytes = Buffer.from(text, "latin1");
  const st = emptyStatFields();
  parseStatBytes(bytes, bytes.length, st);
  return {
    pid: st.pid,
    name: bytes.toString("latin1", st.nameFrom, st.nameTo),
    state: st.state,
    ppid: st.ppid,
    cpuTicks: st.cpuTicks,
    threads: st.threads,
    startTicks: st.startTicks,
    rssPages: st.rssPages,
    kernelThread: st.kernelThread,
  };
}

/** Whether `bytes` from `from` to `to` spell `text` (latin1): a known name, compared without decoding. */
function spells(bytes: Uint8Array, from: number, to: number, text: string): boolean {
  if (to - from !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[from + i] !== text.charCodeAt(i)) return false;
  return true;
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

/**
 * Whether the procfs whose `/proc/self/status` this is shows the PID namespace the agent runs in. Its
 * `NSpid` line (Linux 4.1 and later) gives the agent's pid in that procfs's namespace, then in each
 * namespace nested below it: one pid, none below. Then the last pid of /proc/loadavg, which is that of
 * the reader's own namespace, moves with every task /proc can show. With the host's /proc mounted into
 * a container of its own namespace (two pids), or no NSpid line, it does not.
 */
export function procIsOwnPidNamespace(status: string): boolean {
  const pids = status.match(/^NSpid:[ \t]*(.*)$/m)?.[1]?.trim();
  return pids !== undefined && /^\d+$/.test(pids);
}

/** The last pid allocated in the reader's PID namespace (the 5th field of /proc/loadavg), or null when there is none. */
export function parseLastPid(loadavg: string): number | null {
  const field = loadavg.trim().split(/\s+/)[4];
  return field !== undefined && /^\d+$/.test(field) ? Number(field) : null;
}

/** The count of tasks created since boot (`processes` of /proc/stat), or null when the file has none. */
export function parseForkCount(bytes: Buffer, length: number): number | null {
  const at = bytes.subarray(0, length).indexOf(FORK_COUNT);
  if (at < 0) return null;
  let end = at + FORK_COUNT.length;
  while (end < length && bytes[end]! >= 48 && bytes[end]! <= 57) end++;
  const n = decimal(bytes, at + FORK_COUNT.length, end);
  return Number.isNaN(n) ? null : n;
}
const FORK_COUNT = Buffer.from("\nprocesses ", "latin1");

export interface ProcessesOptions {
  /** How many of the busiest processes (by CPU, and by memory) go to the Snapshot and `/metrics`. */
  top: number;
  /** Where the full list of the last collection is kept for `/api/v1/processes` and root-cause context. */
  table?: ProcessTable;
  /** One-time notices (other users' processes are hidden). */
  notice?: (message: string) => void;
  /** Most /proc/<pid>/stat files kept open between collections; beyond it they are opened each time. */
  maxHeld?: number;
  /**
   * Least time between two readings of the processes, ms (0: every call). A call sooner gives the last
   * reading again: at a 1 s tick the process list is read every few seconds, as top refreshes.
   */
  intervalMs?: number;
  /** Override for tests: the directory listing (a process listed whose files are gone exits "between" the two). */
  list?: (dir: string) => string[];
}

/** What the collector remembers of one process between collections. */
interface Known {
  startTicks: number;
  /** Its stat file, held open; undefined when it is opened afresh each time. */
  stat: HeldProcFile | undefined;
  name: string;
  user: string;
  command: string;
  startTime: string;
  cpuTicks: number;
  at: number;
  /** Whether the agent may read its /proc/<pid>/io, the last reading (-1 before the first) and when. */
  ioReadable: boolean;
  readBytes: number;
  writeBytes: number;
  ioAt: number;
  /** Storage bytes per second since the reading before, as the last collection computed them. */
  readRate: number;
  writeRate: number;
  growth: Array<{ rss: number; at: number }>;
  seen: number;
  /** Its row of the last collection, given again when nothing in it changed: an idle process costs no new object. */
  row: ProcessInfo | undefined;
}

/**
 * Processes from /proc/<pid>/{stat,status,io,cmdline} under the host root, spawning nothing. Each
 * collection reads one file per process: `stat` (state, CPU time, threads, resident memory), kept
 * open between collections and read into one reused buffer. `status` (owner) and `cmdline` are read
 * once per process (and the command line again after an exec renames it); `io` only for processes
 * that used CPU since the last collection (one that did not run did no I/O to charge). The /proc
 * listing is read again only when a task may have been born since the last one, and at least once a
 * minute: otherwise the processes are those already known, less those whose stat is gone. The cue is
 * the last pid allocated (/proc/loadavg, a few bytes) when /proc shows the agent's own PID namespace,
 * else the count of tasks created (`processes` of /proc/stat, which the kernel sums over every CPU).
 * A process that exits between the listing and the reading is skipped without a word.
 */
export function createProcessesCollector(paths: HostPaths, options: ProcessesOptions): Collector {
  const list = options.list ?? ((dir: string) => readdirSync(dir));
  const maxHeld = options.maxHeld ?? 8192;
  const known = new Map<number, Known>();
  const st = emptyStatFields();
  /** The pids of one collection when the listing is not read again (reused). */
  const pids: number[] = [];
  let held = 0;
  let generation = 0;
  let bootTime: number | undefined;
  let pageSize: number | undefined;
  /** Whether /proc shows the agent's own PID namespace (decided at the first reading), the cue at the last listing, and when. */
  let ownNamespace: boolean | undefined;
  let cueListed: number | null = null;
  let listedAt = Number.NEGATIVE_INFINITY;
  let users = new Map<number, string>();
  let usersReadAt = Number.NEGATIVE_INFINITY;
  let toldRestricted = false;
  let restricted = false;
  let mountsReadAt = Number.NEGATIVE_INFINITY;
  const intervalMs = options.intervalMs ?? 0;
  let lastReading: { section: ProcessesSection; at: number } | undefined;
  let lastCall = Number.NaN;
  /** Seconds since boot: /proc/uptime once, then the monotonic clock; at this reading and the one before. */
  let boot: { uptime: number; at: number } | undefined;
  let readingUptime = Number.NaN;
  let previousUptime = Number.NaN;

  function uptimeAt(now: number): number {
    if (!boot) {
      try {
        boot = { uptime: parseUptime(readProcFile(paths.proc("uptime"))), at: now };
      } catch {
        boot = { uptime: Number.NaN, at: now }; // no newborn is told from an older process: they start at 0 %
      }
    }
    return boot.uptime + (now - boot.at) / 1000;
  }

  /**
   * The CPU of a process seen for the first time: 0, as top shows it, unless it was born since the
   * reading before. Then all its CPU time falls in the interval, and a burst that starts between two
   * readings (what root-cause context must name) shows at once rather than a reading later.
   */
  function newbornCpu(): number {
    const born = st.startTicks / USER_HZ;
    if (!(born > previousUptime)) return 0;
    return (st.cpuTicks / USER_HZ / Math.max(readingUptime - born, MIN_NEWBORN_SECONDS)) * 100;
  }

  function userName(uid: number, now: number): string {
    if (!users.has(uid) && now - usersReadAt >= PASSWD_RETRY_MS) {
      usersReadAt = now;
      try {
        users = parsePasswd(readProcFile(paths.rootfs("/etc/passwd")));
      } catch {
        // No /etc/passwd under the host root (a distroless host mount): uids are shown as numbers.
      }
    }
    return users.get(uid) ?? String(uid);
  }

  /** Bytes per page, from the agent's own resident size as statm (pages) and status (kB) give it. */
  function pageBytes(): number {
    try {
      const pages = Number(readProcFile(paths.proc("self", "statm")).split(" ")[1]);
      const kb = Number(readProcFile(paths.proc("self", "status")).match(/^VmRSS:\s+(\d+) kB/m)?.[1]);
      // The two reads are a moment apart: round to the nearest power of two.
      if (pages > 0 && kb > 0) return 2 ** Math.round(Math.log2((kb * 1024) / pages));
    } catch {
      // fall through
    }
    return 4096;
  }

  /** A file of one record of /proc/<pid> as text. */
  function recordText(path: string): string {
    const length = readProcRecord(path); // first: the read may move procBytes() to a larger buffer
    return procBytes().toString("latin1", 0, length);
  }

  function forget(pid: number, k: Known): void {
    if (k.stat) {
      k.stat.close();
      held--;
    }
    known.delete(pid);
  }

  /** Reads what does not change in a process's life: owner, command line, start time. */
  function meet(pid: number, name: string, now: number, stat: HeldProcFile | undefined): Known {
    const dir = paths.proc(String(pid));
    const uid = st.kernelThread ? 0 : parseStatusUid(recordText(`${dir}/status`));
    const cmdline = st.kernelThread ? "" : parseCmdline(recordText(`${dir}/cmdline`));
    return {
      startTicks: st.startTicks,
      stat,
      name,
      user: userName(uid, now),
      command: cmdline || `[${name}]`,
      startTime: new Date((bootTime! + st.startTicks / USER_HZ) * 1000).toISOString(),
      cpuTicks: st.cpuTicks,
      at: now,
      ioReadable: true,
      readBytes: -1,
      writeBytes: -1,
      ioAt: now,
      readRate: 0,
      writeRate: 0,
      growth: [],
      seen: generation,
      row: undefined,
    };
  }

  /** Storage bytes read and written per second since the last reading, into `k`; not ours to read: no rates. */
  function readIo(pid: number, k: Known, ran: boolean, now: number): void {
    if (!k.ioReadable) return;
    const first = k.readBytes < 0;
    if (!first && !ran) {
      k.readRate = 0;
      k.writeRate = 0;
      return;
    }
    let io;
    try {
      io = parseProcIo(recordText(paths.proc(String(pid), "io")));
    } catch (cause) {
      if ((cause as { code?: string }).code === "EACCES" || (cause as { code?: string }).code === "EPERM") {
        k.ioReadable = false;
        return;
      }
      throw cause;
    }
    const seconds = (now - k.ioAt) / 1000;
    const rated = !first && seconds > 0;
    k.readRate = rated ? counterIncrease(k.readBytes, io.readBytes) / seconds : 0;
    k.writeRate = rated ? counterIncrease(k.writeBytes, io.writeBytes) / seconds : 0;
    k.readBytes = io.readBytes;
    k.writeBytes = io.writeBytes;
    k.ioAt = now;
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

  /** One process of this collection: its row, or undefined when it is gone or hidden from us. */
  function observe(pid: number, now: number): ProcessInfo | undefined {
    let k = known.get(pid);
    let fresh: HeldProcFile | undefined;
    let renamed: string | undefined;
    try {
      let length: number;
      if (k?.stat) length = k.stat.read();
      else if (!k && held < maxHeld) {
        fresh = new HeldProcFile(paths.proc(String(pid), "stat"));
        held++;
        length = fresh.read();
      } else length = readProcRecord(paths.proc(String(pid), "stat"));
      const bytes = procBytes();
      parseStatBytes(bytes, length, st);
      if (k && k.startTicks !== st.startTicks) {
        // The pid was reused by a new process (possible only for files read afresh).
        forget(pid, k);
        k = undefined;
      }
      if (!k) {
        k = meet(pid, bytes.toString("latin1", st.nameFrom, st.nameTo), now, fresh);
        fresh = undefined;
        known.set(pid, k);
      } else if (!spells(bytes, st.nameFrom, st.nameTo, k.name)) {
        renamed = bytes.toString("latin1", st.nameFrom, st.nameTo);
      }
    } catch (cause) {
      if (fresh) {
        fresh.close();
        held--;
      }
      if (k && isGone(cause)) forget(pid, k);
      // Gone between the listing and the reading, or hidden from us (hidepid=noaccess): skipped.
      if (isGone(cause) || (cause as { code?: string }).code === "EACCES") return undefined;
      throw new Error(`read process ${pid}`, { cause });
    }
    k.seen = generation;
    const seconds = (now - k.at) / 1000;
    const ran = st.cpuTicks !== k.cpuTicks;
    const cpu = seconds > 0 ? (counterIncrease(k.cpuTicks, st.cpuTicks) / USER_HZ / seconds) * 100 : newbornCpu();
    if (renamed !== undefined) {
      // A new program (exec): its name and command line changed.
      k.name = renamed;
      try {
        k.command = parseCmdline(recordText(paths.proc(String(pid), "cmdline"))) || `[${renamed}]`;
      } catch {
        k.command = `[${renamed}]`;
      }
    }
    try {
      readIo(pid, k, ran, now);
    } catch (cause) {
      if (!isGone(cause)) throw new Error(`read process ${pid} io`, { cause });
      forget(pid, k);
      return undefined;
    }
    k.cpuTicks = st.cpuTicks;
    k.at = now;
    const rss = st.rssPages * pageSize!;
    const cpuPercent = round(cpu, 2);
    const growth = round(growthOf(k, rss, now), 1);
    const readRate = k.ioReadable ? round(k.readRate, 1) : null;
    const writeRate = k.ioReadable ? round(k.writeRate, 1) : null;
    const last = k.row;
    if (
      last !== undefined &&
      renamed === undefined &&
      last.state === st.state &&
      last.cpu_percent === cpuPercent &&
      last.memory_bytes === rss &&
      last.memory_growth_bytes_per_second === growth &&
      last.read_bytes_per_second === readRate &&
      last.write_bytes_per_second === writeRate &&
      last.threads === st.threads
    ) {
      return last;
    }
    k.row = {
      pid,
      name: k.name,
      command: k.command,
      user: k.user,
      state: st.state,
      cpu_percent: cpuPercent,
      memory_bytes: rss,
      memory_growth_bytes_per_second: growth,
      read_bytes_per_second: readRate,
      write_bytes_per_second: writeRate,
      threads: st.threads,
      start_time: k.startTime,
    };
    return k.row;
  }

  /**
   * What moves when a task is born that /proc may show: the last pid allocated when /proc shows the
   * agent's own PID namespace, else the count of tasks created on the host; null when unreadable. Both
   * move with threads too: a listing too many, never one too few.
   */
  function listingCue(): number | null {
    if (ownNamespace === undefined) {
      try {
        ownNamespace = procIsOwnPidNamespace(readProcFile(paths.proc("self", "status")));
      } catch {
        ownNamespace = false; // /proc/self is not the agent here: another namespace's procfs
      }
    }
    try {
      if (ownNamespace) return parseLastPid(readHostFile(paths.proc("loadavg")));
      const length = readProcRecord(paths.proc("stat"));
      return parseForkCount(procBytes(), length);
    } catch {
      return null; // the cue is only a shortcut: without it the listing is read
    }
  }

  /** Reads every process now: the full list to the table, the busiest to the Snapshot's section. */
  function read(now: number): ProcessesSection {
    generation++;
    bootTime ??= parseBootTime(readProcFile(paths.proc("stat")));
    const cue = listingCue();
    pageSize ??= pageBytes();
    previousUptime = readingUptime;
    readingUptime = uptimeAt(now);
    const items: ProcessInfo[] = [];
    const byState: Partial<Record<ProcessState, number>> = {};
    let threads = 0;
    if (now - mountsReadAt >= PASSWD_RETRY_MS) {
      mountsReadAt = now;
      try {
        restricted = procHidesOthers(readProcFile(paths.proc("self", "mountinfo")), paths.proc());
      } catch {
        restricted = false;
      }
    }
    const add = (row: ProcessInfo | undefined) => {
      if (row === undefined) return;
      byState[row.state] = (byState[row.state] ?? 0) + 1;
      threads += row.threads;
      items.push(row);
    };

    if (cue === null || cue !== cueListed || now - listedAt >= RELIST_MS) {
      // A task may have been born since the last listing: read it.
      for (const entry of list(paths.proc())) {
        const c = entry.charCodeAt(0);
        if (c < 48 || c > 57) continue;
        add(observe(Number(entry), now));
      }
      cueListed = cue;
      listedAt = now;
    } else {
      // No task was born since: the processes are those already known, less those gone.
      pids.length = 0;
      for (const pid of known.keys()) pids.push(pid);
      for (const pid of pids) add(observe(pid, now));
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
    lastReading = { section, at: now };
    return section;
  }

  // Root-cause context may ask for a reading between two due ones (a finding starts on a tick that
  // reads no processes): it then counts as the last reading, and the next is due an interval after it.
  options.table?.attachReader(read);
  return {
    name: "processes",
    collect(now) {
      // Ticks come a few ms early or late: a reading is due when it is nearer its interval than a tick away.
      const halfTick = Number.isNaN(lastCall) ? 0 : (now - lastCall) / 2;
      lastCall = now;
      if (lastReading && now - lastReading.at + halfTick < intervalMs) return { processes: lastReading.section };
      return { processes: read(now) };
    },
  };
}

/** The top `n` by CPU and the top `n` by resident memory, each process once: by CPU first, then by memory. */
export function topProcesses(items: readonly ProcessInfo[], n: number): ProcessInfo[] {
  if (n <= 0) return [];
  const byCpu = firstInOrder(items, n, (a, b) => b.cpu_percent - a.cpu_percent || b.memory_bytes - a.memory_bytes || a.pid - b.pid);
  const byMemory = firstInOrder(items, n, (a, b) => b.memory_bytes - a.memory_bytes || a.pid - b.pid);
  const out = [...byCpu];
  for (const p of byMemory) if (!out.includes(p)) out.push(p);
  return out;
}
