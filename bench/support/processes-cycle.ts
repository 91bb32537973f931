/**
 * Run by `bench/collect.ts` as `bun bench/support/processes-cycle.ts N`, preferably as PID 1 of a fresh
 * PID namespace with its own /proc (`unshare --pid --fork --mount-proc`), where exactly N processes are
 * visible: itself and N − 1 sleepers. Measures, over those same processes:
 *
 * 1. the agent's processes collector: CPU time per collection (getrusage around each call; median and
 *    mean), each call one tick after the last, as the agent makes them: back to back, and paced like
 *    htop's refreshes (the fair comparison, and what an agent pays once per tick);
 * 2. htop, the peer, refreshing the same N processes: it runs in a pseudo-terminal (`script`) of 160×50
 *    with its default settings and HOME set to an empty directory, refreshing every `HTOP_DELAY`
 *    tenths of a second; its CPU (utime + stime of /proc/<pid>/stat) over `HTOP_SECONDS`, divided by
 *    the refreshes it made in that time (elapsed / delay: an upper bound on their count, so htop's
 *    figure per refresh is, if anything, low). While htop runs, two sleepers give way to it and
 *    `script`, so it too sees N processes;
 * 3. Netdata's apps.plugin, when installed, collecting every second over the same processes: its CPU
 *    over `HTOP_SECONDS` divided by the iterations it printed.
 *
 * Prints one JSON line. Outside a namespace it crowds the host up to N (if the host has fewer) and
 * says how many processes each side saw.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHostPaths } from "../../src/collect/linux/host-paths.ts";
import { createProcessesCollector } from "../../src/collect/linux/processes.ts";
import { createProcessTable } from "../../src/collect/process-table.ts";
import { systemClock } from "../../src/clock.ts";
import { processCpuSeconds } from "./process-stats.ts";

const target = Number(process.argv[2]);
const CYCLES = Number(process.env.PROC_CYCLES ?? 300);
const HTOP_DELAY = Number(process.env.HTOP_DELAY ?? 5);
const HTOP_SECONDS = Number(process.env.HTOP_SECONDS ?? 30);
const PACED_CYCLES = Number(process.env.PACED_CYCLES ?? 60);
const APPS_PLUGIN = "/usr/lib/netdata/plugins.d/apps.plugin";

function visible(): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function untilVisible(count: (n: number) => boolean, what: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const n = visible().length;
    if (count(n)) return n;
    await Bun.sleep(10);
  }
  throw new Error(`processes-cycle: ${what}: ${visible().length} processes visible`);
}

const sleepers: Array<ReturnType<typeof Bun.spawn>> = [];
const add = Math.max(0, target - visible().length);
for (let i = 0; i < add; i++) sleepers.push(Bun.spawn(["sleep", "86400"], { stdout: "ignore", stderr: "ignore" }));
const collectorSaw = await untilVisible((n) => n >= target, `waiting for ${target} processes`);

// 1. The collector, one tick apart on its own clock (each call reads what a real tick reads): back to
// back (warm caches, the figure of a busy loop), then paced like htop's refreshes (a call every
// HTOP_DELAY tenths of a second: caches as cold as an agent finds them between two ticks).
const collector = createProcessesCollector(createHostPaths("/"), { top: 10, table: createProcessTable(systemClock) });
let now = 0;
collector.collect(now); // first call: opens the held files and reads owners and command lines
async function cycles(count: number, pauseMs: number) {
  const perCycle: number[] = [];
  let systemUs = 0;
  for (let i = 0; i < count; i++) {
    if (pauseMs > 0) await Bun.sleep(pauseMs);
    now += 1000;
    const before = process.cpuUsage();
    collector.collect(now);
    const used = process.cpuUsage(before);
    perCycle.push(used.user + used.system);
    systemUs += used.system;
  }
  const total = perCycle.reduce((a, b) => a + b, 0);
  /** kernelShare: of all that CPU, the share spent in the kernel (listing /proc, producing each stat line). */
  return { cycles: count, medianUs: median(perCycle), meanUs: total / count, kernelShare: systemUs / total };
}
const collectorResult = {
  processes: collectorSaw,
  warm: await cycles(CYCLES, 0),
  paced: await cycles(PACED_CYCLES, HTOP_DELAY * 100),
};

