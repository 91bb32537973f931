/**
 * `npm run bench:idle`: the compiled agent as it runs for real (every stage on, its HTTP server up,
 * scraped once a minute for its heap), measured from outside over a long run: CPU as a share of one
 * core, resident memory and the JavaScript heap every minute, and how fast each grows. Two agents run
 * side by side over the same window: one at the default interval (10 s, every default collector on,
 * the processes collector among them) and one collecting every second (the TUI's pace).
 *
 * `--minutes N` (default 30) or `--hours N` sets the length; the slope (MB per hour, least squares)
 * is fitted to the samples after the first `--settle M` minutes (default 10), when start-up, the JIT
 * and the first roll-ups and maintenance have settled. The series the store knows are printed too:
 * each new one costs memory (processes that come and go bring new `pid` series). `--env NAME=VALUE`
 * (repeatable) adds to both agents' environment.
 * Targets: CPU at the default interval under 0.3 % of one core, at 1 s under 0.5 %; RSS at 1 s at most 45 MB;
 * a slope under 0.5 MB an hour.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { leastSquaresSlope } from "./support/least-squares.ts";
import { buildBinary, deployedEnvironment, processCpuSeconds, processRssBytes, processRssParts, startAgent } from "./support/process-stats.ts";

const { values: args } = parseArgs({
  options: { minutes: { type: "string" }, hours: { type: "string" }, settle: { type: "string", default: "10" }, env: { type: "string", multiple: true } },
});
function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}
const minutes = args.hours ? 60 * positive("hours", args.hours) : args.minutes ? positive("minutes", args.minutes) : 30;
const settle = Number(args.settle);
if (!Number.isFinite(settle) || settle < 0 || settle >= minutes) throw new Error(`--settle must be at least 0 and less than the run (${minutes} minutes), got "${args.settle}"`);

/** `--env AIOPS_COLLECT_PROCESSES_TOP=0`: more of the agents' environment, to see what a setting changes. */
const extraEnv = Object.fromEntries(
  (args.env ?? []).map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--env takes NAME=VALUE, got "${pair}"`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const base = 19000 + Math.floor(Math.random() * 1000);
const work = mkdtempSync(join(tmpdir(), "aiops-bench-idle-"));
// The shipped artifact is measured: the compiled binary, as `npm run build` makes it, started with
// the environment deploy/ gives it (the systemd unit, the image and the DaemonSet turn JavaScriptCore's
// JIT tiers off, see deployedEnvironment); `AS_BUILT=1` measures it without that.
const binary = buildBinary(work);
const { env: deployed, description: deployedDescription } = deployedEnvironment();

const runs: Array<{ name: string; env: Record<string, string>; target: number }> = [
  { name: "default interval (10 s)", env: {}, target: 0.3 },
  { name: "1 s interval", env: { AIOPS_INTERVAL: "1" }, target: 0.5 },
];
const agents = [];
for (const [i, run] of runs.entries()) {
  // Each agent runs its own copy of the binary, as one agent runs alone on a host: the pages of a file
  // two processes map are counted in both, and neither can give them back (see startup-pages.ts).
  const own = i === 0 ? binary : join(work, `aiops-agent-${i}`);
  if (own !== binary) copyFileSync(binary, own);
  agents.push(await startAgent({ AIOPS_DATA_DIR: join(work, `data-${i}`), ...run.env, ...deployed, ...extraEnv }, base + i, own));
}

/** The agent's own JavaScript heap, the series its store knows and those collected now (live), from its self metrics. */
async function selfMetrics(port: number): Promise<{ heap: number; series: number; live: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => {
    const match = text.match(new RegExp(`^${name} (\\S+)$`, "m"));
    if (!match) throw new Error(`the agent's /metrics has no ${name}`);
    return Number(match[1]);
  };
  // Kept at the last tick, by collector: what the agent holds in memory, where the store keeps history too.
  const live = [...text.matchAll(/^aiops_collect_series\{[^}]*\} (\S+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  return { heap: value("aiops_js_heap_bytes"), series: value("aiops_store_series"), live };
}

const mb = (b: number) => b / 1024 / 1024;
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const started = performance.now();
const cpuAtStart = agents.map((a) => processCpuSeconds(a.pid));
// CPU is measured after the settling minutes too, so start-up does not weigh on it.
let cpuAtSettle: number[] | undefined;
let settledAt = 0;
type Sample = { minute: number; rss: number; heap: number; series: number; live: number };
const samples: Sample[][] = agents.map(() => []);
const peakRss = agents.map(() => 0);

console.log(`bench:idle: ${minutes} minutes, slope after ${settle}; one line a minute (RSS and heap in MB, series in the store / collected now), load average at the start ${loadAverage()}`);
console.log(`| minute | ${runs.map((r) => `${r.name}: RSS | heap | series`).join(" | ")} | load average |`);
console.log(`|---|${runs.map(() => "---|---|---|").join("")}---|`);
for (let minute = 1; minute <= minutes; minute++) {
  // RSS every second for the peak; the table takes the last one of each minute.
  while (performance.now() - started < minute * 60_000) {
    await Bun.sleep(1000);
    agents.forEach((a, i) => (peakRss[i] = Math.max(peakRss[i]!, processRssBytes(a.pid))));
  }
  for (const [i, agent] of agents.entries()) {
    samples[i]!.push({ minute, rss: processRssBytes(agent.pid), ...(await selfMetrics(base + i)) });
  }
  if (minute === Math.ceil(settle) && !cpuAtSettle) {
    cpuAtSettle = agents.map((a) => processCpuSeconds(a.pid));
    settledAt = performance.now();
  }
  const cells = samples.map((s) => `${mb(s.at(-1)!.rss).toFixed(1)} | ${mb(s.at(-1)!.heap).toFixed(1)} | ${s.at(-1)!.series} / ${s.at(-1)!.live}`);
  console.log(`| ${minute} | ${cells.join(" | ")} | ${loadAverage()} |`);
}
const ended = performance.now();
const cpuAtEnd = agents.map((a) => processCpuSeconds(a.pid));
const partsAtEnd = agents.map((a) => processRssParts(a.pid));
for (const a of agents) a.kill("SIGTERM");
await Promise.all(agents.map((a) => a.exited));
const floorText = await bunFloor(work);
rmSync(work, { recursive: true, force: true });

const processes = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
const settledCpuFrom = cpuAtSettle ?? cpuAtStart;
const settledSeconds = (ended - (cpuAtSettle ? settledAt : started)) / 1000;
/** MB per hour over the samples past the settling minutes. */
const slope = (series: Sample[], of: (s: Sample) => number) => {
  const after = series.filter((s) => s.minute > settle);
  return leastSquaresSlope(after.map((s) => s.minute / 60), after.map((s) => mb(of(s))));
};
console.log();
console.log(
  `bench:idle  (bun bench/idle.ts --minutes ${minutes}${(args.env ?? []).map((e) => ` --env ${e}`).join("")}; the compiled binary, default configuration, ${processes} processes on the host, load average at the end ${loadAverage()}, ${deployedDescription})`,
);
console.log(`CPU over minutes ${Math.ceil(settle)}–${minutes}; RSS at minute ${Math.ceil(settle)} and at the end; slopes fitted to minutes ${settle}–${minutes}`);
console.log("| interval | CPU, % of one core | target | RSS settled → end (MB) | peak RSS (MB) | RSS slope (MB/h) | heap settled → end (MB) | heap slope (MB/h) | series in the store settled → end | collected now settled → end |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
runs.forEach((run, i) => {
  const cpu = cpuAtEnd[i]! - settledCpuFrom[i]!;
  const series = samples[i]!;
  const atSettle = series.find((s) => s.minute >= settle) ?? series[0]!;
  const end = series.at(-1)!;
  console.log(
    `| ${run.name} | ${((100 * cpu) / settledSeconds).toFixed(2)} | < ${run.target} % | ${mb(atSettle.rss).toFixed(1)} → ${mb(end.rss).toFixed(1)} | ${mb(peakRss[i]!).toFixed(1)} | ${slope(series, (s) => s.rss).toFixed(2)} | ${mb(atSettle.heap).toFixed(1)} → ${mb(end.heap).toFixed(1)} | ${slope(series, (s) => s.heap).toFixed(2)} | ${atSettle.series} → ${end.series} | ${atSettle.live} → ${end.live} |`,
  );
});
console.log(
  `RSS at the end, of files (the runtime's code) + allocated: ${runs.map((run, i) => `${run.name} ${mb(partsAtEnd[i]!.file).toFixed(1)} + ${mb(partsAtEnd[i]!.anonymous).toFixed(1)} MB`).join("; ")}; ` +
    `the floor, an empty program compiled by the same Bun: ${floorText}`,
);
console.log("targets: < 0.3 % of one core at the default interval, < 0.5 % at 1 s, at most 45 MB resident at 1 s, slope < 0.5 MB/h after the first 10 minutes");

/** RSS of an empty program (a timer, nothing else) compiled by the same Bun, after 5 s: what Bun itself takes. */
async function bunFloor(dir: string): Promise<string> {
  const source = join(dir, "empty.ts");
  await Bun.write(source, "setInterval(() => {}, 1000);\n");
  const outfile = join(dir, "empty");
  const build = Bun.spawnSync([process.execPath, "build", "--compile", source, "--outfile", outfile]);
  if (build.exitCode !== 0) return `not measured (${build.stderr.toString().trim()})`;
  const empty = Bun.spawn([outfile], { env: deployed, stdout: "ignore", stderr: "ignore" });
  await Bun.sleep(5000);
  const parts = processRssParts(empty.pid);
  const rss = processRssBytes(empty.pid);
  empty.kill();
  await empty.exited;
  return `${mb(rss).toFixed(1)} MB (${mb(parts.file).toFixed(1)} of files + ${mb(parts.anonymous).toFixed(1)} allocated)`;
}
