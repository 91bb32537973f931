/**
 * `npm run bench:idle`: the compiled agent as it runs for real (every stage on, its HTTP server up but
 * not scraped), measured from outside: CPU as a share of one core and resident memory. Two agents run
 * side by side over the same window: one at the default interval (10 s, every default collector on,
 * the processes collector among them) and one collecting every second (the TUI's pace).
 * Targets: at the default interval under 0.3 % of one core; at 1 s under 0.5 %; both under 60 MB resident.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, processCpuSeconds, processRssBytes, startAgent } from "./support/process-stats.ts";

const DURATION = Number(process.env.DURATION ?? 300);
/** Past start-up and the first minute, when the JIT and the first maintenance settle. */
const WARMUP = Number(process.env.WARMUP ?? 90);
const base = 19000 + Math.floor(Math.random() * 1000);
const work = mkdtempSync(join(tmpdir(), "aiops-bench-idle-"));
// The shipped artifact is measured: the compiled binary, as `npm run build` makes it, started with
// the environment deploy/ gives it (the systemd unit, the image and the DaemonSet set
// BUN_JSC_useDFGJIT=0); `AS_BUILT=1` measures it without that.
const binary = buildBinary(work);
const deployed: Record<string, string> = process.env.AS_BUILT === "1" ? {} : { BUN_JSC_useDFGJIT: "0" };

const runs: Array<{ name: string; env: Record<string, string>; target: number }> = [
  { name: "default interval (10 s)", env: {}, target: 0.3 },
  { name: "1 s interval", env: { AIOPS_INTERVAL: "1" }, target: 0.5 },
];
const agents = [];
for (const [i, run] of runs.entries()) {
  const data = join(work, `data-${i}`);
  agents.push(await startAgent({ AIOPS_DATA_DIR: data, ...run.env, ...deployed }, base + i, binary));
}
await Bun.sleep(WARMUP * 1000);

const cpuBefore = agents.map((a) => processCpuSeconds(a.pid));
const started = performance.now();
const rss: number[][] = agents.map(() => []);
while (performance.now() - started < DURATION * 1000) {
  await Bun.sleep(1000);
  agents.forEach((a, i) => rss[i]!.push(processRssBytes(a.pid)));
}
const elapsed = (performance.now() - started) / 1000;
const cpu = agents.map((a, i) => processCpuSeconds(a.pid) - cpuBefore[i]!);
for (const a of agents) a.kill("SIGTERM");
await Promise.all(agents.map((a) => a.exited));
rmSync(work, { recursive: true, force: true });

const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const processes = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
console.log(
  `bench:idle  (bun bench/idle.ts; measured ${DURATION} s after ${WARMUP} s, the compiled binary, default configuration, ${processes} processes on the host, load average at the end ${load}, ${process.env.AS_BUILT === "1" ? "as built" : "environment of deploy/ (BUN_JSC_useDFGJIT=0)"})`,
);
console.log("| interval | CPU, % of one core | target | CPU per second (ms) | RSS at end (MB) | peak RSS (MB) |");
console.log("|---|---|---|---|---|---|");
runs.forEach((run, i) => {
  const series = rss[i]!;
  console.log(
    `| ${run.name} | ${((100 * cpu[i]!) / elapsed).toFixed(2)} | < ${run.target} % | ${((cpu[i]! * 1000) / elapsed).toFixed(2)} | ${mb(series[series.length - 1] ?? 0)} | ${mb(Math.max(...series))} |`,
  );
});
console.log("targets: < 0.3 % of one core at the default interval, < 0.5 % at 1 s, < 60 MB resident");
