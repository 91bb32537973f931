// False alarms on healthy series: synthetic generators from fixed seeds, each at the agent's 10 s
// interval over a simulated week, through the default ensemble of a plain series (the statistical
// detector, agent defaults), counting finding onsets per 10,000 points; then NAB's artificialNoAnomaly
// files, where any finding is a false one.
//
//   npm run bench:quiet            # NAB files from ../shared/nab
//   bun bench/quiet.ts --nab DIR
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/load.ts";
import { parseTimestamp } from "../src/detect/replay.ts";
import { GENERATORS, POINTS, SEEDS, STEP, T0, onsets } from "./support/quiet-series.ts";

const root = resolve(import.meta.dir, "..");
const { values: args } = parseArgs({ options: { nab: { type: "string", default: resolve(root, "../shared/nab") } } });
const config = loadConfig({ env: {} }).config;
const rows: string[][] = [["series", "points", "findings", "per 10,000 points"]];
let worst = 0;
for (const [name, make] of GENERATORS) {
  let found = 0;
  for (const seed of SEEDS) found += onsets(config, (i) => T0 + i * STEP, make(seed), POINTS);
  const points = POINTS * SEEDS.length;
  const rate = (1e4 * found) / points;
  worst = Math.max(worst, rate);
  rows.push([`${name} (seeds ${SEEDS.join(",")})`, String(points), String(found), rate.toFixed(2)]);
}
const nabDir = join(resolve(args.nab!), "data/artificialNoAnomaly");
let nabFindings = 0;
for (const file of readdirSync(nabDir).filter((f) => f.endsWith(".csv")).sort()) {
  const lines = readFileSync(join(nabDir, file), "utf8").split("\n").slice(1).filter((l) => l.trim() !== "");
  const ts = lines.map((l) => parseTimestamp(l.split(",")[0]!)!);
  const values = lines.map((l) => Number(l.split(",")[1]));
  const found = onsets(config, (i) => ts[i]!, (i) => values[i]!, lines.length);
  nabFindings += found;
  rows.push([`NAB artificialNoAnomaly/${file}`, String(lines.length), String(found), ((1e4 * found) / lines.length).toFixed(2)]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
console.log(`$ bun bench/quiet.ts   (a simulated week at 10 s per generator and seed; agent defaults)`);
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
console.log(`worst generator: ${worst.toFixed(2)} findings per 10,000 points (target ≤ 1); artificialNoAnomaly: ${nabFindings} (target 0)`);
