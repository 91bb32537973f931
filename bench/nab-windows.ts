// Where the shipped defaults' findings open in NAB's labelled windows, and what the onset score loses to
// what. NAB centres each window on the labelled anomaly, so a finding at the anomaly itself opens at 0.50
// of its window and is worth 0.86; only what comes after the centre is late.
//
// Per window (with --verbose): hit or missed, the position of the first finding onset in it (0 its first
// point, 1 its last), which detector opened it (a statistical one by its stronger evidence, shift or
// spike, and its robust z), and where each learned detector alone first scored past `anomaly_score` in
// it (for a miss, the smallest 1 − score it reached). Per false positive: detector, cost and distance to
// the nearest window. After each hit or false positive, [a/b p=…]: of the 5 points from the onset, how
// many the statistical detector scored past `anomaly_score` (a) and how many held a finding (b), and the
// onset's tail probability. Last, each category's loss against a perfect detector in points of the
// normalised score (bench/nab.ts's onsets): misses, lateness (and the part past the centre), false
// positives by detector.
//
//   bun bench/nab-windows.ts --nab ../shared/nab [--verbose]
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.ts";
import { createEnsemble } from "../src/detect/ensemble.ts";
import { parseTimestamp } from "../src/detect/replay.ts";
import type { Finding } from "../src/contracts/finding.ts";
import { prepareFile } from "./support/nab-score.ts";

const root = resolve(import.meta.dir, "..");
const { values: args } = parseArgs({
  options: { nab: { type: "string", default: resolve(root, "../shared/nab") }, verbose: { type: "boolean", default: false } },
});
const nab = resolve(args.nab!);
const dataDir = join(nab, "data");
const windows = JSON.parse(readFileSync(join(nab, "labels/combined_windows.json"), "utf8")) as Record<string, [string, string][]>;
const config = loadConfig({ env: {} }).config;
const threshold = config.detect.anomaly_score;

interface Loss {
  windows: number;
  missed: number;
  late: number;
  /** Lateness past the window's centre, where NAB puts the labelled anomaly (a detection there is worth 0.86). */
  pastCentre: number;
  lateHits: number;
  fp: number;
  fpCount: number;
  fpBy: Map<string, number>;
  positions: number[];
}
const losses = new Map<string, Loss>();
const f2 = (x: number) => x.toFixed(2);

/** A statistical onset by the evidence that opened it: a shift (the CUSUM's p-value the smaller) or a spike, and how far (robust z). */
function statisticalKind(f: Finding): string {
  const d = f.evidence?.find((e) => e.detector === "statistical")?.detail as { z: number; spike_p: number; shift_p: number } | undefined;
  if (!d) return "statistical";
  return `statistical ${d.shift_p < d.spike_p ? "shift" : "spike"} z=${d.z.toFixed(1)}`;
}
const kindOf = (by: string) => by.replace(/ z=.*$/, "");

