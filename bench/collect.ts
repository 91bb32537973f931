/**
 * `npm run bench:collect`: CPU time per full collection cycle and child processes spawned per cycle,
 * for the agent's own collectors and, in the same run, for the equivalent systeminformation calls
 * (currentLoad, mem, fsSize, networkStats, time).
 *
 * CPU time comes from getrusage (process.cpuUsage) around each cycle; the median is reported.
 * systeminformation's programs run as children, so their CPU (cutime + cstime of /proc/self/stat,
 * counted once they are reaped) is added for that path. Spawns are counted two ways: direct calls into
 * child_process (exact), and processes created system-wide during the run (/proc/stat "processes",
 * which also counts the programs a shell starts, and threads; other activity on the machine adds noise).
 */
import { readFileSync } from "node:fs";
import { spawns } from "./support/count-spawns.ts";

// Loaded only now, after child_process is instrumented: Bun evaluates CommonJS dependencies of static
// imports before this module's own code, and systeminformation keeps its own references to exec.
const si = (await import("systeminformation")).default;
const { systemClock } = await import("../src/clock.ts");
const { createCollectors } = await import("../src/collect/collectors.ts");
const { createSnapshotter } = await import("../src/collect/snapshotter.ts");
const { loadConfig } = await import("../src/config/load.ts");
const { SelfMetrics } = await import("../src/self-metrics.ts");

const AGENT_CYCLES = Number(process.env.CYCLES ?? 5000);
const SI_CYCLES = Number(process.env.SI_CYCLES ?? 40);


function systemForks(): number {
  return Number(readFileSync("/proc/stat", "utf8").match(/^processes (\d+)$/m)![1]);
}

/** CPU seconds of reaped children (utime + stime of waited-for children), from /proc/self/stat. */
function childrenCpuMicros(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16 and 17 of stat)
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(name: string, cycles: number, cycle: () => Promise<unknown>) {
  await cycle(); // warm up: first call primes rates and JIT
  const perCycle: number[] = [];
  const spawnsBefore = spawns.count;
  const forksBefore = systemForks();
  const childBefore = childrenCpuMicros();
  const wallStart = performance.now();
  for (let i = 0; i < cycles; i++) {
    const before = process.cpuUsage();
    await cycle();
    const used = process.cpuUsage(before);
    perCycle.push(used.user + used.system);
  }
  const wall = performance.now() - wallStart;
  const childCpu = (childrenCpuMicros() - childBefore) / cycles;
  return {
    name,
    cycles,
    medianCpuUs: median(perCycle),
    withChildrenUs: median(perCycle) + childCpu,
    directSpawns: (spawns.count - spawnsBefore) / cycles,
    systemForks: (systemForks() - forksBefore) / cycles,
    wallMs: wall / cycles,
  };
}

const { config } = loadConfig({ env: {} });
// Each cycle stands for one tick at a 1 s interval (the TUI's), so what collectors re-read only every
// few seconds (mountinfo, the host name) is counted at the rate a 1 s agent pays for it.
let monotonic = 0;
const clock = { ...systemClock, now: () => monotonic };
const snapshotter = createSnapshotter(createCollectors(config, { clock }), { timeoutMs: 2000, metrics: new SelfMetrics(), clock });
const agent = await measure("aiops-agent collectors (procfs, sysfs, statfs)", AGENT_CYCLES, () => {
  monotonic += 1000;
  return snapshotter.collect();
});
const fallback = await measure("systeminformation (currentLoad, mem, fsSize, networkStats, time)", SI_CYCLES, () =>
  Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats("*"), Promise.resolve(si.time())]),
);

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(`bench:collect  (bun bench/collect.ts; CYCLES=${AGENT_CYCLES}, SI_CYCLES=${SI_CYCLES})`);
console.log("| path | cycles | CPU per cycle, median (µs) | incl. children (µs) | spawns per cycle | forks per cycle (system-wide) | wall per cycle (ms) |");
console.log("|---|---|---|---|---|---|---|");
for (const r of [agent, fallback]) {
  console.log(`| ${r.name} | ${r.cycles} | ${fmt(r.medianCpuUs, 0)} | ${fmt(r.withChildrenUs, 0)} | ${fmt(r.directSpawns, 2)} | ${fmt(r.systemForks, 2)} | ${fmt(r.wallMs, 3)} |`);
}
console.log(`ratio: systeminformation uses ${fmt(fallback.withChildrenUs / agent.medianCpuUs, 0)}× the CPU per cycle (incl. children); targets: ≤ 250 µs, 0 spawns, ≥ 50×`);
process.exit(0);