// 2. htop over the same processes: two sleepers make room for `script` and htop.
for (const s of sleepers.splice(0, 2)) s.kill("SIGKILL");
const home = mkdtempSync(join(tmpdir(), "aiops-bench-htop-"));
let htopResult: { processes: number; refreshes: number; perRefreshMs: number; cpuPercent: number } | { error: string };
const script = Bun.spawn(["script", "-qfec", `stty cols 160 rows 50; exec htop -d ${HTOP_DELAY}`, "/dev/null"], {
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TERM: "xterm-256color" },
  stdin: "pipe",
  stdout: "ignore",
  stderr: "ignore",
});
let htop: number | undefined;
try {
  for (let i = 0; i < 500 && htop === undefined; i++) {
    htop = visible().find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "htop";
      } catch {
        return false;
      }
    });
    if (htop === undefined) await Bun.sleep(10);
  }
  if (htop === undefined) throw new Error("htop did not start");
  await Bun.sleep(2000); // its first screens
  const htopSaw = visible().length;
  const cpuBefore = processCpuSeconds(htop);
  const started = performance.now();
  await Bun.sleep(HTOP_SECONDS * 1000);
  const cpu = processCpuSeconds(htop) - cpuBefore;
  const elapsed = (performance.now() - started) / 1000;
  const refreshes = elapsed / (HTOP_DELAY / 10);
  htopResult = { processes: htopSaw, refreshes: Math.round(refreshes), perRefreshMs: (cpu * 1000) / refreshes, cpuPercent: (100 * cpu) / elapsed };
} catch (cause) {
  htopResult = { error: (cause as Error).message };
} finally {
  if (htop !== undefined) process.kill(htop, "SIGKILL");
  script.kill("SIGKILL");
  await script.exited;
  rmSync(home, { recursive: true, force: true });
}
// 3. Netdata's apps.plugin over the same processes (its shortest period is 1 s), when installed: it
// prints a `BEGIN apps.cpu` block per iteration, so its iterations are counted, not estimated. One
// sleeper is back in place of `script`, so it too sees N processes.
sleepers.push(Bun.spawn(["sleep", "86400"], { stdout: "ignore", stderr: "ignore" }));
let appsResult: { processes: number; refreshes: number; perRefreshMs: number; cpuPercent: number } | { error: string };
if (!existsSync(APPS_PLUGIN)) appsResult = { error: `${APPS_PLUGIN} is not installed (Debian: netdata-core)` };
else {
  // It stops when its standard input closes, as when netdata goes away: the pipe stays open.
  const apps = Bun.spawn([APPS_PLUGIN, "1"], { stdin: "pipe", stdout: "pipe", stderr: "ignore" });
  let iterations = 0;
  void (async () => {
    const decoder = new TextDecoder();
    let carry = "";
    for await (const chunk of apps.stdout) {
      const text = carry + decoder.decode(chunk, { stream: true });
      iterations += text.split("BEGIN apps.cpu ").length - 1;
      carry = text.slice(-20);
    }
  })();
  try {
    await Bun.sleep(3000); // its first iterations read every process's files once
    const appsSaw = visible().length;
    const cpuBefore = processCpuSeconds(apps.pid);
    const iterationsBefore = iterations;
    const started = performance.now();
    await Bun.sleep(HTOP_SECONDS * 1000);
    const cpu = processCpuSeconds(apps.pid) - cpuBefore;
    const elapsed = (performance.now() - started) / 1000;
    const refreshes = iterations - iterationsBefore;
    appsResult =
      refreshes > 0
        ? { processes: appsSaw, refreshes, perRefreshMs: (cpu * 1000) / refreshes, cpuPercent: (100 * cpu) / elapsed }
        : { error: "apps.plugin printed no iteration" };
  } finally {
    apps.kill("SIGKILL");
    await apps.exited;
  }
}
for (const s of sleepers) s.kill("SIGKILL");
console.log(JSON.stringify({ target, pid1: process.pid === 1, collector: collectorResult, htop: htopResult, appsPlugin: appsResult }));
process.exit(0);
