// Healthy synthetic series from fixed seeds, at the agent's 10 s interval over a simulated week, and the
// count of finding onsets the default ensemble of a plain series raises on them (bench/quiet.ts prints
// it; bench/nab.ts keeps only settings that stay quiet on them).
import type { Config } from "../../src/config/schema.ts";
import type { ContextualTuning } from "../../src/detect/contextual.ts";
import { type EnsembleSpec, createEnsemble } from "../../src/detect/ensemble.ts";
import type { StatisticalTuning } from "../../src/detect/statistical.ts";

export const STEP = 10_000;
const WEEK = 7 * 86_400_000;
export const POINTS = WEEK / STEP;
export const T0 = Date.UTC(2025, 0, 6);
const DAY_POINTS = 86_400_000 / STEP;

/** Deterministic uniform [0, 1) and standard normal draws from a seed. */
function rng(seed: number): { u: () => number; n: () => number } {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const n = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return { u, n };
}

/** Healthy series: value of point `i` given the seed's draws. */
export const GENERATORS: [string, (seed: number) => (i: number) => number][] = [
  ["white noise N(20, 1)", (seed) => { const r = rng(seed); return () => 20 + r.n(); }],
  ["random walk", (seed) => { const r = rng(seed); let x = 50; return () => (x += 0.05 * r.n()); }],
  ["daily seasonality + noise", (seed) => { const r = rng(seed); return (i) => 40 + 20 * Math.sin((2 * Math.PI * i) / DAY_POINTS) + 2 * r.n(); }],
  ["sparse counter (mostly 0)", (seed) => { const r = rng(seed); return () => (r.u() < 0.02 ? 1 + Math.floor(r.u() * 5) : 0); }],
  ["slow trend + noise", (seed) => { const r = rng(seed); return (i) => 10 + (30 * i) / POINTS + r.n(); }],
  ["quantized (steps of 1)", (seed) => { const r = rng(seed); return () => Math.round(30 + 1.5 * r.n()); }],
  ["level change once, then stays", (seed) => { const r = rng(seed); return (i) => (i < POINTS / 2 ? 20 : 35) + r.n(); }],
];
export const SEEDS = [1, 2, 3];

/** Constants of the learned detectors other than the defaults (bench/nab.ts searches them), or one detector alone. */
export interface QuietTuning {
  tuning?: Partial<StatisticalTuning>;
  contextualTuning?: Partial<ContextualTuning>;
  only?: EnsembleSpec["only"];
}

/** Finding onsets over a series. */
export function onsets(config: Config, ts: (i: number) => number, values: (i: number) => number, count: number, other: QuietTuning = {}): number {
  const ensemble = createEnsemble({ metric: "value", labels: {}, detect: { statistical: true }, ...other }, config);
  let open = false;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const now = ensemble.update(ts(i), values(i)).findings.length > 0;
    if (now && !open) n++;
    open = now;
  }
  return n;
}


/** Most finding onsets per 10,000 points over the generators (each over every seed, as bench/quiet.ts counts). */
export function worstRate(config: Config, other: QuietTuning = {}): number {
  let worst = 0;
  for (const [, make] of GENERATORS) {
    let found = 0;
    for (const seed of SEEDS) found += onsets(config, (i) => T0 + i * STEP, make(seed), POINTS, other);
    worst = Math.max(worst, (1e4 * found) / (POINTS * SEEDS.length));
  }
  return worst;
}
