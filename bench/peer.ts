/**
 * `npm run bench:peer`: the agent against node_exporter, side by side over the same window so that
 * the load of a shared machine weighs on both alike. For each interval (1 s, then 10 s): the
 * compiled agent collecting at that interval, and node_exporter (its default collectors) scraped at
 * that interval by a plain loopback HTTP GET from this process. Each on 127.0.0.1 with a free port,
 * the agent's data in a temporary directory, both stopped at the end of their pair.
 *
 * CPU is utime + stime from /proc/<pid>/stat over the measured window, after a warm-up, of each
 * process and its descendants (the scraper's own CPU, in this process, is not counted); RSS is sampled
 * every second over the window (mean and peak). The agent runs as deployed (BUN_JSC_useDFGJIT=0, BUN_JSC_useBaselineJIT=0, BUN_JSC_forceCodeBlockLiveness=1 and BUN_GC_TIMER_DISABLE=1, as
 * deploy/ sets it; `AS_BUILT=1` without it) and is not scraped: the comparison is a tick against a scrape.
 *
 *   bun bench/peer.ts [--seconds 300] [--warmup 60] [--intervals 1,10] [--gzip] [--node-exporter PATH]
 *
 * `--gzip` asks node_exporter for a compressed answer, as Prometheus does.
 * Targets (issue 15): the agent at 1 s at most 0.2 × node_exporter scraped every second and at most
 * 45 MB resident; at 10 s at most 0.5 × node_exporter scraped every 10 s.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../test/support/ports.ts";
import { type ScrapeCount, startLoopbackScraper } from "./support/loopback-scraper.ts";
import { NODE_EXPORTER_PATH, collectorsOf, nodeExporterVersion, startNodeExporter } from "./support/node-exporter.ts";
import { buildBinary, deployedEnvironment, percentOfCore, processTreeCpuSeconds, processTreeRssBytes, startAgent } from "./support/process-stats.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "300" },
    warmup: { type: "string", default: "60" },
    intervals: { type: "string", default: "1,10" },
    gzip: { type: "boolean", default: false },
    "node-exporter": { type: "string", default: NODE_EXPORTER_PATH },
  },
});
function seconds(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} takes a number of seconds of at least ${min}, got "${text}"`);
  return value;
}
const WINDOW = seconds("seconds", args.seconds, 10);
const WARMUP = seconds("warmup", args.warmup, 0);
const INTERVALS = args.intervals.split(",").map((text) => seconds("intervals", text, 1));
const NODE_EXPORTER = args["node-exporter"];

/** Issue 15's targets: the agent's CPU as a share of node_exporter's at that interval. */
const RATIO_TARGET: Record<number, number> = { 1: 0.2, 10: 0.5 };
const RSS_TARGET_MB = 45;

const nodeExporter = nodeExporterVersion(NODE_EXPORTER);

interface Reading {
  cpuPercent: number;
  /** CPU per interval: per tick for the agent, per scrape for node_exporter. */
  msPerInterval: number;
  rssMeanMb: number;
  rssPeakMb: number;
}

interface PairResult {
  interval: number;
  agent: Reading;
  exporter: Reading;
  scrapes: ScrapeCount;
  loadBefore: string;
  loadAfter: string;
  enabledCollectors: string[];
  failedCollectors: string[];
}

const uptime = () => Bun.spawnSync(["uptime"]).stdout.toString().trim();
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const mb = (bytes: number) => bytes / 1024 / 1024;

const children: Array<ReturnType<typeof Bun.spawn>> = [];
/** Ctrl-C stops the pair too: neither process outlives the bench. */
process.on("SIGINT", () => {
  for (const child of children) child.kill("SIGTERM");
  process.exit(130);
});

