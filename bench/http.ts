/**
 * `npm run bench:http`: `/metrics` under concurrent load on loopback, with the agent collecting every
 * second in its own process. Reports requests per second, latency percentiles (client side), and the
 * agent's CPU per scrape (its /proc CPU time over the run, divided by the scrapes it answered).
 * Load comes from a separate Bun process holding CONCURRENCY keep-alive connections.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, processCpuSeconds, startAgent } from "./support/process-stats.ts";

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const SECONDS = Number(process.env.DURATION ?? 10);
const port = 18000 + Math.floor(Math.random() * 1000);
const data = mkdtempSync(join(tmpdir(), "aiops-bench-http-"));

const agent = await startAgent({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: data }, port, buildBinary(data));
await Bun.sleep(2000); // a few ticks, so every series is present

const loader = `
const url = "http://127.0.0.1:${port}/metrics";
const end = performance.now() + ${SECONDS * 1000};
const latencies = [];
let bytes = 0, errors = 0;
async function worker() {
  while (performance.now() < end) {
    const t = performance.now();
    try {
      const r = await fetch(url);
      bytes += (await r.arrayBuffer()).byteLength;
      if (!r.ok) errors++;
    } catch { errors++; }
    latencies.push(performance.now() - t);
  }
}
await Promise.all(Array.from({ length: ${CONCURRENCY} }, worker));
console.log(JSON.stringify({ latencies, bytes, errors }));
`;
const cpuBefore = processCpuSeconds(agent.pid);
const started = performance.now();
const load = Bun.spawn([process.execPath, "-e", loader], { stdout: "pipe" });
const result = JSON.parse(await new Response(load.stdout).text()) as { latencies: number[]; bytes: number; errors: number };
const elapsed = (performance.now() - started) / 1000;
const agentCpu = processCpuSeconds(agent.pid) - cpuBefore;
const sample = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
agent.kill("SIGTERM");
await agent.exited;
rmSync(data, { recursive: true, force: true });

const sorted = result.latencies.sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const requests = sorted.length;
const samples = sample.split("\n").filter((l) => l && !l.startsWith("#")).length;
console.log(`bench:http  (bun bench/http.ts; CONCURRENCY=${CONCURRENCY}, DURATION=${SECONDS}, the compiled agent collecting every 1 s)`);
console.log("| requests | errors | requests/s | p50 (ms) | p99 (ms) | max (ms) | agent CPU per scrape (ms) | samples per scrape | bytes per scrape |");
console.log("|---|---|---|---|---|---|---|---|---|");
console.log(
  `| ${requests} | ${result.errors} | ${Math.round(requests / elapsed)} | ${pct(50).toFixed(2)} | ${pct(99).toFixed(2)} | ${sorted[sorted.length - 1]!.toFixed(2)} | ${((agentCpu * 1000) / requests).toFixed(3)} | ${samples} | ${Math.round(result.bytes / requests)} |`,
);
console.log("targets: p99 < 5 ms, ≥ 5,000 requests/s, < 1 ms agent CPU per scrape");
