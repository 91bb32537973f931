import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { seededRandom } from "../support/seeded-random.ts";

/** Ten-second ticks from a fixed Monday, as the agent collects by default. */
export const INTERVAL = 10_000;
export const HOST_T0 = Date.UTC(2025, 0, 6);
export const DAY_TICKS = 86_400_000 / INTERVAL;

/** What a fault does to the host at `k` ticks after it began (the quiet host otherwise). */
export interface Fault {
  cpu?(k: number): number;
  memory?(k: number): number;
  swap?(k: number): number;
  rootFilesystem?(k: number): number;
  /** eth0 bytes/s received and sent. */
  eth0?(k: number): { rx: number; tx: number };
  /** sda bytes/s written and its busy percent. */
  sda?(k: number): { write: number; busy: number };
}

const CPUS = 4;
const GIB = 1024 ** 3;

/**
 * A quiet but not idle 4-CPU host, tick by tick, in the Snapshot shape the Linux collectors produce:
 * CPU with a daily rhythm and noise, memory and swap steady, two filesystems, one disk (sda) with a
 * little I/O, loopback and eth0 traffic, load following the CPU, pressure (PSI) near zero. A fault
 * replaces parts of it from tick `faultAt` on, and the rest (load, pressure, modes) follows as it does
 * on a real host.
 */
export function createSyntheticHost(seed: number, fault?: Fault, faultAt = Number.POSITIVE_INFINITY) {
  const random = seededRandom(seed);
  const jitter = (amplitude: number) => (random() - 0.5) * 2 * amplitude;
  let load1 = 0.4;
  let load5 = 0.4;
  let load15 = 0.4;
  let cpuStall = 0.2;
  let memoryStall = 0;
  let ioStall = 0.1;

  return function snapshotAt(i: number): Snapshot {
    const ts = HOST_T0 + i * INTERVAL;
    const k = i - faultAt;
    const faulty = k >= 0 && fault !== undefined;
    const hour = ((ts / 3_600_000) % 24) / 24;
    let cpu = Math.max(1, 10 + 5 * Math.sin(2 * Math.PI * hour) + jitter(3));
    if (faulty && fault.cpu) cpu = fault.cpu(k);
    const memory = faulty && fault.memory ? fault.memory(k) : 40 + 0.5 * Math.sin(2 * Math.PI * hour) + jitter(0.1);
    const swap = faulty && fault.swap ? fault.swap(k) : 2 + jitter(0.01);
    const root = faulty && fault.rootFilesystem ? fault.rootFilesystem(k) : 52 + (i / DAY_TICKS) * 0.2 + jitter(0.005);
    const eth0 = faulty && fault.eth0 ? fault.eth0(k) : { rx: 200_000 * (1 + jitter(0.5)), tx: 80_000 * (1 + jitter(0.5)) };

    // Load and PSI follow the CPU as the kernel's averages do: exponentially, over 1, 5 and 15 minutes (10 s for PSI).
    const runnable = (cpu / 100) * CPUS;
    load1 += (runnable - load1) * (1 - Math.exp(-INTERVAL / 60_000));
    load5 += (runnable - load5) * (1 - Math.exp(-INTERVAL / 300_000));
    load15 += (runnable - load15) * (1 - Math.exp(-INTERVAL / 900_000));
    const stallTarget = cpu > 90 ? 60 : Math.max(0, (cpu - 20) / 4);
    cpuStall += (stallTarget - cpuStall) * (1 - Math.exp(-1));
    memoryStall += ((memory > 90 ? 30 : 0) - memoryStall) * (1 - Math.exp(-1));
    const sdaFault = faulty && fault.sda ? fault.sda(k) : undefined;
    ioStall += ((sdaFault && sdaFault.busy > 80 ? 40 : 0.1) - ioStall) * (1 - Math.exp(-1));
    const psi = (avg10: number) => ({ avg10: round(Math.max(0, avg10 + jitter(0.05))), avg60: round(avg10), avg300: round(avg10), total: i * 1000 });

    const user = cpu * 0.7;
    const memTotal = 16 * GIB;
    const memUsed = (memory / 100) * memTotal;
    const swapTotal = 4 * GIB;
    const mount = (mountpoint: string, device: string, percent: number, totalBytes: number) => ({
      mountpoint,
      device,
      fstype: "ext4",
      total: totalBytes,
      used: (percent / 100) * totalBytes,
      free: totalBytes - (percent / 100) * totalBytes,
      percent: round(percent),
      inodes_total: 6_553_600,
      inodes_used: 400_000,
      inodes_free: 6_153_600,
      inodes_percent: 6.1,
      read_only: false,
    });
    const disks = [mount("/", "/dev/sda1", root, 100 * GIB), mount("/var/lib", "/dev/sda2", 30 + jitter(0.005), 400 * GIB)];
    const sda = {
      device: "sda",
      read_bytes_per_second: 400_000 * (1 + jitter(0.5)),
      write_bytes_per_second: sdaFault ? sdaFault.write : 600_000 * (1 + jitter(0.5)),
      reads_per_second: 20 + jitter(10),
      writes_per_second: sdaFault ? sdaFault.write / 100_000 : 40 + jitter(20),
      busy_percent: sdaFault ? sdaFault.busy : Math.max(0, 2 + jitter(1)),
    };
    const lo = { rx: 2500 * (1 + jitter(0.3)) };
    const nic = (device: string, rx: number, tx: number) => ({
      device,
      receive_bytes_per_second: rx,
      transmit_bytes_per_second: tx,
      receive_packets_per_second: rx / 800,
      transmit_packets_per_second: tx / 800,
      receive_errors_per_second: 0,
      transmit_errors_per_second: 0,
      receive_drops_per_second: 0,
      transmit_drops_per_second: 0,
    });
    const interfaces = [nic("lo", lo.rx, lo.rx), nic("eth0", eth0.rx, eth0.tx)];
    const { device: _d, ...sdaIo } = sda;
    const { device: _e, ...eth0Io } = interfaces[1]!;

    return {
      timestamp: new Date(ts).toISOString(),
      cpu: {
        usage_percent: round(cpu),
        count: CPUS,
        per_cpu: Array.from({ length: CPUS }, () => round(Math.min(100, Math.max(0, cpu + jitter(5))))),
        user_percent: round(user),
        system_percent: round(cpu - user),
        iowait_percent: round(Math.max(0, 0.5 + jitter(0.3))),
        steal_percent: 0,
      },
      memory: {
        total: memTotal,
        available: memTotal - memUsed,
        used: memUsed,
        free: (memTotal - memUsed) / 2,
        percent: round(memory),
        buffers: GIB / 4,
        cached: 2 * GIB,
        swap: { total: swapTotal, used: (swap / 100) * swapTotal, free: swapTotal - (swap / 100) * swapTotal, percent: round(swap) },
      },
      disk: disks[0],
      disks,
      disk_io: { devices: [sda], total: sdaIo },
      network: { interfaces, total: eth0Io },
      uptime_seconds: 1_000_000 + i * 10,
      load: { load1: round(load1), load5: round(load5), load15: round(load15) },
      pressure: {
        cpu: { some: psi(cpuStall) },
        memory: { some: psi(memoryStall), full: psi(memoryStall / 2) },
        io: { some: psi(ioStall), full: psi(ioStall / 2) },
      },
    };
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
