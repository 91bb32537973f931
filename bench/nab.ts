// Numenta Anomaly Benchmark: replays every file of the NAB data through the agent's detectors with the
// agent's defaults (no per-file tuning, no labels at run time), then scores the outputs with NAB's rules.
//
//   npm run bench:nab                       # data and scorer from ../shared/nab
//   bun bench/nab.ts --nab DIR [--out DIR]  # another copy of NAB (data/, labels/, nabscore.py)
//   bun bench/nab.ts --data-dir DIR --labels FILE [--out DIR]
//                                           # any directory in NAB's layout (DIR/<category>/<file>.csv) with
//                                           # its own windows file, e.g. categories kept out of the repository
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.ts";
import { replay } from "../src/detect/replay.ts";

const root = resolve(import.meta.dir, "..");
const { values: args } = parseArgs({
  options: {
    nab: { type: "string", default: resolve(root, "../shared/nab") },
    out: { type: "string", default: join(root, "bench/out/nab") },
    "data-dir": { type: "string" },
    labels: { type: "string" },
    scorer: { type: "string" },
  },
});
const nab = resolve(args.nab!);
const out = resolve(args.out!);
const dataDir = resolve(args["data-dir"] ?? join(nab, "data"));
const labels = resolve(args.labels ?? join(nab, "labels/combined_windows.json"));
const scorer = resolve(args.scorer ?? join(nab, "nabscore.py"));

const config = loadConfig({ env: {} }).config;
rmSync(out, { recursive: true, force: true });

const categories = readdirSync(dataDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
let points = 0;
let files = 0;
const findingRows = new Map<string, number>();
const started = performance.now();
for (const category of categories) {
  mkdirSync(join(out, category), { recursive: true });
  let rows = 0;
  for (const file of readdirSync(join(dataDir, category)).filter((f) => f.endsWith(".csv")).sort()) {
    const counts = replay({
      input: join(dataDir, category, file),
      output: join(out, category, file),
      config,
      warn: (m) => console.warn(m),
    });
    points += counts.rows;
    rows += counts.findings;
    files++;
  }
  findingRows.set(category, rows);
}
const seconds = (performance.now() - started) / 1000;

const command = ["python3", scorer, out, "--labels", labels, "--data-dir", dataDir];
console.log(`$ bun bench/nab.ts   (replayed ${files} files, ${points} points in ${seconds.toFixed(2)} s, detector: ensemble, agent defaults)`);
console.log(`$ ${command.join(" ")}`);
const all = spawnSync(command[0]!, command.slice(1), { encoding: "utf8" });
process.stdout.write(all.stdout);
if (all.status !== 0) {
  process.stderr.write(all.stderr);
  process.exit(1);
}

// Per category, each with its own swept threshold (as NAB scores a category on its own).
const rows: string[][] = [["category", "standard", "reward_low_FP", "reward_low_FN", "rows with a finding"]];
for (const category of categories) {
  const r = spawnSync(command[0]!, [...command.slice(1), "--categories", category], { encoding: "utf8" });
  const line = r.stdout.split("\n").find((l) => /^\S+(\s+(-?\d+\.\d+|nan)){3}\s*$/.test(l));
  const scores = line?.trim().split(/\s+/).slice(1) ?? ["?", "?", "?"];
  rows.push([category, ...scores, String(findingRows.get(category) ?? 0)]);
}
const total = all.stdout.split("\n").find((l) => /^\S+\s+-?\d+\.\d+\s+-?\d+\.\d+\s+-?\d+\.\d+\s*$/.test(l));
rows.push(["ALL (one threshold)", ...(total?.trim().split(/\s+/).slice(1) ?? ["?", "?", "?"]), String([...findingRows.values()].reduce((a, b) => a + b, 0))]);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log("\nNAB scores (normalised: never firing 0, perfect 100)");
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
console.log("'rows with a finding' counts points where the agent would report a finding (statistical findings: detect.anomaly_score");
console.log("and detect.min_deviation); on artificialNoAnomaly it must be 0.");
