/**
 * `npm run bench:collect`: CPU time per full collection cycle and child processes spawned per cycle,
 * for the agent's own collectors and, in the same run, for the equivalent systeminformation calls
 * (currentLoad, mem, fsSize, networkStats, time). The host collectors are measured without the
 * processes collector (systeminformation's calls read no process), then with it as configured by
 * default; the processes collector is then measured on its own with exactly 100 and 500 processes
 * running, against htop and Netdata's apps.plugin over the same processes (`bench/support/processes-cycle.ts`).
 *
 * CPU time comes from getrusage (process.cpuUsage) around each cycle; the median is reported.
 * systeminformation's programs run as children, so their CPU (cutime + cstime of /proc/self/stat,
 * counted once they are reaped) is added for that path. Spawns are counted two ways: direct calls into
 * child_process (exact), and processes created system-wide during the run (/proc/stat "processes",
 * which also counts the programs a shell starts, and threads; other activity on the machine adds noise).
 *
 * Then fixture hosts (`FIXTURE_INTERFACES`, default 500): the captured `this-machine` tree with that many
 * interfaces in /proc/net/dev, all but 10 excluded by the default `collect.network.exclude_devices`, then
 * none excluded; for each, the collectors' CPU per cycle and the flattening into series (keys interned,
 * `collect.max_series` at its defaults), and the series kept and left out. And the same counts of real
 * interfaces (veth pairs) on this kernel, in a network namespace of their own
 * (`bench/support/interfaces-cycle.ts`), where /proc/net/dev is the kernel's own.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawns } from "./support/count-spawns.ts";

// Loaded only now, after child_process is instrumented: Bun evaluates CommonJS dependencies of static
// imports before this module's own code, and systeminformation keeps its own references to exec.
const si = (await import("systeminformation")).default;
const { systemClock } = await import("../src/clock.ts");
const { createCollectors } = await import("../src/collect/collectors.ts");
const { createSnapshotter } = await import("../src/collect/snapshotter.ts");
const { loadConfig } = await import("../src/config/load.ts");
const { SelfMetrics } = await import("../src/self-metrics.ts");
const { createHostPaths } = await import("../src/collect/linux/host-paths.ts");
const { createSeriesFlattener } = await import("../src/collect/series-flattener.ts");

const AGENT_CYCLES = Number(process.env.CYCLES ?? 5000);
const SI_CYCLES = Number(process.env.SI_CYCLES ?? 40);
/** Processes running while the processes collector is measured on its own. */
const PROCESS_COUNTS = (process.env.PROCESSES ?? "100,500").split(",").filter(Boolean).map(Number);
const FIXTURE_INTERFACES = (process.env.FIXTURE_INTERFACES ?? "500").split(",").filter(Boolean).map(Number);

interface CollectorCycles {
  cycles: number;
  medianUs: number;
  meanUs: number;
  kernelShare: number;
}

interface ProcessesCycle {
  where: string;
  collector: { processes: number; warm: CollectorCycles; paced: CollectorCycles };
  htop: PeerCost;
  appsPlugin: PeerCost;
}

type PeerCost = { processes: number; refreshes: number; perRefreshMs: number; cpuPercent: number } | { error: string };

/**
 * The processes collector and htop with exactly `n` processes running: in a PID namespace of their own
 * with its own /proc, where the only processes are the measuring program and its sleepers (as root, or
 * in a user namespace where the kernel allows one). Elsewhere on the host, crowded up to `n`.
 */
