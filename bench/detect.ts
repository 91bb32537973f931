// Detection speed and memory: points per second through the full per-series ensemble (threshold,
// forecast, statistical and contextual, one core), the same through the whole engine with a tick of ~150 samples,
// and memory per learned series.
//
//   npm run bench:detect
import { SERIES, type SeriesDetection } from "../src/collect/series.ts";
import { type Sample } from "../src/contracts/sample.ts";
import { loadConfig } from "../src/config/load.ts";
import { createDetection } from "../src/detect/detection.ts";
import { type Ensemble, createEnsemble } from "../src/detect/ensemble.ts";

const config = loadConfig({ env: {} }).config;
const STEP = 10_000; // ms between points: the agent's default interval
const T0 = Date.UTC(2025, 0, 6);

/** A plausible host series: a daily swing, noise and a rare spike; deterministic. */
function makeValues(count: number, seed: number, base: number): Float64Array {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const day = Math.sin((2 * Math.PI * i * STEP) / 86_400_000);
    out[i] = base * (1 + 0.3 * day) + base * 0.05 * (rand() - 0.5) + (rand() < 0.001 ? base : 0);
  }
  return out;
}

function ruleOf(metric: string): SeriesDetection {
  const def = SERIES.find((d) => d.metric === metric);
  if (!def?.detect) throw new Error(`${metric} is not watched`);
  return def.detect;
}

// The heaviest series carry all three detectors (disk usage); the mix below is what a host has.
const MIX: [string, number][] = [
  ["aiops_disk_usage_percent", 50],
  ["aiops_cpu_usage_percent", 30],
  ["aiops_memory_usage_percent", 60],
  ["aiops_network_receive_bytes_per_second", 2e6],
];

function throughput(): void {
  const seriesCount = 150;
  const pointsPerSeries = 20_000;
  const ensembles: Ensemble[] = [];
  const values: Float64Array[] = [];
  for (let i = 0; i < seriesCount; i++) {
    const [metric, base] = MIX[i % MIX.length]!;
    ensembles.push(createEnsemble({ metric, labels: { i: String(i) }, detect: ruleOf(metric) }, config));
    values.push(makeValues(pointsPerSeries, i + 1, base));
  }
  // Warm the JIT and the detectors past their warm-up, then time the rest.
  const warm = 2_000;
  let sink = 0;
  for (let p = 0; p < warm; p++) for (let i = 0; i < seriesCount; i++) sink += ensembles[i]!.update(T0 + p * STEP, values[i]![p]!).score;
  const start = performance.now();
  for (let p = warm; p < pointsPerSeries; p++) {
    const ts = T0 + p * STEP;
    for (let i = 0; i < seriesCount; i++) sink += ensembles[i]!.update(ts, values[i]![p]!).score;
  }
  const seconds = (performance.now() - start) / 1000;
  const points = (pointsPerSeries - warm) * seriesCount;
  console.log(`ensemble (per series, all detectors that apply): ${fmt(points / seconds)} points/s  (${points} points in ${seconds.toFixed(2)} s; checksum ${sink.toFixed(1)})`);

  // The learned detectors (statistical and contextual) on a plain series, as replay runs it.
  const plain = createEnsemble({ metric: "value", labels: {}, detect: { statistical: true } }, config);
  const v = makeValues(1_000_000, 7, 100);
  for (let p = 0; p < 10_000; p++) sink += plain.update(T0 + p * STEP, v[p]!).score;
  const s2 = performance.now();
  for (let p = 10_000; p < v.length; p++) sink += plain.update(T0 + p * STEP, v[p]!).score;
  const sec2 = (performance.now() - s2) / 1000;
  console.log(`learned only (statistical + contextual, one series, as in replay): ${fmt((v.length - 10_000) / sec2)} points/s`);
}

function engine(): void {
  const samples: Sample[] = [];
  const bases: number[] = [];
  for (let i = 0; i < 150; i++) {
    const [metric, base] = MIX[i % MIX.length]!;
    // Distinct labels make 150 distinct series of four kinds.
    const labels: Record<string, string> =
      metric === "aiops_disk_usage_percent" ? { mountpoint: `/m${i}`, device: `sd${i}`, fstype: "ext4" } : metric.includes("network") ? { device: `eth${i}` } : { n: String(i) };
    samples.push({ metric, labels, value: 0 });
    bases.push(base);
  }
  const detection = createDetection(config);
  const ticks = 8_000;
  const values = samples.map((_, i) => makeValues(ticks, i + 11, bases[i]!));
  let findings = 0;
  let start = 0;
  for (let t = 0; t < ticks; t++) {
    if (t === 1_000) start = performance.now();
    for (let i = 0; i < samples.length; i++) samples[i]!.value = values[i]![t]!;
    findings += detection.update(T0 + t * STEP, samples).findings.length;
  }
  const seconds = (performance.now() - start) / 1000;
  const points = (ticks - 1_000) * samples.length;
  console.log(`engine (update(ts, samples) with ${samples.length} samples a tick):  ${fmt(points / seconds)} points/s, ${fmt((ticks - 1_000) / seconds)} ticks/s`);
}

function memory(): void {
  const count = 5_000;
  const metric = "aiops_disk_usage_percent";
  const detect = ruleOf(metric);
  Bun.gc(true);
  const before = process.memoryUsage().heapUsed;
  const kept: Ensemble[] = [];
  const v = makeValues(600, 3, 50);
  for (let i = 0; i < count; i++) {
    const e = createEnsemble({ metric, labels: { mountpoint: `/m${i}`, device: `sd${i}`, fstype: "ext4" }, detect }, config);
    for (let p = 0; p < v.length; p++) e.update(T0 + p * STEP * 30, v[p]!); // 600 points over ~2 days: every bin seen
    kept.push(e);
  }
  Bun.gc(true);
  const after = process.memoryUsage().heapUsed;
  const perSeries = (after - before) / count;
  const json = JSON.stringify(kept[0]!.snapshot()).length;
  console.log(`memory per series (threshold + forecast + statistical + contextual, heap): ${(perSeries / 1024).toFixed(1)} KB; saved state ${(json / 1024).toFixed(1)} KB of JSON`);
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

console.log(`$ bun bench/detect.ts   (${process.platform}/${process.arch}, bun ${Bun.version}, one thread)`);
throughput();
engine();
memory();
