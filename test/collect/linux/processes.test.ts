import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { movablePaths } from "../../support/captured-tree.ts";
import { createHostPaths } from "../../../src/collect/linux/host-paths.ts";
import {
  createProcessesCollector,
  parseCmdline,
  parseForkCount,
  parseLastPid,
  parseProcIo,
  parseProcStat,
  parseStatusUid,
  procHidesOthers,
  procIsOwnPidNamespace,
} from "../../../src/collect/linux/processes.ts";
import { ManualClock } from "../../../src/clock.ts";
import { createProcessTable } from "../../../src/collect/process-table.ts";
import type { ProcessesSection } from "../../../src/contracts/snapshot.ts";

const CASE = join(import.meta.dir, "../../fixtures/processes-this-machine");
const GAP = Number(readFileSync(join(CASE, "gap_ms"), "utf8"));
const [BURNER, HOLDER, WRITER, ZOMBIE_PARENT, ZOMBIE] = [25948, 25949, 25950, 25951, 25961];

/** Two collections of the captured tree, `gap_ms` apart, as two ticks would make them. */
function replay(root = CASE, list?: (dir: string) => string[]) {
  const at = { current: "t0" };
  const table = createProcessTable(new ManualClock());
  const collector = createProcessesCollector(movablePaths(root, at), { top: 3, table, maxHeld: 0, ...(list ? { list } : {}) });
  collector.collect(0);
  at.current = "t1";
  const part = collector.collect(GAP) as { processes: ProcessesSection };
  return { section: part.processes, table };
}

describe("parsers of /proc/<pid>", () => {
  test("stat: a name with spaces and parentheses, and a kernel thread", () => {
    const st = parseProcStat("77 (tmux: server (1)) S 1 77 77 0 -1 4194560 120 0 0 0 250 50 0 0 20 0 3 0 9000 10000000 1500 18446744073709551615 0 0");
    expect(st).toMatchObject({ pid: 77, name: "tmux: server (1)", state: "sleeping", cpuTicks: 300, threads: 3, startTicks: 9000, rssPages: 1500, kernelThread: false });
    const k = parseProcStat(readFileSync(join(CASE, "t1/proc/2/stat"), "latin1"));
    expect(k).toMatchObject({ pid: 2, name: "kthreadd", kernelThread: true });
  });
  test("io, status and cmdline", () => {
    expect(parseProcIo("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n")).toEqual({ readBytes: 4096, writeBytes: 8192 });
    expect(parseStatusUid("Name:\tx\nUid:\t1000\t1001\t1000\t1000\n")).toBe(1001);
    expect(parseCmdline("/usr/bin/python3\0./disk-writer\0/var/tmp/x\0")).toBe("/usr/bin/python3 ./disk-writer /var/tmp/x");
    expect(() => parseProcStat("garbage")).toThrow("no (name)");
    // Cut short (a kernel that wrote less than the fields the view needs): said, never read as zeros.
    expect(() => parseProcStat("77 (sh) S 1 77 77 0 -1 4194560 120 0 0 0 250 50")).toThrow("15 fields, expected at least 24");
    // Exactly the fields needed, ending in a newline: the last one still reads as a number.
    expect(parseProcStat("9 (a) R 1 9 9 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 500 4096 42\n")).toMatchObject({ state: "running", cpuTicks: 10, rssPages: 42 });
  });
  test("hidepid on the proc mount means other users' processes are hidden", () => {
    const line = (opts: string) => `22 1 0:21 / /proc rw,nosuid - proc proc ${opts}\n`;
    expect(procHidesOthers(line("rw,hidepid=invisible"), "/proc")).toBe(true);
    expect(procHidesOthers(line("rw,hidepid=2"), "/proc")).toBe(true);
    expect(procHidesOthers(line("rw,hidepid=0"), "/proc")).toBe(false);
    expect(procHidesOthers(line("rw"), "/proc")).toBe(false);
    expect(procHidesOthers(`${line("rw")}23 1 0:40 / /host/proc rw - proc proc rw,hidepid=invisible\n`, "/host/proc")).toBe(true);
  });
});