function processesCycle(n: number): ProcessesCycle {
  const script = ["bun", "bench/support/processes-cycle.ts", String(n)].map((a) => (a === "bun" ? process.execPath : a));
  const ways: Array<[string, string[]]> = [
    ["a PID namespace of their own (unshare --pid --mount-proc)", ["unshare", "--pid", "--fork", "--mount-proc", ...script]],
    ["a PID namespace of their own, in a user namespace", ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc", ...script]],
    ["the host's own /proc, crowded up to the count (no namespace could be made)", script],
  ];
  const failures: string[] = [];
  for (const [where, command] of ways) {
    const run = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
    const line = run.stdout.toString().trim().split("\n").pop() ?? "";
    if (run.exitCode === 0 && line.startsWith("{")) return { where, ...(JSON.parse(line) as Omit<ProcessesCycle, "where">) };
    failures.push(`${command[0]}: ${run.stderr.toString().trim().split("\n").pop()}`);
  }
  throw new Error(`bench:collect: the processes collector could not be measured: ${failures.join("; ")}`);
}


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

// Each cycle stands for one tick at a 1 s interval (the TUI's), so what collectors re-read only every
// few seconds (mountinfo, the host name) is counted at the rate a 1 s agent pays for it.
let monotonic = 0;
const clock = { ...systemClock, now: () => monotonic };
function cycleOf(env: Record<string, string>): () => Promise<unknown> {
  const { config } = loadConfig({ env });
  const snapshotter = createSnapshotter(createCollectors(config, { clock }), { timeoutMs: 2000, metrics: new SelfMetrics(), clock });
  return () => {
    monotonic += 1000;
    return snapshotter.collect();
  };
}
const hostProcesses = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
const agent = await measure("aiops-agent collectors without processes (procfs, sysfs, statfs)", AGENT_CYCLES, cycleOf({ AIOPS_COLLECT_PROCESSES_ENABLED: "false" }));
const agentDefault = await measure(
  `aiops-agent collectors as configured by default (with the ${hostProcesses} processes of this host)`,
  Math.ceil(AGENT_CYCLES / 5),
  cycleOf({}),
);
const fallback = await measure("systeminformation (currentLoad, mem, fsSize, networkStats, time)", SI_CYCLES, () =>
  Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats("*"), Promise.resolve(si.time())]),
);

const crowds = PROCESS_COUNTS.map((n) => processesCycle(n));

/** The captured host with `interfaces` in /proc/net/dev, `excluded` of them `veth…` (excluded by default). */
function fixtureHost(interfaces: number, excluded: number): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-collect-"));
  cpSync(join(import.meta.dir, "../test/fixtures/this-machine/t0"), dir, { recursive: true });
  const lines = ["Inter-|   Receive                                                |  Transmit", " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed"];
  for (let i = 0; i < interfaces; i++) {
    const name = i < interfaces - excluded ? `eth${i}` : `veth${i}`;
    lines.push(`${name.padStart(8)}: ${1e9 + i} ${1e6 + i} 0 0 0 0 0 0 ${2e9 + i} ${2e6 + i} 0 0 0 0 0 0`);
  }
  writeFileSync(join(dir, "proc/net/dev"), `${lines.join("\n")}\n`);
  return dir;
}

type NamespaceCycle = { count: number; kept: number } & ({ interfaces: number; reported: number; medianCpuUs: number; networkCpuUs: number } | { error: string });
const namespaces: NamespaceCycle[] = [];
for (const count of FIXTURE_INTERFACES) {
  for (const kept of [Math.min(10, count), count]) {
    const run = Bun.spawnSync(["unshare", "--user", "--map-root-user", "--net", process.execPath, "bench/support/interfaces-cycle.ts", String(count), String(kept)], { stdout: "pipe", stderr: "pipe" });
    const line = run.stdout.toString().trim().split("\n").pop() ?? "";
    namespaces.push(run.exitCode === 0 && line.startsWith("{") ? { count, kept, ...JSON.parse(line) } : { count, kept, error: run.stderr.toString().trim().split("\n").pop() ?? `exit ${run.exitCode}` });
  }
}

