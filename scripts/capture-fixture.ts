/**
 * Captures the files the Linux collectors read, twice, `--gap` ms apart, into a fixture tree:
 *   <out>/t0/proc/…, <out>/t1/proc/…, <out>/t1/sys/block/… (symlinks), <out>/statfs.json, <out>/gap_ms
 * With --pids, also each listed process's /proc/<pid>/{stat,status,io,cmdline} (or every process with
 * `--pids all`), the capturing process's statm and status (page size) and /etc/passwd (user names).
 * Usage: bun scripts/capture-fixture.ts <out> [--gap 1000] [--root /] [--pids 1,2,4242|all]
 * Fixtures must be real captures: this script is how test/fixtures/<case>/ trees are made.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statfsSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { parseMountinfo } from "../src/collect/linux/disk.ts";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { gap: { type: "string" }, root: { type: "string" }, pids: { type: "string" } } });
const out = positionals[0];
if (!out) throw new Error("usage: bun scripts/capture-fixture.ts <out> [--gap ms] [--root /]");
const root = values.root ?? "/";
const gap = Number(values.gap ?? 1000);
const pids = values.pids === "all" ? "all" : (values.pids?.split(",").filter(Boolean) ?? []);

/** The process files, for the pids asked for (a process gone meanwhile is simply not captured). */
function processFiles(): string[] {
  if (pids !== "all" && pids.length === 0) return [];
  const list = pids === "all" ? readdirSync(join(root, "proc")).filter((n) => /^\d+$/.test(n)) : pids;
  const files = ["proc/self/statm", "proc/self/status", "etc/passwd"];
  for (const pid of list) for (const f of ["stat", "status", "io", "cmdline"]) files.push(`proc/${pid}/${f}`);
  return files;
}

const FILES = [
  "proc/stat",
  "proc/meminfo",
  "proc/self/mountinfo",
  "proc/diskstats",
  "proc/net/dev",
  "proc/uptime",
  "proc/loadavg",
  "proc/sys/kernel/hostname",
  "proc/pressure/cpu",
  "proc/pressure/memory",
  "proc/pressure/io",
  "proc/self/cgroup",
  // The start-up inventory's files (those a host lacks, such as DMI in a micro-VM, are left out).
  "etc/os-release",
  "proc/cpuinfo",
  "proc/sys/kernel/osrelease",
  "sys/class/dmi/id/sys_vendor",
  "sys/class/dmi/id/product_name",
  "sys/hypervisor/type",
];

function copyText(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(dirname(to), { recursive: true });
  // procfs files report size 0: read them as text rather than copying bytes.
  writeFileSync(to, readFileSync(from, "utf8"));
}

/** The agent's own cgroup files (the capture process stands in for the agent). */
function cgroupFiles(): string[] {
  const files: string[] = [];
  for (const line of readFileSync(join(root, "proc/self/cgroup"), "utf8").split("\n")) {
    const match = line.match(/^(\d+):([^:]*):(.*)$/);
    if (!match) continue;
    const path = match[3] === "/" ? "" : match[3]!;
    if (match[2] === "") {
      for (const f of ["memory.current", "memory.max", "cpu.max", "cpu.stat", "pids.current", "pids.max"]) files.push(`sys/fs/cgroup${path}/${f}`);
    }
    for (const controller of match[2]!.split(",")) {
      const names: Record<string, string[]> = {
        memory: ["memory.usage_in_bytes", "memory.limit_in_bytes"],
        cpu: ["cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.stat"],
        cpuacct: ["cpuacct.usage"],
        pids: ["pids.current", "pids.max"],
      };
      for (const f of names[controller] ?? []) files.push(`sys/fs/cgroup/${controller}${path}/${f}`);
    }
  }
  return files;
}

function capture(dir: string): void {
  for (const file of [...FILES, ...cgroupFiles(), ...processFiles()]) {
    try {
      copyText(join(root, file), join(dir, file));
    } catch (cause) {
      // A process that exited meanwhile, or an io file we may not read: left out, as the collector would.
      if (!["ENOENT", "ESRCH", "EACCES"].includes((cause as { code?: string }).code ?? "")) throw cause;
    }
  }
  mkdirSync(join(dir, "sys/block"), { recursive: true });
  for (const name of readdirSync(join(root, "sys/block"))) {
    symlinkSync(readlinkSync(join(root, "sys/block", name)), join(dir, "sys/block", name));
  }
}

capture(join(out, "t0"));
const started = performance.now();
await Bun.sleep(gap);
capture(join(out, "t1"));
writeFileSync(join(out, "gap_ms"), `${Math.round(performance.now() - started)}\n`);

const statfs: Record<string, unknown> = {};
for (const m of parseMountinfo(readFileSync(join(out, "t1/proc/self/mountinfo"), "utf8"))) {
  try {
    const s = statfsSync(join(root, m.mountpoint));
    statfs[m.mountpoint] = { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
  } catch {
    // not reachable from here: the collector would skip it too
  }
}
writeFileSync(join(out, "statfs.json"), `${JSON.stringify(statfs, null, 2)}\n`);
console.log(`captured ${out} (gap ${readFileSync(join(out, "gap_ms"), "utf8").trim()} ms)`);
