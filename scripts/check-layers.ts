#!/usr/bin/env bun
/**
 * The layer rule of ARCHITECTURE.md, checked over the imports: a module imports only its own layer or
 * lower ones, and no files import each other in a circle. Prints one line per problem and exits 1 when
 * there is any; `test/layers.test.ts` runs it with the rest of the suite.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Lowest first. A file belongs to the first layer with a prefix of its path (relative to the repository). */
export const LAYERS: ReadonlyArray<{ name: string; prefixes: readonly string[] }> = [
  {
    name: "base",
    prefixes: ["src/contracts/", "src/config/", "src/log.ts", "src/log-file.ts", "src/clock.ts", "src/self-metrics.ts", "src/event-bus.ts", "src/bounded-read.ts"],
  },
  { name: "collect", prefixes: ["src/collect/"] },
  { name: "detect", prefixes: ["src/detect/"] },
  { name: "store", prefixes: ["src/store/"] },
  { name: "deliver", prefixes: ["src/alert/", "src/remediate/", "src/export/"] },
  { name: "server", prefixes: ["src/server/"] },
  { name: "agent", prefixes: ["src/agent.ts"] },
  { name: "tui", prefixes: ["tui/"] },
  { name: "main", prefixes: ["src/main.ts", "src/commands/"] },
];

/** Imports the layer order allows but the design does not: the TUI reads through the API or the event bus. */
const FORBIDDEN: ReadonlyArray<{ from: string; to: readonly string[]; why: string }> = [
  { from: "tui/", to: ["src/store/", "src/alert/", "src/remediate/", "src/export/", "src/agent.ts"], why: "the TUI reads through the API or the event bus, never" },
];

export interface LayerProblem {
  file: string;
  message: string;
}

function layerOf(file: string): number {
  return LAYERS.findIndex((layer) => layer.prefixes.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
}

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(root, path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Relative imports of a file: static, re-exports, and dynamic `import("…")`. Type-only imports count too. */
export function importsOf(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) found.add(match[1]!);
  return [...found];
}

/** Every breach of the layer order and every circle among the files under `src/` and `tui/`. */
export function checkLayers(root: string): LayerProblem[] {
  const files = ["src", "tui"].flatMap((dir) => sourceFiles(root, dir));
  const problems: LayerProblem[] = [];
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const layer = layerOf(file);
    if (layer < 0) {
      problems.push({ file, message: "belongs to no layer: add it to LAYERS in scripts/check-layers.ts and to ARCHITECTURE.md" });
      continue;
    }
    const targets: string[] = [];
    for (const spec of importsOf(readFileSync(join(root, file), "utf8"))) {
      const target = relative(root, resolve(root, dirname(file), spec));
      if (target === "package.json") continue;
      targets.push(target);
      const targetLayer = layerOf(target);
      for (const rule of FORBIDDEN) {
        const hit = file.startsWith(rule.from) ? rule.to.find((p) => (p.endsWith("/") ? target.startsWith(p) : target === p)) : undefined;
        if (hit) problems.push({ file, message: `imports ${target}: ${rule.why} ${hit}` });
      }
      if (targetLayer > layer) {
        problems.push({ file, message: `imports ${target}: layer ${LAYERS[layer]!.name} may not import layer ${LAYERS[targetLayer]!.name} (above it)` });
      }
    }
    edges.set(file, targets);
  }
  problems.push(...circles(edges));
  return problems;
}

/** Circles of imports (Tarjan's strongly connected components of more than one file, or a file importing itself). */
function circles(edges: Map<string, string[]>): LayerProblem[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: LayerProblem[] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!edges.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const members: string[] = [];
    for (;;) {
      const member = stack.pop()!;
      onStack.delete(member);
      members.push(member);
      if (member === file) break;
    }
    if (members.length > 1 || (edges.get(file) ?? []).includes(file)) {
      out.push({ file: members.sort()[0]!, message: `imports itself in a circle: ${members.sort().join(" → ")}` });
    }
  };
  for (const file of [...edges.keys()].sort()) if (!index.has(file)) visit(file);
  return out;
}

if (import.meta.main) {
  const problems = checkLayers(resolve(import.meta.dir, ".."));
  for (const p of problems) process.stdout.write(`${p.file}: ${p.message}\n`);
  process.stdout.write(problems.length === 0 ? "layers: every import follows the layer order; no circles\n" : `layers: ${problems.length} problems\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}