const STATFS = JSON.parse(readFileSync(join(import.meta.dir, "../test/fixtures/this-machine/statfs.json"), "utf8")) as Record<string, { bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number }>;
const fixtures: Array<{ interfaces: number; excluded: number; collect: Awaited<ReturnType<typeof measure>>; flatten: Awaited<ReturnType<typeof measure>>; series: number; dropped: number }> = [];
for (const interfaces of FIXTURE_INTERFACES) {
  for (const excluded of [Math.max(0, interfaces - 10), 0]) {
    const dir = fixtureHost(interfaces, excluded);
    const { config } = loadConfig({ env: { AIOPS_COLLECT_PROCESSES_ENABLED: "false" } });
    const paths = createHostPaths(dir);
    const statfsSync = (path: string) => {
      const stats = STATFS[`/${path.slice(dir.length).replace(/^\/+/, "")}`];
      if (!stats) throw Object.assign(new Error(`no statfs for ${path}`), { code: "ENOENT" });
      return stats;
    };
    const snapshotter = createSnapshotter(createCollectors(config, { clock, platform: "linux", hostPaths: paths, selfPaths: paths, statfsSync, maxHeldFiles: 0 }), {
      timeoutMs: 2000,
      metrics: new SelfMetrics(),
      clock,
    });
    let last = await snapshotter.collect();
    const collect = await measure(`${interfaces} interfaces, ${excluded} excluded: collectors`, Math.ceil(AGENT_CYCLES / 5), async () => {
      monotonic += 1000;
      last = await snapshotter.collect();
    });
    const flattener = createSeriesFlattener({ limits: config.collect.max_series });
    let flattened = flattener.flatten(last);
    const flatten = await measure(`${interfaces} interfaces, ${excluded} excluded: series`, Math.ceil(AGENT_CYCLES / 5), async () => {
      flattened = flattener.flatten(last);
    });
    fixtures.push({ interfaces, excluded, collect, flatten, series: flattened.samples.length, dropped: flattened.cap?.dropped ?? 0 });
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`bench:collect  (bun bench/collect.ts; CYCLES=${AGENT_CYCLES}, SI_CYCLES=${SI_CYCLES}; load average at the end ${load})`);
console.log("| path | cycles | CPU per cycle, median (µs) | incl. children (µs) | spawns per cycle | forks per cycle (system-wide) | wall per cycle (ms) |");
console.log("|---|---|---|---|---|---|---|");
for (const r of [agent, agentDefault, fallback]) {
  console.log(`| ${r.name} | ${r.cycles} | ${fmt(r.medianCpuUs, 0)} | ${fmt(r.withChildrenUs, 0)} | ${fmt(r.directSpawns, 2)} | ${fmt(r.systemForks, 2)} | ${fmt(r.wallMs, 3)} |`);
}
console.log(`ratio: systeminformation uses ${fmt(fallback.withChildrenUs / agent.medianCpuUs, 0)}× the CPU per cycle (incl. children); targets: ≤ 250 µs, 0 spawns, ≥ 50×`);
console.log("");
console.log(`processes collector alone, htop and Netdata's apps.plugin over the same processes (${crowds[0]?.where ?? ""})`);
console.log(
  "| processes running | collector CPU per cycle, paced like htop: median (µs) | mean (µs) | per process (µs) | in the kernel | back to back: median (µs) | htop CPU per refresh (ms) | apps.plugin CPU per iteration (ms) |",
);
console.log("|---|---|---|---|---|---|---|---|");
const peer = (p: PeerCost, ours: number) =>
  "error" in p ? `not measured: ${p.error}` : `${fmt(p.perRefreshMs, 2)}, ${fmt((p.perRefreshMs * 1000) / ours, 1)}× ours (${p.refreshes} over ${p.processes} processes)`;
for (const c of crowds) {
  const { paced, warm } = c.collector;
  console.log(
    `| ${c.collector.processes} | ${fmt(paced.medianUs, 0)} | ${fmt(paced.meanUs, 0)} | ${fmt(paced.medianUs / c.collector.processes, 2)} | ${fmt(100 * paced.kernelShare, 0)} % | ${fmt(warm.medianUs, 0)} | ${peer(c.htop, paced.medianUs)} | ${peer(c.appsPlugin, paced.medianUs)} |`,
  );
}
console.log("target: ≤ 4 ms of CPU per cycle with 500 processes");
console.log("");
console.log("real interfaces: veth pairs in a network namespace of their own (unshare --user --map-root-user --net), the rest of the host as it is");
console.log("| interfaces (and lo) | excluded | collectors: CPU per cycle, median (µs) | network collector alone (µs) | interfaces reported (lo included) |");
console.log("|---|---|---|---|---|");
for (const n of namespaces) {
  console.log("error" in n ? `| ${n.count} | ${n.count - n.kept} | not measured: ${n.error} | | |` : `| ${n.count} | ${n.count - n.kept} | ${fmt(n.medianCpuUs, 0)} | ${fmt(n.networkCpuUs, 0)} | ${n.reported} |`);
}
console.log("");
console.log("fixture hosts: the captured this-machine tree with many interfaces (processes off; collect.max_series at its defaults)");
console.log("| interfaces | excluded | collectors: CPU per cycle, median (µs) | series: CPU per tick, median (µs) | series kept | left out by collect.max_series |");
console.log("|---|---|---|---|---|---|");
for (const f of fixtures) console.log(`| ${f.interfaces} | ${f.excluded} | ${fmt(f.collect.medianCpuUs, 0)} | ${fmt(f.flatten.medianCpuUs, 0)} | ${f.series} | ${f.dropped} |`);
process.exit(0);
