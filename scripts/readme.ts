/**
 * Generates the README's reference tables from the code that defines them (the configuration schema,
 * the Series table) and writes them between their markers: `bun scripts/readme.ts` rewrites,
 * `bun scripts/readme.ts --check` fails when the README is out of date (a test runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERIES } from "../src/collect/series.ts";
import { formatDuration } from "../src/config/duration.ts";
import { configSettings } from "../src/config/load.ts";
import { configSchema } from "../src/config/schema.ts";

function getAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

/** The README's settings table, generated from the schema: key, environment variable, default, meaning. */
export function settingsTable(): string {
  const defaults = configSchema().parse({});
  const rows = configSettings().map((s) => {
    const value = getAt(defaults, s.path);
    let shown: string;
    if (s.info.defaultText) shown = s.info.defaultText;
    else if (value === undefined) shown = "—";
    else if (s.info.kind === "duration") shown = formatDuration(value as number);
    else if (Array.isArray(value)) shown = value.length > 4 ? `${value.slice(0, 4).join(", ")}, … (${value.length})` : value.join(", ") || "(none)";
    else if (typeof value === "object" && value !== null) shown = Object.keys(value).length === 0 ? "(none)" : JSON.stringify(value);
    else if (value === "") shown = "(empty)";
    else shown = String(value);
    const env = s.env ? `\`${s.env}\`${s.info.secret ? ` (or \`${s.env}_FILE\`)` : ""}` : "—";
    const doc = s.info.doc + (s.info.secret ? " Secret: never logged, redacted when printed." : "");
    return `| \`${s.key}\` | ${env} | \`${shown.replace(/\|/g, "\\|")}\` | ${doc.replace(/\|/g, "\\|")} |`;
  });
  return ["| key | environment | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

/** The README's Series table: every metric, its labels, unit and meaning. */
export function seriesTable(): string {
  const rows = SERIES.map((d) => `| \`${d.metric}\` | ${d.labels.map((l) => `\`${l}\``).join(", ") || "—"} | ${d.unit} | ${d.help} |`);
  return ["| metric | labels | unit | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

const TABLES: Record<string, () => string> = { settings: settingsTable, series: seriesTable };

/** The README with every generated table replaced by its current text. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, table] of Object.entries(TABLES)) {
    const begin = `<!-- BEGIN GENERATED ${name} (bun scripts/readme.ts) -->`;
    const end = `<!-- END GENERATED ${name} -->`;
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${begin} … ${end} block`);
    out = `${out.slice(0, from + begin.length)}\n${table()}\n${out.slice(to)}`;
  }
  return out;
}

if (import.meta.main) {
  const path = join(import.meta.dir, "../README.md");
  const current = readFileSync(path, "utf8");
  const wanted = renderReadme(current);
  if (process.argv.includes("--check")) {
    if (wanted !== current) {
      console.error("README.md tables are out of date: run bun scripts/readme.ts");
      process.exit(1);
    }
  } else if (wanted !== current) {
    writeFileSync(path, wanted);
    console.log("README.md tables updated");
  }
}
