/**
 * `npm run bench:tick`: what one tick of the whole pipeline costs (collect, series, every tick stage:
 * detection, history in the store, alerting, remediation; the publication to the event stream), on
 * this machine and on generated hosts of a given shape. The compiled binary runs as deployed
 * (BUN_JSC_useDFGJIT=0, BUN_JSC_useBaselineJIT=0, BUN_JSC_forceCodeBlockLiveness=1 and BUN_GC_TIMER_DISABLE=1, as deploy/ sets them; `AS_BUILT=1` without) with `agent.host_root` at each
 * host, one agent at a time; its own per-tick metrics (`aiops_tick_cpu_seconds`,
 * `aiops_tick_stage_cpu_seconds{stage}`, `aiops_tick_stage_seconds{stage}`) are read after every tick,
 * in the middle of the interval, so that each reading holds exactly one tick. The CPU is the agent
 * process's (user and system, every thread) between the start and the end of the tick, not wall time.
 *
 *   bun bench/tick.ts                 TICKS=60 WARMUP=10 INTERVAL=1
 *   HOSTS=machine,if500 bun bench/tick.ts   only these hosts (names below)
 *   AGENT_ENV="AIOPS_DETECT_CONTEXTUAL=false AIOPS_DETECT_FLATLINE=false" bun bench/tick.ts
 *                                     the agent's settings, to compare (AIOPS_* only; the rest of
 *                                     the environment's AIOPS_* variables are never passed)
 *
 * Targets (issue 15): at most 1 ms of CPU per tick p50 on this machine, at most 10 ms with 500
 * interfaces and 300 mounts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FixtureHost, type FixtureHostShape, createFixtureHost } from "./support/fixture-host.ts";
import { buildBinary, deployedEnvironment, processCpuSeconds, processRssBytes } from "./support/process-stats.ts";

const TICKS = Number(process.env.TICKS ?? 60);
/** Ticks left out at the start: the first ones learn baselines and warm the JIT. */
const WARMUP = Number(process.env.WARMUP ?? 10);
const INTERVAL = Number(process.env.INTERVAL ?? 1);

/** Generated hosts: this machine's /proc and /sys but for interfaces, mounts and processes. */
const BASE: FixtureHostShape = { interfaces: 3, mounts: 3, processes: 100 };
const HOSTS: ReadonlyArray<{ name: string; what: string; shape?: FixtureHostShape }> = [
  { name: "machine", what: "this machine (/)" },
  { name: "if100", what: "100 interfaces", shape: { ...BASE, interfaces: 100 } },
  { name: "if500", what: "500 interfaces", shape: { ...BASE, interfaces: 500 } },
  { name: "mounts300", what: "300 mounts", shape: { ...BASE, mounts: 300 } },
  { name: "proc500", what: "500 processes", shape: { ...BASE, processes: 500 } },
  { name: "if500+mounts300", what: "500 interfaces and 300 mounts", shape: { ...BASE, interfaces: 500, mounts: 300 } },
];

const chosen = process.env.HOSTS ? process.env.HOSTS.split(",") : HOSTS.map((h) => h.name);
for (const name of chosen) {
  if (!HOSTS.some((h) => h.name === name)) throw new Error(`HOSTS: no host ${JSON.stringify(name)}; the hosts are ${HOSTS.map((h) => h.name).join(", ")}`);
}
if (!(Number.isInteger(TICKS) && TICKS >= 2)) throw new Error(`TICKS must be a whole number of at least 2, got ${process.env.TICKS}`);
/** Settings given to the agent (`AGENT_ENV`: space-separated AIOPS_NAME=value pairs). */
const AGENT_ENV: Record<string, string> = {};
for (const pair of (process.env.AGENT_ENV ?? "").split(/\s+/).filter(Boolean)) {
  const eq = pair.indexOf("=");
  if (!pair.startsWith("AIOPS_") || eq < 0) throw new Error(`AGENT_ENV: ${JSON.stringify(pair)} is not AIOPS_NAME=value (space-separated pairs of the agent's settings)`);
  AGENT_ENV[pair.slice(0, eq)] = pair.slice(eq + 1);
}
if (!(INTERVAL >= 0.1)) throw new Error(`INTERVAL must be at least 0.1 (seconds, as agent.interval), got ${process.env.INTERVAL}`);

