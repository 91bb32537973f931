/**
 * `npm run bench:http`: `/metrics` under concurrent load on loopback, with the compiled agent collecting
 * every second in its own process. Reports requests per second, latency percentiles (client side), and
 * the agent's CPU per scrape (its /proc CPU time over the run, divided by the scrapes it answered).
 * Load comes from wrk (Debian package `wrk`) when installed, else from a separate Bun process holding
 * CONCURRENCY keep-alive connections (that client costs more CPU than wrk, on the same cores).
 * Also prints the store's growth per day at a 10 s interval (bench/store.ts, one simulated day).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, processCpuSeconds, startAgent } from "./support/process-stats.ts";

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const DURATION = Number(process.env.DURATION ?? 10);
const port = 18000 + Math.floor(Math.random() * 1000);
const data = mkdtempSync(join(tmpdir(), "aiops-bench-http-"));
const url = `http://127.0.0.1:${port}/metrics`;

interface LoadResult {
  client: string;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** wrk with its latency distribution (`--latency`), parsed from its report. */
function loadWithWrk(): LoadResult {
  const run = Bun.spawnSync(["wrk", "-t", "2", "-c", String(CONCURRENCY), "-d", `${DURATION}s`, "--latency", url]);
  const out = run.stdout.toString();
  const ms = (text: string) => {
    const m = text.match(/([\d.]+)(us|ms|s)/);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? 0);
  const errors = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0) + Number(out.match(/Socket errors: .*?(\d+)/)?.[1] ?? 0);
  return {
    client: "wrk -t 2",
    requests,
    errors,
    p50: ms(out.match(/^\s+50%\s+(\S+)/m)?.[1] ?? ""),
    p99: ms(out.match(/^\s+99%\s+(\S+)/m)?.[1] ?? ""),
    max: ms(out.match(/Latency\s+\S+\s+\S+\s+(\S+)/)?.[1] ?? ""),
  };
}

/** The same load from a Bun process, for machines without wrk. */
async function loadWithBun(): Promise<LoadResult> {
  const loader = `
const end = performance.now() + ${DURATION * 1000};
const latencies = [];
let errors = 0;
async function worker() {
  while (performance.now() < end) {
    const t = performance.now();
    try { const r = await fetch(${JSON.stringify(url)}); await r.arrayBuffer(); if (!r.ok) errors++; } catch { errors++; }
    latencies.push(performance.now() - t);
  }
}
await Promise.all(Array.from({ length: ${CONCURRENCY} }, worker));
console.log(JSON.stringify({ latencies, errors }));
`;
  const load = Bun.spawn([process.execPath, "-e", loader], { stdout: "pipe" });
  const result = JSON.parse(await new Response(load.stdout).text()) as { latencies: number[]; errors: number };
  const sorted = result.latencies.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { client: "bun fetch", requests: sorted.length, errors: result.errors, p50: pct(50), p99: pct(99), max: sorted[sorted.length - 1]! };
}

const agent = await startAgent({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: data }, port, buildBinary(data));
await Bun.sleep(2000); // a few ticks, so every series is present

const cpuBefore = processCpuSeconds(agent.pid);
const started = performance.now();
const result = Bun.which("wrk") ? loadWithWrk() : await loadWithBun();
const elapsed = (performance.now() - started) / 1000;
const agentCpu = processCpuSeconds(agent.pid) - cpuBefore;
const sample = await (await fetch(url)).text();
agent.kill("SIGTERM");
await agent.exited;
rmSync(data, { recursive: true, force: true });

const samples = sample.split("\n").filter((l) => l && !l.startsWith("#")).length;
console.log(`bench:http  (bun bench/http.ts; CONCURRENCY=${CONCURRENCY}, DURATION=${DURATION} s, load from ${result.client}, the compiled agent collecting every 1 s)`);
console.log("| requests | errors | requests/s | p50 (ms) | p99 (ms) | max (ms) | agent CPU per scrape (ms) | samples per scrape | bytes per scrape |");
console.log("|---|---|---|---|---|---|---|---|---|");
console.log(
  `| ${result.requests} | ${result.errors} | ${Math.round(result.requests / elapsed)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ${result.max.toFixed(2)} | ${((agentCpu * 1000) / result.requests).toFixed(3)} | ${samples} | ${sample.length} |`,
);
console.log("targets: p99 < 5 ms, ≥ 5,000 requests/s, < 1 ms agent CPU per scrape");

// Storage growth per day at a 10 s interval, from the store benchmark (one simulated day, then a second).
const store = Bun.spawnSync([process.execPath, "bench/store.ts", "--days", "2", "--interval", "10"]);
const growth = store.stdout.toString().split("\n").filter((l) => /day|MB/.test(l));
console.log("\nstorage (bun bench/store.ts --days 2 --interval 10):");
for (const line of growth.slice(0, 8)) console.log(line);