for (const category of readdirSync(dataDir).sort()) {
  for (const file of readdirSync(join(dataDir, category)).filter((f) => f.endsWith(".csv")).sort()) {
    const rel = `${category}/${file}`;
    // Categories without windows score nothing; a file without windows in one that has them counts its false positives.
    if (!Object.entries(windows).some(([k, v]) => k.startsWith(`${category}/`) && v.length > 0)) continue;
    const lines = readFileSync(join(dataDir, rel), "utf8").split("\n").slice(1).filter((l) => l.trim() !== "");
    const ts = lines.map((l) => parseTimestamp(l.split(",")[0]!)!);
    const values = lines.map((l) => Number(l.split(",")[1]));
    const w = windows[rel]!.map(([a, b]) => [parseTimestamp(a.replace(/\.\d+$/, ""))!, parseTimestamp(b.replace(/\.\d+$/, ""))!] as [number, number]);
    const scored = prepareFile(rel, category, ts, w);

    const spec = { metric: "value", labels: {}, detect: { statistical: true } };
    const ensemble = createEnsemble(spec, config);
    const statistical = createEnsemble({ ...spec, only: "statistical" }, config);
    const contextual = createEnsemble({ ...spec, only: "contextual" }, config);
    const onsetBy: (string | undefined)[] = new Array(ts.length);
    const found = new Uint8Array(ts.length);
    const statScore = new Float64Array(ts.length);
    const ctxScore = new Float64Array(ts.length);
    const openAt = new Uint8Array(ts.length);
    let before = false;
    for (let i = 0; i < ts.length; i++) {
      const r = ensemble.update(ts[i]!, values[i]!);
      statScore[i] = statistical.update(ts[i]!, values[i]!).score;
      ctxScore[i] = contextual.update(ts[i]!, values[i]!).score;
      const now = r.findings.length > 0;
      if (now) openAt[i] = 1;
      if (now) found[i] = 1;
      if (now && !before) onsetBy[i] = r.findings.map((f) => (f.type.endsWith("_flatline") ? "flatline" : f.detector === "statistical" ? statisticalKind(f) : f.detector)).join("+");
      before = now;
    }

    const loss: Loss = losses.get(category) ?? { windows: 0, missed: 0, late: 0, pastCentre: 0, lateHits: 0, fp: 0, fpCount: 0, fpBy: new Map(), positions: [] };
    losses.set(category, loss);
    const edges: [number, number][] = [];
    for (let i = 0; i < ts.length; i++) {
      const k = scored.window[i]!;
      if (k < 0) continue;
      if (edges[k] === undefined) edges[k] = [i, i];
      edges[k]![1] = i;
    }
    const lines2: string[] = [];
    /** Of the 5 points from an onset, how many score past the threshold (statistical) and hold a finding. */
    const persist = (i: number) => {
      let a = 0;
      let b = 0;
      for (let j = i; j < Math.min(ts.length, i + 5); j++) {
        if (statScore[j]! >= threshold) a++;
        if (found[j]) b++;
      }
      return `[${a}/${b} p=${(1 - Math.max(statScore[i]!, ctxScore[i]!)).toExponential(0)}]`;
    };
    for (const [k, [lo, hi]] of edges.entries()) {
      if (hi < scored.from) continue;
      loss.windows++;
      const start = Math.max(lo, scored.from);
      let first = -1;
      for (let i = start; i <= hi; i++) if (onsetBy[i] !== undefined) {
        first = i;
        break;
      }
      const firstPast = (sc: Float64Array) => {
        for (let i = start; i <= hi; i++) if (sc[i]! >= threshold) return f2((i - lo) / (hi - lo + 1));
        return "-";
      };
      const heldIn = openAt[start] === 1 && onsetBy[start] === undefined ? " (a finding opened before the window holds at its start)" : "";
      if (first < 0) {
        loss.missed++;
        const most = (sc: Float64Array) => {
          let m = 0;
          for (let i = start; i <= hi; i++) m = Math.max(m, sc[i]!);
          return (1 - m).toExponential(1);
        };
        lines2.push(`  window ${k} [${lo}..${hi}] MISSED${heldIn}; statistical ≥ ${threshold} first at ${firstPast(statScore)}, contextual at ${firstPast(ctxScore)}; smallest 1 − score: statistical ${most(statScore)}, contextual ${most(ctxScore)}`);
      } else {
        const wt = scored.weight[first]!;
        loss.late += 1 - wt;
        loss.pastCentre += Math.max(0, scored.weight[lo + Math.floor((hi - lo) / 2)]! - wt);
        loss.lateHits++;
        loss.positions.push((first - lo) / (hi - lo + 1));
        lines2.push(`  window ${k} [${lo}..${hi}] hit${persist(first)} at ${f2((first - lo) / (hi - lo + 1))} by ${onsetBy[first]} (worth ${f2(wt)})${heldIn}; statistical ≥ ${threshold} first at ${firstPast(statScore)}, contextual at ${firstPast(ctxScore)}`);
      }
    }
    for (let i = scored.from; i < ts.length; i++) {
      if (onsetBy[i] === undefined || scored.window[i]! >= 0) continue;
      const cost = -scored.weight[i]!;
      loss.fp += cost;
      loss.fpCount++;
      loss.fpBy.set(kindOf(onsetBy[i]!), (loss.fpBy.get(kindOf(onsetBy[i]!)) ?? 0) + cost);
      const near = edges.reduce((m, [lo, hi]) => Math.min(m, i < lo ? lo - i : i > hi ? i - hi : 0), Number.POSITIVE_INFINITY);
      lines2.push(`  FP${persist(i)} at ${i} by ${onsetBy[i]} costs ${f2(cost)} (${near} points ${edges.some(([lo]) => lo > i && lo - i === near) ? "before" : "after"} a window)`);
    }
    if (args.verbose) console.log(`${rel} (${ts.length} points, scored from ${scored.from})\n${lines2.join("\n")}`);
  }
}

console.log("\nloss against a perfect detector, in points of the normalised onset score (each raw unit is 50 / windows points)");
for (const [category, l] of losses) {
  const unit = 50 / l.windows;
  const score = 100 - unit * (2 * l.missed + l.late + l.fp);
  const fpBy = [...l.fpBy].map(([d, c]) => `${d} ${f2(c * unit)}`).join(", ");
  const pos = l.positions.sort((a, b) => a - b);
  console.log(
    `${category}: score ${score.toFixed(1)}; ${l.windows} windows, ${l.missed} missed (−${(2 * l.missed * unit).toFixed(1)}), ${l.lateHits} hit, lateness −${(l.late * unit).toFixed(1)} (−${(l.pastCentre * unit).toFixed(1)} of it past the centre; positions ${pos.map(f2).join(" ")}), ${l.fpCount} FPs −${(l.fp * unit).toFixed(1)} (${fpBy})`,
  );
}