/** One reading of /metrics: `name{labels}` → value. */
type Scrape = Map<string, number>;

async function scrape(port: number): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Scrape = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("aiops_tick") && !line.startsWith("aiops_processes{")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Stage names, in the order the agent first exported them. */
function stagesOf(s: Scrape): string[] {
  const out: string[] = [];
  for (const key of s.keys()) {
    const match = key.match(/^aiops_tick_stage_cpu_seconds_sum\{stage="([^"]+)"\}$/);
    if (match) out.push(match[1]!);
  }
  return out;
}

interface TickSample {
  cpu: number;
  wall: number;
  stages: Map<string, number>;
}

interface HostResult {
  name: string;
  what: string;
  series: number;
  /** Processes the agent saw on the host at the last reading. */
  processes: number;
  ticks: TickSample[];
  stages: string[];
  processCpuPercent: number;
  rssMb: number;
}

const sleepUntil = (at: number) => Bun.sleep(Math.max(0, at - performance.now()));

async function measure(host: (typeof HOSTS)[number], binary: string, work: string, port: number): Promise<HostResult> {
  let fixture: FixtureHost | undefined;
  if (host.shape) fixture = createFixtureHost(work, host.shape);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_"))) as Record<string, string>;
  const agent = Bun.spawn([binary, "run"], {
    env: {
      ...clean,
      AIOPS_LISTEN: `127.0.0.1:${port}`,
      AIOPS_INTERVAL: String(INTERVAL),
      AIOPS_DATA_DIR: mkdtempSync(join(work, "data-")),
      AIOPS_HOST_ROOT: fixture?.root ?? "/",
      AIOPS_LOG_LEVEL: "info",
      AIOPS_LOG_FORMAT: "json",
      ...AGENT_ENV,
      ...deployedEnvironment().env,
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  // The first tick logs how many series it produced; the rest of the log is read and dropped.
  let series = Number.NaN;
  const logRead = (async () => {
    let pending = "";
    for await (const chunk of agent.stdout) {
      pending += new TextDecoder().decode(chunk);
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (Number.isNaN(series) && line.includes("Metrics collected successfully")) series = Number(JSON.parse(line).series);
      }
    }
  })();
  try {
    const deadline = performance.now() + 60_000;
    let last: Scrape | undefined;
    while (!last) {
      if (performance.now() > deadline) throw new Error(`${host.name}: the agent served no tick within 60 s`);
      try {
        const s = await scrape(port);
        if ((s.get("aiops_ticks_total") ?? 0) >= 1) last = s;
      } catch {
        // not listening yet
      }
      if (!last) await Bun.sleep(50);
    }
    // Find when ticks happen: read until the count moves, then read in the middle of each interval.
    let tickedAt = performance.now();
    for (const before = last.get("aiops_ticks_total"); ; ) {
      await Bun.sleep(10);
      last = await scrape(port);
      tickedAt = performance.now();
      if (last.get("aiops_ticks_total") !== before) break;
    }
    const intervalMs = INTERVAL * 1000;
    const ticks: TickSample[] = [];
    let cpuFrom = 0;
    let measuredFrom = 0;
    for (let k = 0; ticks.length < TICKS; k++) {
      await sleepUntil(tickedAt + (k + 0.5) * intervalMs);
      const now = await scrape(port);
      fixture?.advance();
      const count = (now.get("aiops_tick_cpu_seconds_count") ?? 0) - (last.get("aiops_tick_cpu_seconds_count") ?? 0);
      if (k === WARMUP) {
        cpuFrom = processCpuSeconds(agent.pid);
        measuredFrom = performance.now();
      }
      // A reading that holds no tick or two (the bench was late) is not a tick's cost: skipped.
      if (k >= WARMUP && count === 1) {
        const delta = (key: string) => (now.get(key) ?? 0) - (last!.get(key) ?? 0);
        const stages = new Map(stagesOf(now).map((stage) => [stage, delta(`aiops_tick_stage_cpu_seconds_sum{stage="${stage}"}`)]));
        ticks.push({ cpu: delta("aiops_tick_cpu_seconds_sum"), wall: delta("aiops_tick_duration_seconds_sum"), stages });
      }
      last = now;
      if (k > 3 * (WARMUP + TICKS)) throw new Error(`${host.name}: fewer than ${TICKS} readings held exactly one tick; is the machine overloaded?`);
    }
    const seconds = (performance.now() - measuredFrom) / 1000;
    const processCpuPercent = (100 * (processCpuSeconds(agent.pid) - cpuFrom)) / seconds;
    const processes = [...last].reduce((sum, [key, value]) => (key.startsWith("aiops_processes{") ? sum + value : sum), 0);
    return { name: host.name, what: host.what, series, processes, ticks, stages: stagesOf(last), processCpuPercent, rssMb: processRssBytes(agent.pid) / 1024 / 1024 };
  } finally {
    agent.kill("SIGTERM");
    await agent.exited;
    await logRead.catch(() => {});
    fixture?.remove();
  }
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const uptime = () => Bun.spawnSync(["uptime"]).stdout.toString().trim();
const loadAtStart = uptime();
const work = mkdtempSync(join(tmpdir(), "aiops-bench-tick-"));
const results: HostResult[] = [];
try {
  const binary = buildBinary(work);
  const port = 19000 + Math.floor(Math.random() * 1000);
  for (const [i, host] of HOSTS.filter((h) => chosen.includes(h.name)).entries()) {
    process.stderr.write(`bench:tick: ${host.what}...\n`);
    results.push(await measure(host, binary, work, port + i));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const ms = (seconds: number) => (seconds * 1000).toFixed(2);
const stages = [...new Set(results.flatMap((r) => r.stages))];
console.log(
  `bench:tick  (bun bench/tick.ts; the compiled binary, ${deployedEnvironment().description}, interval ${INTERVAL} s${Object.keys(AGENT_ENV).length > 0 ? `, ${Object.entries(AGENT_ENV).map(([k, v]) => `${k}=${v}`).join(" ")}` : ""}, ${TICKS} ticks per host after ${WARMUP}; this machine: ${readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length ?? "?"} CPUs)`,
);
console.log(`load at start: ${loadAtStart}`);
console.log(`load at end:   ${uptime()}`);
console.log(
  `| host | processes | series | CPU per tick p50 (ms) | p99 (ms) | mean (ms) | wall p50 (ms) | ${stages.map((s) => `${s} %`).join(" | ")} | worst tick: its largest part | agent CPU, % of a core | RSS (MB) |`,
);
console.log(`|---|---|---|---|---|---|---|${stages.map(() => "---|").join("")}---|---|---|`);
for (const r of results) {
  const cpu = r.ticks.map((t) => t.cpu);
  const total = cpu.reduce((a, b) => a + b, 0);
  const shares = stages.map((stage) => {
    const sum = r.ticks.reduce((a, t) => a + (t.stages.get(stage) ?? 0), 0);
    return total > 0 ? ((100 * sum) / total).toFixed(1) : "-";
  });
  const worst = r.ticks.reduce((a, t) => (t.cpu > a.cpu ? t : a));
  const [largest, largestCpu] = [...worst.stages].reduce((a, b) => (b[1] > a[1] ? b : a));
  console.log(
    `| ${r.what} | ${r.processes} | ${r.series} | ${ms(percentile(cpu, 50))} | ${ms(percentile(cpu, 99))} | ${ms(total / cpu.length)} | ${ms(percentile(r.ticks.map((t) => t.wall), 50))} | ${shares.join(" | ")} | ${largest} ${ms(largestCpu)} of ${ms(worst.cpu)} ms | ${r.processCpuPercent.toFixed(2)} | ${r.rssMb.toFixed(1)} |`,
  );
}
console.log(
  "Stage shares are of the tick's CPU (aiops_tick_stage_cpu_seconds over aiops_tick_cpu_seconds); history is the store's stage. " +
    `p99 is nearest-rank: of ${TICKS} ticks, the ${TICKS - Math.ceil(0.99 * TICKS) + 1 === 1 ? "worst" : `${TICKS - Math.ceil(0.99 * TICKS) + 1}th worst`}. ` +
    "Agent CPU includes one /metrics scrape per tick. Targets: 1 ms p50 on this machine, 10 ms with 500 interfaces and 300 mounts.",
);
