/**
 * `npm run bench:idle`: the compiled agent as it runs for real (every stage on, collecting every second,
 * its HTTP server up but not scraped), measured from outside: CPU as a share of one core and resident memory.
 * Targets: under 0.5 % of one core and under 60 MB resident.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, processCpuSeconds, processRssBytes, startAgent } from "./support/process-stats.ts";

const DURATION = Number(process.env.DURATION ?? 120);
/** Past start-up and the first minute, when the JIT and the first maintenance settle. */
const WARMUP = Number(process.env.WARMUP ?? 90);
const port = 19000 + Math.floor(Math.random() * 1000);
const data = mkdtempSync(join(tmpdir(), "aiops-bench-idle-"));
// The shipped artifact is measured: the compiled binary, as `npm run build` makes it, started with
// the environment deploy/ gives it (the systemd unit, the image and the DaemonSet set
// BUN_JSC_useDFGJIT=0); `AS_BUILT=1` measures it without that.
const binary = buildBinary(data);
const deployed: Record<string, string> = process.env.AS_BUILT === "1" ? {} : { BUN_JSC_useDFGJIT: "0" };
const agent = await startAgent({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: data, ...deployed }, port, binary);
await Bun.sleep(WARMUP * 1000);

const cpuBefore = processCpuSeconds(agent.pid);
const started = performance.now();
let peakRss = 0;
const rss: number[] = [];
while (performance.now() - started < DURATION * 1000) {
  await Bun.sleep(1000);
  const now = processRssBytes(agent.pid);
  rss.push(now);
  peakRss = Math.max(peakRss, now);
}
const elapsed = (performance.now() - started) / 1000;
const cpu = processCpuSeconds(agent.pid) - cpuBefore;
agent.kill("SIGTERM");
await agent.exited;
rmSync(data, { recursive: true, force: true });

const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(
  `bench:idle  (bun bench/idle.ts; measured ${DURATION} s after ${WARMUP} s, interval 1 s, the compiled binary, default configuration, ${process.env.AS_BUILT === "1" ? "as built" : "environment of deploy/ (BUN_JSC_useDFGJIT=0)"})`,
);
console.log("| CPU, % of one core | CPU per tick (ms) | RSS at end (MB) | peak RSS (MB) |");
console.log("|---|---|---|---|");
console.log(`| ${((100 * cpu) / elapsed).toFixed(2)} | ${((cpu * 1000) / elapsed).toFixed(2)} | ${mb(rss[rss.length - 1] ?? 0)} | ${mb(peakRss)} |`);
console.log("targets: < 0.5 % of one core, < 60 MB resident");