async function measurePair(interval: number, binary: string, work: string): Promise<PairResult> {
  const loadBefore = loadAverage();
  const agentPort = freePort();
  const exporterPort = freePort();
  const exporterLog = join(work, `node-exporter-${interval}.log`);
  const started: Array<ReturnType<typeof Bun.spawn>> = [];
  try {
    // Both start at once; whichever started is stopped below, even when the other failed to.
    const starts = await Promise.allSettled([
      startNodeExporter(NODE_EXPORTER, exporterPort, exporterLog),
      startAgent({ AIOPS_DATA_DIR: join(work, `data-${interval}`), AIOPS_INTERVAL: String(interval), ...deployedEnvironment().env }, agentPort, binary),
    ]);
    for (const start of starts) if (start.status === "fulfilled") started.push(start.value);
    for (const start of starts) if (start.status === "rejected") throw start.reason;
    const [exporter, agent] = started as [ReturnType<typeof Bun.spawn>, ReturnType<typeof Bun.spawn>];
    children.push(...started);
    const scraper = startLoopbackScraper(exporterPort, "/metrics", interval, args.gzip);
    await Bun.sleep(WARMUP * 1000);
    const scrapesBefore = { ...scraper.count };
    const pids = [agent.pid, exporter.pid];
    const cpuBefore = pids.map(processTreeCpuSeconds);
    const rss: number[][] = [[], []];
    const from = performance.now();
    for (let s = 1; s <= WINDOW; s++) {
      await Bun.sleep(Math.max(0, from + s * 1000 - performance.now()));
      pids.forEach((pid, i) => rss[i]!.push(processTreeRssBytes(pid)));
    }
    const cpuAfter = pids.map(processTreeCpuSeconds);
    const window = (performance.now() - from) / 1000;
    const all = await scraper.stop();
    // Scrapes of the window only (the one in flight at its end included).
    const scrapes: ScrapeCount = { ok: all.ok - scrapesBefore.ok, failed: all.failed - scrapesBefore.failed, bytes: all.bytes - scrapesBefore.bytes, ...(all.lastError ? { lastError: all.lastError } : {}) };
    const [agentReading, exporterReading] = pids.map((_, i): Reading => {
      const cpuPercent = percentOfCore(cpuBefore[i]!, cpuAfter[i]!, window);
      return {
        cpuPercent,
        msPerInterval: cpuPercent * 10 * interval,
        rssMeanMb: mb(rss[i]!.reduce((a, b) => a + b, 0) / rss[i]!.length),
        rssPeakMb: mb(Math.max(...rss[i]!)),
      };
    });
    return { interval, agent: agentReading!, exporter: exporterReading!, scrapes, loadBefore, loadAfter: loadAverage(), ...collectorsOf(await Bun.file(exporterLog).text()) };
  } finally {
    for (const child of started) child.kill("SIGTERM");
    await Promise.all(started.map((child) => child.exited));
  }
}

const loadAtStart = uptime();
const work = mkdtempSync(join(tmpdir(), "aiops-bench-peer-"));
const results: PairResult[] = [];
try {
  const binary = buildBinary(work);
  for (const interval of INTERVALS) {
    process.stderr.write(`bench:peer: ${interval} s, ${WARMUP} s warm-up and ${WINDOW} s measured...\n`);
    results.push(await measurePair(interval, binary, work));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const verdict = (met: boolean) => (met ? "met" : "**not met**");
const first = results[0]!;
console.log(
  `bench:peer  (bun bench/peer.ts --seconds ${WINDOW} --warmup ${WARMUP} --intervals ${INTERVALS.join(",")}${args.gzip ? " --gzip" : ""}; the compiled agent, ${deployedEnvironment().description}, default configuration, not scraped; ` +
    `node_exporter ${nodeExporter} (${NODE_EXPORTER}) with its default collectors (${first.enabledCollectors.length} enabled${first.failedCollectors.length ? `, failing here: ${first.failedCollectors.join(", ")}` : ""}), ` +
    `scraped by an HTTP/1.0 GET of /metrics ${args.gzip ? "asking for gzip" : "without compression"} from the bench process (its CPU not counted); side by side, ${readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length ?? "?"} CPUs)`,
);
console.log(`load at start: ${loadAtStart}`);
console.log(`load at end:   ${uptime()}`);
console.log(
  "| interval | agent CPU, % of a core | node_exporter CPU, % of a core | agent / node_exporter | target | agent ms per tick | node_exporter ms per scrape | agent RSS mean / peak (MB) | node_exporter RSS mean / peak (MB) | agent RSS target | scrapes ok (failed), KB each | load average before → after |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const ratio = r.agent.cpuPercent / r.exporter.cpuPercent;
  const target = RATIO_TARGET[r.interval];
  const scrapes = `${r.scrapes.ok} (${r.scrapes.failed}${r.scrapes.lastError ? `: ${r.scrapes.lastError}` : ""}), ${(r.scrapes.bytes / Math.max(1, r.scrapes.ok + r.scrapes.failed) / 1024).toFixed(1)}`;
  console.log(
    `| ${r.interval} s | ${r.agent.cpuPercent.toFixed(2)} | ${r.exporter.cpuPercent.toFixed(2)} | ${ratio.toFixed(2)}× | ${target === undefined ? "—" : `≤ ${target}×: ${verdict(ratio <= target)}`} | ` +
      `${r.agent.msPerInterval.toFixed(2)} | ${r.exporter.msPerInterval.toFixed(2)} | ${r.agent.rssMeanMb.toFixed(1)} / ${r.agent.rssPeakMb.toFixed(1)} | ${r.exporter.rssMeanMb.toFixed(1)} / ${r.exporter.rssPeakMb.toFixed(1)} | ` +
      `${r.interval === 1 ? `≤ ${RSS_TARGET_MB} MB: ${verdict(r.agent.rssPeakMb <= RSS_TARGET_MB)}` : "—"} | ${scrapes} | ${r.loadBefore} → ${r.loadAfter} |`,
  );
}
console.log(
  `CPU is utime + stime of each process and its descendants over the ${WINDOW} s window after ${WARMUP} s of warm-up; RSS sampled every second over the window (the RSS target is read on the peak). ` +
    `Targets (issue 15): agent at 1 s ≤ 0.2 × node_exporter scraped every second and ≤ ${RSS_TARGET_MB} MB; at 10 s ≤ 0.5 × node_exporter scraped every 10 s.`,
);
