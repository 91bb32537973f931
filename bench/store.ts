/**
 * Store benchmark: simulated days of ticks of a host, at a 1 s and a 10 s interval, written into a
 * store in a temporary directory on disk with maintenance every 60 s as the agent runs it, and a
 * clean stop at the end. Measures, from /proc/self/io, the bytes the process wrote while the store
 * ran (wchar: every byte handed to write(2), the WAL and its checkpoints included; write_bytes: what
 * the kernel counted as reaching the disk, which misses rewrites of pages not yet flushed, so it reads
 * low in a simulation that runs days in seconds), per simulated day. Two hosts: one the size of this
 * machine (its real series count is printed beside it) and a larger one. Also prints the database
 * size, the time of one tick's write, of maintenance, and of a few queries (of one series and of
 * many, over 24 hours at 1-minute resolution: they read a day of roll-up blocks).
 *
 * Target: at most 200 MB a day written at a 1 s interval on this machine's host, WAL included.
 *
 *   bun bench/store.ts [--days 2] [--intervals 1,10] [--hosts this,large] [--dir DIR] [--keep]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Snapshot } from "../src/contracts/snapshot.ts";
import { toSamples } from "../src/collect/series-flattener.ts";
import { type Clock, systemClock } from "../src/clock.ts";
import { createLogger } from "../src/log.ts";
import { seededRandom } from "../test/support/seeded-random.ts";
import { SelfMetrics } from "../src/self-metrics.ts";
import { createStore } from "../src/store/store.ts";

const { values: args } = parseArgs({
  options: {
    days: { type: "string", default: "2" },
    intervals: { type: "string", default: "1,10" },
    hosts: { type: "string", default: "this,large" },
    dir: { type: "string", default: process.cwd() },
    keep: { type: "boolean", default: false },
    churn: { type: "string", default: "1" },
  },
});
const DAYS = Number(args.days);
const MAINTENANCE_MS = 60_000;
const DAY_MS = 86_400_000;
const TARGET_1S_BYTES_PER_DAY = 200e6;

/**
 * This machine as the collectors see it: 2 CPUs, a few mounts, devices and interfaces, and the busiest
 * processes (top 10 by CPU and by memory, about 13 distinct); a new one every 5 s or so. The larger one:
 * 64 CPUs, 30 mounts, 12 devices, 40 interfaces, 20 processes.
 */
const HOSTS: Record<string, HostShape> = {
  this: { cpus: 2, mounts: 3, devices: 2, interfaces: 3, processes: 13 },
  large: { cpus: 64, mounts: 30, devices: 12, interfaces: 40, processes: 20 },
};

/** The size of a simulated host. */
interface HostShape {
  cpus: number;
  mounts: number;
  devices: number;
  interfaces: number;
  /** Busiest processes exported as series (5 series each). */
  processes: number;
}

/** New processes among the busiest per minute (each brings 5 new series). */
const CHURN_PER_MINUTE = Number(args.churn);

/**
 * A host of `shape`, in a limited cgroup, with PSI: values drift the way a real host's do
 * (percentages and rates are fractional, byte counts whole, error counters mostly zero), and the
 * busiest processes come and go (each new one is a new series).
 */
