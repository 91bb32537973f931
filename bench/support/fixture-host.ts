import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** How big a generated host is. */
export interface FixtureHostShape {
  /** Network interfaces in /proc/net/dev, `lo` among them; the others are named so that none is excluded. */
  interfaces: number;
  /** Mounted filesystems in /proc/1/mountinfo, `/` among them: each a filesystem of its own, none excluded. */
  mounts: number;
  /** Processes under /proc/<pid>, a third of them kernel threads (as on a typical server). */
  processes: number;
}

/** A generated host the agent reads through `agent.host_root`. */
export interface FixtureHost {
  root: string;
  shape: FixtureHostShape;
  /**
   * One interval of activity: every interface's counters grow, and a tenth of the processes (a different
   * tenth each time) use CPU and do I/O. Files are rewritten in place: the agent keeps /proc/<pid>/stat
   * open between ticks and reads it again from the start, as it does the kernel's.
   */
  advance(): void;
  remove(): void;
}

/** The /proc files that are not about processes, mounts or interfaces: the agent reads this machine's own. */
const LIVE_PROC = ["stat", "meminfo", "uptime", "loadavg", "diskstats", "pressure", "sys", "self", "thread-self", "cpuinfo", "version", "vmstat"];

const USERS: ReadonlyArray<[number, string]> = [
  [0, "root"],
  [33, "www-data"],
  [999, "postgres"],
  [1000, "deploy"],
];

/**
 * A host root under `parent` with `shape`'s interfaces, mounts and processes generated, and everything
 * else this machine's (symbolic links to the live /proc files and to /sys): what the real collectors read
 * on a host of that shape. Mount points are directories of the tree, so statfs answers for them.
 */
export function createFixtureHost(parent: string, shape: FixtureHostShape): FixtureHost {
  for (const [key, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`fixture host: ${key} must be a whole number of at least 1, got ${value}`);
  }
  const root = mkdtempSync(join(parent, "fixture-host-"));
  const proc = join(root, "proc");
  mkdirSync(join(proc, "net"), { recursive: true });
  for (const name of LIVE_PROC) symlinkSync(join("/proc", name), join(proc, name));
  symlinkSync("/sys", join(root, "sys"));
  mkdirSync(join(root, "etc"));
  writeFileSync(join(root, "etc/passwd"), USERS.map(([uid, name]) => `${name}:x:${uid}:${uid}::/home/${name}:/bin/sh\n`).join(""));

  const mountpoints = ["/", ...Array.from({ length: shape.mounts - 1 }, (_, i) => `/srv/volume${i + 1}`)];
  for (const mountpoint of mountpoints) mkdirSync(join(root, mountpoint), { recursive: true });

  const processes = Array.from({ length: shape.processes }, (_, i) => newProcess(i));
  for (const p of processes) {
    const dir = join(proc, String(p.pid));
    mkdirSync(dir);
    writeFileSync(join(dir, "status"), `Name:\t${p.name}\nState:\tS (sleeping)\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\n`);
    writeFileSync(join(dir, "cmdline"), p.kernel ? "" : `/usr/bin/${p.name}\0--instance\0${p.pid}\0`);
    writeProcess(dir, p);
  }
  writeFileSync(join(proc, "1", "mountinfo"), mountinfo(mountpoints));

  const interfaces = ["lo", ...Array.from({ length: shape.interfaces - 1 }, (_, i) => `ens${i + 1}`)];
  let tick = 0;
  const writeNetDev = () => writeFileSync(join(proc, "net/dev"), netDev(interfaces, tick));
  writeNetDev();

  return {
    root,
    shape,
    advance() {
      tick++;
      writeNetDev();
      const step = Math.max(1, Math.round(processes.length / 10));
      for (let i = 0; i < step; i++) {
        const p = processes[(tick * step + i) % processes.length]!;
        p.cpuTicks += 1 + (p.pid % 5);
        p.readBytes += 4096 * (p.pid % 7);
        p.writeBytes += 4096 * (p.pid % 3);
        writeProcess(join(proc, String(p.pid)), p);
      }
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

interface FixtureProcess {
  pid: number;
  name: string;
  kernel: boolean;
  uid: number;
  threads: number;
  rssPages: number;
  startTicks: number;
  cpuTicks: number;
  readBytes: number;
  writeBytes: number;
}

function newProcess(i: number): FixtureProcess {
  const pid = i + 1;
  // pid 1 is init; then a kernel thread every third pid, as a server shows them.
  const kernel = pid > 1 && pid % 3 === 2;
  return {
    pid,
    name: pid === 1 ? "systemd" : kernel ? `kworker/${pid % 8}:${pid % 3}` : `service-${pid % 40}`,
    kernel,
    uid: kernel ? 0 : USERS[pid % USERS.length]![0],
    threads: kernel ? 1 : 1 + (pid % 16),
    rssPages: kernel ? 0 : 1000 + ((pid * 7919) % 50_000),
    startTicks: 100 + pid * 3,
    cpuTicks: (pid * 31) % 10_000,
    readBytes: 0,
    writeBytes: 0,
  };
}

/** PF_KTHREAD, as the kernel marks its own threads in the flags of /proc/<pid>/stat. */
const PF_KTHREAD = 0x00200000;

/** /proc/<pid>/stat (52 fields, as Linux 5.x and later write it) and /proc/<pid>/io. */
function writeProcess(dir: string, p: FixtureProcess): void {
  const utime = Math.ceil(p.cpuTicks / 2);
  const stime = p.cpuTicks - utime;
  const flags = p.kernel ? PF_KTHREAD : 0x400100;
  // After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice threads itrealvalue starttime vsize rss, then 30 more.
  const fields = ["S", p.pid === 1 ? 0 : 1, p.pid, p.pid, 0, -1, flags, 100, 0, 0, 0, utime, stime, 0, 0, 20, 0, p.threads, 0, p.startTicks, p.rssPages * 4096 * 4, p.rssPages];
  while (fields.length < 50) fields.push(0);
  writeFileSync(join(dir, "stat"), `${p.pid} (${p.name}) ${fields.join(" ")}\n`);
  writeFileSync(
    join(dir, "io"),
    `rchar: ${p.readBytes * 2}\nwchar: ${p.writeBytes * 2}\nsyscr: 10\nsyscw: 10\nread_bytes: ${p.readBytes}\nwrite_bytes: ${p.writeBytes}\ncancelled_write_bytes: 0\n`,
  );
}

/** mountinfo with one ext4 filesystem per mount point (distinct device numbers: no bind mounts to fold). */
function mountinfo(mountpoints: readonly string[]): string {
  return mountpoints
    .map((mountpoint, i) => `${100 + i} ${i === 0 ? 1 : 100} 253:${i} / ${mountpoint} rw,relatime shared:${i + 1} - ext4 /dev/mapper/vg-lv${i} rw\n`)
    .join("");
}

/** /proc/net/dev: two header lines, then 8 receive and 8 transmit counters per interface. */
function netDev(interfaces: readonly string[], tick: number): string {
  const lines = [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
  ];
  interfaces.forEach((name, i) => {
    const rxPackets = (i + 1) * 1000 * (tick + 1);
    const txPackets = (i + 1) * 700 * (tick + 1);
    const rx = [rxPackets * 800, rxPackets, 0, i % 5 === 0 ? tick : 0, 0, 0, 0, 0];
    const tx = [txPackets * 600, txPackets, 0, 0, 0, 0, 0, 0];
    lines.push(`${name.padStart(6)}: ${rx.join(" ")} ${tx.join(" ")}`);
  });
  return `${lines.join("\n")}\n`;
}

