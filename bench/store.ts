/**
 * Store benchmark: days of ticks at a 10 s interval with the samples of a realistic host (every
 * metric of the Series table), written into a store in a temporary directory, with maintenance every
 * 60 s as the agent runs it. Prints the database size per day (target: under 50 MB a day), the time
 * of one tick's write, the time of maintenance and the bytes the process wrote to disk.
 *
 *   bun bench/store.ts [--days 2] [--interval 10] [--keep]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
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
  options: { days: { type: "string", default: "2" }, interval: { type: "string", default: "10" }, keep: { type: "boolean", default: false } },
});
const DAYS = Number(args.days);
const INTERVAL_MS = Number(args.interval) * 1000;
const MAINTENANCE_MS = 60_000;
const DAY_MS = 86_400_000;


/**
 * A host with 16 CPUs, 4 filesystems, 3 block devices and 4 network interfaces, in a limited
 * cgroup, with PSI: values drift the way a real host's do (percentages and rates are fractional,
 * byte counts whole, error counters mostly zero).
 */
function createHost(seed: number): (ts: number) => Snapshot {
  const rnd = seededRandom(seed);
  const walk = (v: number, step: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v + (rnd() - 0.5) * step));
  const cpus = Array.from({ length: 16 }, () => 20 + rnd() * 30);
  let available = 9e9;
  let swapUsed = 1.2e8;
  const mounts = [
    { mountpoint: "/", device: "/dev/nvme0n1p2", fstype: "ext4", total: 512e9, used: 210e9, inodes: 32e6, inodesUsed: 2.1e6 },
    { mountpoint: "/boot", device: "/dev/nvme0n1p1", fstype: "vfat", total: 1.07e9, used: 0.12e9, inodes: 0, inodesUsed: 0 },
    { mountpoint: "/var/lib/data", device: "/dev/sda1", fstype: "xfs", total: 4e12, used: 2.9e12, inodes: 400e6, inodesUsed: 12e6 },
    { mountpoint: "/home", device: "/dev/nvme0n1p3", fstype: "ext4", total: 256e9, used: 90e9, inodes: 16e6, inodesUsed: 0.9e6 },
  ];
  const devices = ["nvme0n1", "sda", "sdb"];
  const interfaces = ["lo", "eth0", "eth1", "wlan0"];
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
    };
  };
}