function createHost(seed: number, shape: HostShape, intervalMs: number): (ts: number) => Snapshot {
  const rnd = seededRandom(seed);
  const walk = (v: number, step: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v + (rnd() - 0.5) * step));
  const cpus = Array.from({ length: shape.cpus }, () => 20 + rnd() * 30);
  let available = 9e9;
  let swapUsed = 1.2e8;
  const baseMounts = [
    { mountpoint: "/", device: "/dev/nvme0n1p2", fstype: "ext4", total: 512e9, used: 210e9, inodes: 32e6, inodesUsed: 2.1e6 },
    { mountpoint: "/boot", device: "/dev/nvme0n1p1", fstype: "vfat", total: 1.07e9, used: 0.12e9, inodes: 0, inodesUsed: 0 },
    { mountpoint: "/var/lib/data", device: "/dev/sda1", fstype: "xfs", total: 4e12, used: 2.9e12, inodes: 400e6, inodesUsed: 12e6 },
    { mountpoint: "/home", device: "/dev/nvme0n1p3", fstype: "ext4", total: 256e9, used: 90e9, inodes: 16e6, inodesUsed: 0.9e6 },
  ];
  const mounts = Array.from({ length: shape.mounts }, (_, i) => ({
    ...baseMounts[i % baseMounts.length]!,
    ...(i >= baseMounts.length ? { mountpoint: `/srv/volume-${i}`, device: `/dev/vd${i}` } : {}),
  }));
  const devices = Array.from({ length: shape.devices }, (_, i) => ["nvme0n1", "sda", "sdb"][i] ?? `vd${i}`);
  const interfaces = Array.from({ length: shape.interfaces }, (_, i) => ["lo", "eth0", "eth1", "wlan0"][i] ?? `ens${i}`);
  let nextPid = 1000;
  const newProcess = () => ({ pid: nextPid++, cpu: rnd() * 50, rss: Math.round(rnd() * 5e8 / 4096) * 4096, threads: 1 + Math.floor(rnd() * 20) });
  const processes = Array.from({ length: shape.processes }, newProcess);
  let load1 = 2;
  let load5 = 2;
  let load15 = 2;
  const bootTs = Date.UTC(2025, 0, 1) - 3 * DAY_MS;
  const rate = (scale: number) => Math.round(rnd() * scale * 1000) / 1000;
  const netIo = (scale: number) => ({
    receive_bytes_per_second: rate(scale),
    transmit_bytes_per_second: rate(scale / 2),
    receive_packets_per_second: rate(scale / 900),
    transmit_packets_per_second: rate(scale / 1200),
    receive_errors_per_second: rnd() < 0.001 ? 0.1 : 0,
    transmit_errors_per_second: 0,
    receive_drops_per_second: rnd() < 0.01 ? 0.1 : 0,
    transmit_drops_per_second: 0,
  });
  const diskIo = (scale: number) => ({
    read_bytes_per_second: Math.round(rnd() * scale) * 512 / 10,
    write_bytes_per_second: Math.round(rnd() * scale * 2) * 512 / 10,
    reads_per_second: Math.round(rnd() * scale / 4000) / 10,
    writes_per_second: Math.round(rnd() * scale / 2000) / 10,
    busy_percent: rnd() * 8,
  });
  const psi = () => ({ avg10: Math.round(rnd() * 300) / 100, avg60: Math.round(rnd() * 200) / 100, avg300: Math.round(rnd() * 100) / 100, total: 0 });
  return (ts) => {
    if (processes.length > 0 && rnd() < (CHURN_PER_MINUTE * intervalMs) / 60_000) processes[Math.floor(rnd() * processes.length)] = newProcess();
    for (const p of processes) {
      p.cpu = walk(p.cpu, 5, 0, 100);
      if (rnd() < 0.1) p.rss += 4096 * Math.round((rnd() - 0.5) * 64);
    }
    for (let i = 0; i < cpus.length; i++) cpus[i] = walk(cpus[i]!, 10, 0, 100);
    const usage = cpus.reduce((a, b) => a + b, 0) / cpus.length;
    available = Math.round(walk(available, 2e8, 2e9, 15e9) / 4096) * 4096;
    if (rnd() < 0.01) swapUsed += 4096 * Math.round(rnd() * 100);
    for (const m of mounts) if (m.mountpoint !== "/boot") m.used += 4096 * Math.round(rnd() * 50);
    load1 = Math.round(walk(load1, 0.5, 0, 16) * 100) / 100;
    load5 = Math.round((load5 * 0.97 + load1 * 0.03) * 100) / 100;
    load15 = Math.round((load15 * 0.99 + load1 * 0.01) * 100) / 100;
    const netDevices = interfaces.map((device) => ({ device, ...netIo(device === "lo" ? 5e4 : 2e6) }));
    const ioDevices = devices.map((device) => ({ device, ...diskIo(2e6) }));
    const sum = <K extends string>(rows: Array<Record<K, number>>, keys: readonly K[]) =>
      Object.fromEntries(keys.map((k) => [k, rows.reduce((a, r) => a + r[k], 0)])) as Record<K, number>;
    return {
      timestamp: new Date(ts).toISOString(),
      cpu: {
        usage_percent: usage,
        count: cpus.length,
        per_cpu: [...cpus],
        user_percent: usage * 0.7,
        system_percent: usage * 0.25,
        iowait_percent: usage * 0.04,
        steal_percent: 0,
      },
      memory: {
        total: 17e9,
        available,
        used: 17e9 - available,
        free: available / 2,
        percent: ((17e9 - available) / 17e9) * 100,
        buffers: 0,
        cached: 0,
        swap: { total: 2147479552, used: swapUsed, free: 2147479552 - swapUsed, percent: (swapUsed / 2147479552) * 100 },
      },
      disks: mounts.map((m) => ({
        mountpoint: m.mountpoint,
        device: m.device,
        fstype: m.fstype,
        total: m.total,
        used: m.used,
        free: m.total - m.used,
        percent: (m.used / m.total) * 100,
        inodes_total: m.inodes,
        inodes_used: m.inodesUsed,
        inodes_free: m.inodes - m.inodesUsed,
        inodes_percent: m.inodes ? (m.inodesUsed / m.inodes) * 100 : 0,
        read_only: false,
      })),
      disk_io: {
        devices: ioDevices,
        total: sum(ioDevices, ["read_bytes_per_second", "write_bytes_per_second", "reads_per_second", "writes_per_second", "busy_percent"]),
      },
      network: {
        interfaces: netDevices,
        total: sum(
          netDevices.filter((d) => d.device !== "lo"),
          [
            "receive_bytes_per_second",
            "transmit_bytes_per_second",
            "receive_packets_per_second",
            "transmit_packets_per_second",
            "receive_errors_per_second",
            "transmit_errors_per_second",
            "receive_drops_per_second",
            "transmit_drops_per_second",
          ],
        ),
      },
      uptime_seconds: (ts - bootTs) / 1000,
      load: { load1, load5, load15 },
      pressure: { cpu: { some: psi(), full: psi() }, memory: { some: psi(), full: psi() }, io: { some: psi(), full: psi() } },
      cgroup: {
        version: 2,
        path: "/system.slice/aiops-agent.service",
        memory_usage: 48e6 + Math.round(rnd() * 4e6),
        memory_limit: 256e6,
        memory_percent: rnd() * 20 + 18,
        cpu_limit_cores: 0.5,
        cpu_usage_percent: rnd() * 3,
        cpu_throttled_per_second: 0,
        pids_current: 11,
        pids_limit: 512,
      },
      processes: {
        count: 300,
        threads: 900,
        by_state: { running: 2, sleeping: 298 },
        top: processes.map((p) => ({
          pid: p.pid,
          name: `worker-${p.pid % 7}`,
          command: `worker ${p.pid}`,
          user: "root",
          state: "sleeping" as const,
          cpu_percent: p.cpu,
          memory_bytes: p.rss,
          memory_growth_bytes_per_second: 0,
          read_bytes_per_second: rnd() < 0.9 ? 0 : Math.round(rnd() * 1e5),
          write_bytes_per_second: rnd() < 0.8 ? 0 : Math.round(rnd() * 1e5),
          threads: p.threads,
          start_time: "2025-01-01T00:00:00.000Z",
        })),
      },
    } as Snapshot;
  };
}