describe("the captured workload gives the expected processes", () => {
  test("CPU, memory, I/O, states, users and commands", () => {
    const { section, table } = replay();
    const p = (pid: number) => table.items.find((i) => i.pid === pid)!;
    expect(section.count).toBe(6);
    expect(section.by_state).toEqual({ running: 1, sleeping: 4, zombie: 1 });
    expect(section.visibility).toBe("all");
    // Busy the whole gap, sharing two CPUs with the rest of a busy machine: its clock ticks over the gap.
    const ticks = (t: string) => {
      const f = readFileSync(join(CASE, t, "proc", String(BURNER), "stat"), "latin1").split(") ")[1]!.split(" ");
      return Number(f[11]) + Number(f[12]);
    };
    expect(p(BURNER).cpu_percent).toBeCloseTo((ticks("t1") - ticks("t0")) / (GAP / 1000), 1);
    expect(p(BURNER).cpu_percent).toBeGreaterThan(30);
    expect(p(BURNER)).toMatchObject({ name: "cpu-burner", user: "root", command: "/bin/sh ./cpu-burner", state: "running" });
    expect(p(HOLDER).memory_bytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(p(WRITER).write_bytes_per_second).toBeGreaterThan(10_000_000);
    expect(p(ZOMBIE)).toMatchObject({ state: "zombie", command: "[zombie-maker]", memory_bytes: 0 });
    expect(p(2)).toMatchObject({ name: "kthreadd", command: "[kthreadd]", user: "root" });
    expect(p(ZOMBIE_PARENT).command).toBe("/usr/bin/python3 ./zombie-maker");
    // The top 3 by CPU, then the top 3 by memory not already in.
    expect(section.top[0]!.pid).toBe(BURNER);
    expect(section.top.map((t) => t.pid)).toContain(HOLDER);
    expect(section.top.length).toBeLessThanOrEqual(6);
  });

  test("a process that exits between the listing and the reading is skipped silently", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-proc-"));
    try {
      cpSync(CASE, dir, { recursive: true });
      // Listed at t1, but its directory is gone by the time its files are read.
      rmSync(join(dir, "t1/proc", String(HOLDER)), { recursive: true });
      const { section, table } = replay(dir, (proc) => [...readdirSync(proc), ...(proc.includes("/t1/") ? [String(HOLDER)] : [])]);
      expect(section.count).toBe(5);
      expect(table.items.map((i) => i.pid)).not.toContain(HOLDER);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a process whose stat vanishes after its directory was listed (ESRCH) is skipped too", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-proc-"));
    try {
      cpSync(CASE, dir, { recursive: true });
      rmSync(join(dir, "t1/proc", String(WRITER), "stat"));
      const { section } = replay(dir);
      expect(section.count).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a collection reads only what may have changed", () => {
  test("the /proc listing is read again only when a task was born since (the last pid of /proc/loadavg moved)", () => {
    const at = { current: "t0" };
    const listed: string[] = [];
    const list = (dir: string) => {
      listed.push(at.current);
      return readdirSync(dir);
    };
    const table = createProcessTable(new ManualClock());
    const collector = createProcessesCollector(movablePaths(CASE, at), { top: 3, table, maxHeld: 0, list });
    collector.collect(0);
    at.current = "t1"; // 12 pids later
    const t1 = (collector.collect(GAP) as { processes: ProcessesSection }).processes;
    // The same tree again: no pid allocated since, so no listing; the same processes, and nothing ran meanwhile.
    const again = (collector.collect(2 * GAP) as { processes: ProcessesSection }).processes;
    expect(listed).toEqual(["t0", "t1"]);
    expect(again.count).toBe(t1.count);
    expect(table.items.map((i) => i.pid).sort()).toEqual([2, BURNER, HOLDER, WRITER, ZOMBIE_PARENT, ZOMBIE]);
    const burner = table.items.find((i) => i.pid === BURNER)!;
    expect(t1.top[0]!.pid).toBe(BURNER);
    expect(t1.top[0]!.cpu_percent).toBeGreaterThan(30);
    // Its row of the last collection is not given again: its CPU time did not move, so 0 %.
    expect(burner.cpu_percent).toBe(0);
    expect(burner.write_bytes_per_second).toBe(0);
  });

  /**
   * A tree of two moments from the captured t1: t0 is t1 less the writer, with `before(file, text)`
   * giving t0's version of a file of /proc (the cue one task earlier); `self` replaces the NSpid line.
   */
  function bornBetween(before: (file: string, text: string) => string, nspid?: string) {
    const dir = mkdtempSync(join(tmpdir(), "aiops-proc-"));
    cpSync(join(CASE, "t1"), join(dir, "t1"), { recursive: true });
    cpSync(join(CASE, "t1"), join(dir, "t0"), { recursive: true });
    rmSync(join(dir, "t0/proc", String(WRITER)), { recursive: true });
    for (const file of ["stat", "loadavg"]) writeFileSync(join(dir, "t0/proc", file), before(file, readFileSync(join(dir, "t1/proc", file), "latin1")));
    if (nspid !== undefined) {
      for (const t of ["t0", "t1"]) {
        const status = join(dir, t, "proc/self/status");
        writeFileSync(status, readFileSync(status, "latin1").replace(/^NSpid:.*$/m, `NSpid:\t${nspid}`));
      }
    }
    const at = { current: "t0" };
    const listed: string[] = [];
    const table = createProcessTable(new ManualClock());
    const list = (proc: string) => {
      listed.push(at.current);
      return readdirSync(proc);
    };
    const collector = createProcessesCollector(movablePaths(dir, at), { top: 3, table, maxHeld: 0, list });
    const count = (now: number) => (collector.collect(now) as { processes: ProcessesSection }).processes.count;
    return { dir, at, table, listed, count, done: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const lastPidOneLess = (file: string, text: string) => (file === "loadavg" ? text.replace(/ (\d+)\n?$/, (_, n) => ` ${Number(n) - 1}\n`) : text);

  test("while the last pid stays put a process that exited is dropped; once it moves, a new process is found", () => {
    const tree = bornBetween(lastPidOneLess);
    try {
      expect(tree.count(0)).toBe(5);
      tree.at.current = "t1";
      expect(tree.count(GAP)).toBe(6);
      expect(tree.table.items.find((i) => i.pid === WRITER)?.command).toContain("disk-writer");
      rmSync(join(tree.dir, "t1/proc", String(HOLDER)), { recursive: true });
      expect(tree.count(2 * GAP)).toBe(5);
      expect(tree.table.items.map((i) => i.pid)).not.toContain(HOLDER);
      // Two listings: the first reading, and the one after the birth; the exit needed none.
      expect(tree.listed).toEqual(["t0", "t1"]);
    } finally {
      tree.done();
    }
  });

  test("a process born while the cue stays put is found by the listing read once a minute anyway", () => {
    const tree = bornBetween((_, text) => text); // the same last pid and fork count at both moments
    try {
      expect(tree.count(0)).toBe(5);
      tree.at.current = "t1";
      expect(tree.count(30_000)).toBe(5);
      expect(tree.count(59_999)).toBe(5);
      expect(tree.count(60_000)).toBe(6);
      expect(tree.listed).toEqual(["t0", "t1"]);
    } finally {
      tree.done();
    }
  });

  test("with /proc of another PID namespace than the agent's, the fork count of /proc/stat is the cue", () => {
    // The host's /proc mounted into a container of its own namespace: the agent has a pid in both.
    const forkOneLess = (file: string, text: string) => (file === "stat" ? text.replace(/^processes (\d+)$/m, (_, n) => `processes ${Number(n) - 1}`) : text);
    const tree = bornBetween(forkOneLess, "25977\t7");
    try {
      expect(tree.count(0)).toBe(5);
      tree.at.current = "t1";
      expect(tree.count(GAP)).toBe(6); // the fork count moved, the last pid did not
      expect(tree.count(2 * GAP)).toBe(6);
      expect(tree.listed).toEqual(["t0", "t1"]);
    } finally {
      tree.done();
    }
    // And the last pid moving alone does not stand for a birth there: the count is the cue.
    const other = bornBetween(lastPidOneLess, "25977\t7");
    try {
      expect(other.count(0)).toBe(5);
      other.at.current = "t1";
      expect(other.count(GAP)).toBe(5);
      expect(other.listed).toEqual(["t0"]);
    } finally {
      other.done();
    }
  });

  test("at a tick shorter than collect.processes.interval, the ticks in between give the last reading again", () => {
    const at = { current: "t0" };
    let listings = 0;
    const list = (dir: string) => {
      listings++;
      return readdirSync(dir);
    };
    const collector = createProcessesCollector(movablePaths(CASE, at), { top: 3, maxHeld: 0, list, intervalMs: 3000 });
    const first = (collector.collect(0) as { processes: ProcessesSection }).processes;
    at.current = "t1";
    // Ticks a second apart, a few ms early or late.
    expect((collector.collect(1003) as { processes: ProcessesSection }).processes).toEqual(first);
    expect((collector.collect(1998) as { processes: ProcessesSection }).processes).toEqual(first);
    expect(listings).toBe(1);
    const third = (collector.collect(2996) as { processes: ProcessesSection }).processes;
    expect(listings).toBe(2);
    // The burner's CPU is spread over the three seconds since the reading before.
    const ticks = (t: string) => {
      const f = readFileSync(join(CASE, t, "proc", String(BURNER), "stat"), "latin1").split(") ")[1]!.split(" ");
      return Number(f[11]) + Number(f[12]);
    };
    expect(third.top[0]!.pid).toBe(BURNER);
    expect(third.top[0]!.cpu_percent).toBeCloseTo((ticks("t1") - ticks("t0")) / 2.996, 1);
  });

  test("procIsOwnPidNamespace: one pid on the NSpid line; parseLastPid: the 5th field of /proc/loadavg", () => {
    expect(procIsOwnPidNamespace("Name:\tbun\nNSpid:\t4242\nNSpgid:\t4242\n")).toBe(true);
    // In a namespace nested below /proc's: its pid there, then in its own.
    expect(procIsOwnPidNamespace("Name:\tbun\nNSpid:\t4242\t1\n")).toBe(false);
    // A kernel before 4.1 has no NSpid line: not known, so not assumed.
    expect(procIsOwnPidNamespace("Name:\tbun\nPid:\t4242\n")).toBe(false);
    expect(parseLastPid("0.58 0.69 0.34 2/134 13890\n")).toBe(13890);
    expect(parseLastPid("0.58 0.69 0.34 2/134\n")).toBeNull();
  });

  test("parseForkCount reads the processes line of /proc/stat, and says when there is none", () => {
    const text = (t: string) => Buffer.from(t, "latin1");
    const stat = text("cpu  1 2 3\nctxt 9\nbtime 1700000000\nprocesses 58439\nprocs_running 2\n");
    expect(parseForkCount(stat, stat.length)).toBe(58439);
    // Only the bytes read count: what the buffer held before is not read.
    const cut = stat.indexOf("processes");
    expect(parseForkCount(stat, cut)).toBeNull();
    const none = text("cpu  1 2 3\n");
    expect(parseForkCount(none, none.length)).toBeNull();
  });
});

test("the live /proc: processes come and go between collections without an error", async () => {
  const collector = createProcessesCollector(createHostPaths("/"), { top: 5 });
  let clock = 0;
  for (let i = 0; i < 20; i++) {
    const children = Array.from({ length: 5 }, () => Bun.spawn(["/bin/sh", "-c", "exit 0"]));
    const part = collector.collect((clock += 100)) as { processes: ProcessesSection };
    expect(part.processes.count).toBeGreaterThan(1);
    await Promise.all(children.map((c) => c.exited));
  }
  const self = (collector.collect((clock += 100)) as { processes: ProcessesSection }).processes;
  expect(self.count).toBeGreaterThan(1);
});