/** Bytes this process has handed to write(2) so far (WAL, checkpoints): what reaches the disk. */
function bytesWritten(): number | undefined {
  try {
    const match = readFileSync("/proc/self/io", "utf8").match(/^wchar:\s*(\d+)/m);
    return match ? Number(match[1]) : undefined;
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

const dir = mkdtempSync(join(tmpdir(), "aiops-bench-store-"));
const start = Date.UTC(2025, 0, 1);
let now = start;
/** Simulated days of wall time, at the speed the store writes; durations stay real. */
const clock: Clock = { ...systemClock, wallMs: () => now, wall: () => new Date(now) };
const metrics = new SelfMetrics();
const settings = { raw_retention: 86_400, rollup_retention: 30 * 86_400, max_size_mb: 1024, maintenance_interval: 0 };
const log = createLogger({ level: "warning", clock, sink: { write: (line) => void process.stderr.write(line) } });
const store = createStore({ dataDir: dir, settings, log, metrics, clock });
store.open();
const host = createHost(42);

const writes: number[] = [];
const routine: number[] = [];
const hourly: number[] = [];
const days: Array<{ file: number; wal: number; written: number | undefined }> = [];
let lastWritten = bytesWritten();
let nextMaintenance = start + MAINTENANCE_MS;
let seriesCount = 0;
const ticks = Math.round((DAYS * DAY_MS) / INTERVAL_MS);
for (let tick = 1; tick <= ticks; tick++) {
  now = start + tick * INTERVAL_MS;
  const samples = toSamples(host(now));
  seriesCount = samples.length;
  const t0 = Bun.nanoseconds();
  const result = store.writeSamples(now, samples);
  writes.push(Bun.nanoseconds() - t0);
  if (result.error) throw new Error(result.error);
  if (now >= nextMaintenance) {
    nextMaintenance += MAINTENANCE_MS;
    const report = store.maintain();
    if (!report) throw new Error("maintenance failed");
    (report.rolledUp.hours > 0 ? hourly : routine).push(report.durationMs);
  }
  if ((now - start) % DAY_MS === 0) {
    const written = bytesWritten();
    days.push({
      file: sizeOf(join(dir, "aiops-agent.db")),
      wal: sizeOf(join(dir, "aiops-agent.db-wal")),
      written: written !== undefined && lastWritten !== undefined ? written - lastWritten : undefined });
    lastWritten = written;
  }
}

const q = (label: string, fn: () => { series: Array<{ points: unknown[] }>; resolution: string }) => {
  const t0 = performance.now();
  const r = fn();
  return `${label}: ${ms(performance.now() - t0)} (${r.resolution}, ${r.series.length} series, ${r.series.reduce((a, s) => a + s.points.length, 0)} points)`;
};
const queries = [
  q("1 h of aiops_cpu_core_usage_percent (16 series)", () => store.querySeries({ metric: "aiops_cpu_core_usage_percent", from: now - 3_600_000, to: now })),
  q("24 h of aiops_cpu_usage_percent", () => store.querySeries({ metric: "aiops_cpu_usage_percent", from: now - DAY_MS, to: now })),
  q(`${DAYS} d of aiops_network_receive_bytes_per_second, step 1 h`, () =>
    store.querySeries({ metric: "aiops_network_receive_bytes_per_second", from: start, to: now, step: 3_600_000 }),
  ),
];
const t0 = performance.now();
const latest = store.latest();
const latestMs = performance.now() - t0;
const counts = store.db
  .query<Record<string, number>, []>(
    "SELECT (SELECT count(*) FROM points) AS points, (SELECT count(*) FROM points_recent) AS recent, (SELECT count(*) FROM rollup_1m) AS rollup_1m, (SELECT count(*) FROM rollup_1h) AS rollup_1h",
  )
  .get();
store.close();
const r0 = performance.now();
const reopened = createStore({ dataDir: dir, settings, log, metrics: new SelfMetrics(), clock });
reopened.open();
const reopenMs = performance.now() - r0;
reopened.close();

writes.sort((a, b) => a - b);
routine.sort((a, b) => a - b);
hourly.sort((a, b) => a - b);
console.log(`$ bun bench/store.ts --days ${DAYS} --interval ${INTERVAL_MS / 1000}`);
console.log(`host: ${seriesCount} series, a tick every ${INTERVAL_MS / 1000} s, ${ticks} ticks over ${DAYS} simulated days, maintenance every 60 s`);
console.log("database size on disk (file + WAL) at the end of each day, and bytes the process wrote that day (WAL and checkpoints):");
days.forEach((d, i) => {
  const size = d.file + d.wal;
  const growth = size - (days[i - 1] ? days[i - 1]!.file + days[i - 1]!.wal : 0);
  console.log(
    `  day ${i + 1}: ${mb(size)} (file ${mb(d.file)} + WAL ${mb(d.wal)}), +${mb(growth)} that day; written ${d.written === undefined ? "n/a" : mb(d.written)}`,
  );
});
console.log(`rows: ${JSON.stringify(counts)}`);
console.log(
  `write of one tick (${seriesCount} points, one transaction): median ${us(quantile(writes, 0.5))}, p99 ${us(quantile(writes, 0.99))}, max ${us(writes.at(-1) ?? 0)}`,
);
console.log(
  `maintenance: routine (${routine.length} runs) median ${ms(quantile(routine, 0.5))}, p99 ${ms(quantile(routine, 0.99))}; ` +
    `hourly roll-up (${hourly.length} runs) median ${ms(quantile(hourly, 0.5))}, max ${ms(hourly.at(-1) ?? 0)}`,
);
console.log(`queries: ${queries.join("; ")}; latest of ${latest.length} series: ${ms(latestMs)}`);
console.log(`reopen (with migrations check): ${ms(reopenMs)}`);
if (args.keep) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