/** Bytes this process has written so far, from /proc/self/io: wchar (every write(2)) and write_bytes (counted as reaching the disk). */
function ioCounters(): { wchar: number; writeBytes: number } | undefined {
  try {
    const text = readFileSync("/proc/self/io", "utf8");
    const field = (name: string) => Number(text.match(new RegExp(`^${name}:\\s*(\\d+)`, "m"))?.[1] ?? Number.NaN);
    return { wchar: field("wchar"), writeBytes: field("write_bytes") };
  } catch {
    return undefined;
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const us = (ns: number) => `${(ns / 1e3).toFixed(0)} µs`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** Bytes on disk of a file; 0 when it is absent (no WAL right after a truncating checkpoint). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The series count of this machine as the agent's collectors see it now. */
async function realSeriesCount(): Promise<number | undefined> {
  try {
    const { createCollectors } = await import("../src/collect/collectors.ts");
    const { createSnapshotter } = await import("../src/collect/snapshotter.ts");
    const { loadConfig } = await import("../src/config/load.ts");
    const { config } = loadConfig({ env: {} });
    const snapshotter = createSnapshotter(createCollectors(config, { clock: systemClock }), { timeoutMs: 2000, metrics: new SelfMetrics(), clock: systemClock });
    await snapshotter.collect();
    await Bun.sleep(1000);
    return toSamples(await snapshotter.collect()).length;
  } catch {
    return undefined;
  }
}

interface DayFigures {
  wchar: number;
  writeBytes: number;
  file: number;
  wal: number;
}

interface RunFigures {
  host: string;
  intervalS: number;
  series: number;
  distinctSeries: number;
  days: DayFigures[];
  writesNs: number[];
  routineMs: number[];
  hourlyMs: number[];
  queries: string[];
  /** wchar over the whole run: ticks (the block writes), routine maintenance (checkpoints, retention), the roll-ups of raw blocks (an older agent's). */
  split?: { tick: number; routine: number; hourly: number };
}

function run(hostName: string, shape: HostShape, intervalS: number): RunFigures {
  const dir = mkdtempSync(join(args.dir, ".bench-store-"));
  const start = Date.UTC(2025, 0, 1);
  let now = start;
  /** Simulated days of wall time, at the speed the store writes; durations stay real. */
  const clock: Clock = { ...systemClock, wallMs: () => now, wall: () => new Date(now) };
  const settings = { raw_retention: 86_400, rollup_retention: 30 * 86_400, max_size_mb: 1024, maintenance_interval: 0 };
  const log = createLogger({ level: "warning", clock, sink: { write: (line) => void process.stderr.write(line) } });
  const store = createStore({ dataDir: dir, settings, log, metrics: new SelfMetrics(), clock });
  store.open();
  const intervalMs = intervalS * 1000;
  const host = createHost(42, shape, intervalMs);
  const figures: RunFigures = { host: hostName, intervalS, series: 0, distinctSeries: 0, days: [], writesNs: [], routineMs: [], hourlyMs: [], queries: [] };
  const distinct = new Set<string>();
  const split = { tick: 0, routine: 0, hourly: 0 };
  let last = ioCounters();
  let nextMaintenance = start + MAINTENANCE_MS;
  const ticks = Math.round((DAYS * DAY_MS) / intervalMs);
  const endOfDay = () => {
    const io = ioCounters();
    const dbPath = join(dir, "aiops-agent.db");
    figures.days.push({
      wchar: io && last ? io.wchar - last.wchar : Number.NaN,
      writeBytes: io && last ? io.writeBytes - last.writeBytes : Number.NaN,
      file: sizeOf(dbPath),
      wal: sizeOf(`${dbPath}-wal`),
    });
    last = io;
  };
  for (let tick = 1; tick <= ticks; tick++) {
    now = start + tick * intervalMs;
    const samples = toSamples(host(now));
    figures.series = samples.length;
    for (const s of samples) if (s.labels.pid) distinct.add(s.labels.pid);
    const w0 = ioCounters()?.wchar ?? 0;
    const t0 = Bun.nanoseconds();
    const result = store.writeSamples(now, samples);
    split.tick += (ioCounters()?.wchar ?? 0) - w0;
    figures.writesNs.push(Bun.nanoseconds() - t0);
    if (result.error) throw new Error(result.error);
    if (now >= nextMaintenance) {
      nextMaintenance += MAINTENANCE_MS;
      const m0 = ioCounters()?.wchar ?? 0;
      const report = store.maintain();
      split[report?.rolledUp.hours ? "hourly" : "routine"] += (ioCounters()?.wchar ?? 0) - m0;
      if (!report) throw new Error("maintenance failed");
      (report.rolledUp.hours > 0 ? figures.hourlyMs : figures.routineMs).push(report.durationMs);
    }
    if ((now - start) % DAY_MS === 0 && tick !== ticks) endOfDay();
  }
  const q = (label: string, fn: () => { series: Array<{ points: unknown[] }>; resolution: string }) => {
    const t0 = performance.now();
    const r = fn();
    return `${label}: ${ms(performance.now() - t0)} (${r.resolution}, ${r.series.length} series, ${r.series.reduce((a, s) => a + s.points.length, 0)} points)`;
  };
  figures.queries = [
    q("1 h of aiops_cpu_core_usage_percent", () => store.querySeries({ metric: "aiops_cpu_core_usage_percent", from: now - 3_600_000, to: now })),
    q("24 h of aiops_cpu_usage_percent", () => store.querySeries({ metric: "aiops_cpu_usage_percent", from: now - DAY_MS, to: now })),
    // The same again, warm: the first query of a run also pays for compiling the code it runs.
    q("again", () => store.querySeries({ metric: "aiops_cpu_usage_percent", from: now - DAY_MS, to: now })),
    q("24 h of aiops_cpu_core_usage_percent", () => store.querySeries({ metric: "aiops_cpu_core_usage_percent", from: now - DAY_MS, to: now })),
    q("24 h of aiops_network_receive_bytes_per_second{device=\"eth0\"}, step 5 min", () =>
      store.querySeries({ metric: "aiops_network_receive_bytes_per_second", labels: { device: "eth0" }, from: now - DAY_MS, to: now, step: 300_000 }),
    ),
    q(`${DAYS} d of aiops_network_receive_bytes_per_second, step 1 h`, () =>
      store.querySeries({ metric: "aiops_network_receive_bytes_per_second", from: start, to: now, step: 3_600_000 }),
    ),
  ];
  const t0 = performance.now();
  const latest = store.latest();
  figures.queries.push(`latest of ${latest.length} series: ${ms(performance.now() - t0)}`);
  // The clean stop (writes the last block, checkpoints) belongs to the last day.
  store.close();
  endOfDay();
  figures.distinctSeries = distinct.size;
  figures.split = split;
  if (args.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return figures;
}

const real = await realSeriesCount();
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loadBefore = load();
const results: RunFigures[] = [];
for (const hostName of args.hosts.split(",")) {
  const shape = HOSTS[hostName];
  if (!shape) throw new Error(`--hosts: unknown host ${hostName}; allowed: ${Object.keys(HOSTS).join(", ")}`);
  for (const interval of args.intervals.split(",").map(Number)) results.push(run(hostName, shape, interval));
}

console.log(`bench:store  (bun bench/store.ts --days ${DAYS} --intervals ${args.intervals} --hosts ${args.hosts}; load average ${loadBefore} before, ${load()} after)`);
console.log(`this machine has ${real ?? "n/a"} series now (the agent's collectors, default configuration)`);
console.log("| host | interval | series a tick | day | written (wchar) | written (write_bytes) | database + WAL at the end of the day |");
console.log("|---|---|---|---|---|---|---|");
for (const r of results) {
  r.days.forEach((d, i) =>
    console.log(`| ${r.host} | ${r.intervalS} s | ${r.series} | ${i + 1} | ${mb(d.wchar)} | ${mb(d.writeBytes)} | ${mb(d.file + d.wal)} (WAL ${mb(d.wal)}) |`),
  );
}
for (const r of results) {
  const writes = [...r.writesNs].sort((a, b) => a - b);
  const routine = [...r.routineMs].sort((a, b) => a - b);
  const hourly = [...r.hourlyMs].sort((a, b) => a - b);
  console.log(`${r.host} at ${r.intervalS} s (${r.series} series a tick, ${r.distinctSeries} processes seen):`);
  console.log(
    `  write of one tick: median ${us(quantile(writes, 0.5))}, p99 ${us(quantile(writes, 0.99))}, p99.9 ${us(quantile(writes, 0.999))}, max ${us(writes.at(-1) ?? 0)}`,
  );
  console.log(
    `  maintenance (between ticks): routine (${routine.length} runs) median ${ms(quantile(routine, 0.5))}, p99 ${ms(quantile(routine, 0.99))}, max ${ms(routine.at(-1) ?? 0)}; ` +
      `roll-ups of raw blocks (${hourly.length} runs, each with its checkpoint) median ${ms(quantile(hourly, 0.5))}, max ${ms(hourly.at(-1) ?? 0)}`,
  );
  console.log(`  queries: ${r.queries.join("; ")}`);
  if (r.split) console.log(`  written (wchar) over the run by: ticks ${mb(r.split.tick)}, routine maintenance (checkpoints, retention) ${mb(r.split.routine)}, roll-ups of raw blocks and their checkpoints ${mb(r.split.hourly)}`);
}
const thisAt1 = results.find((r) => r.host === "this" && r.intervalS === 1);
if (thisAt1) {
  const worst = Math.max(...thisAt1.days.map((d) => Math.max(d.wchar, d.writeBytes)));
  console.log(`target: at most ${mb(TARGET_1S_BYTES_PER_DAY)} a day at 1 s on this machine's host: ${mb(worst)} on the worst day, ${worst <= TARGET_1S_BYTES_PER_DAY ? "met" : "NOT met"}`);
}
