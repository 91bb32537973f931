/**
 * Small readers for the deployment files, so tests can assert on what they say rather than on their text:
 * YAML streams, systemd units, Dockerfiles, PromQL metric names and Kubernetes quantities.
 */

/** The documents of a YAML file: `Bun.YAML.parse` returns an array for a `---` stream, the one document otherwise. */
export function yamlDocuments(text: string): unknown[] {
  const parsed: unknown = Bun.YAML.parse(text);
  const stream = /^---\s*$/m.test(text) && Array.isArray(parsed);
  return (stream ? (parsed as unknown[]) : [parsed]).filter((d) => d !== null && d !== undefined);
}

/** A systemd unit: section → key → every value assigned, in order (an empty assignment is ""). */
export type Unit = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.replace(/\\\n/g, " ").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = line.match(/^\[(.+)\]$/);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf("=");
    if (!section || eq < 0) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    const values = section.get(key) ?? [];
    values.push(line.slice(eq + 1).trim());
    section.set(key, values);
  }
  return unit;
}

/** One instruction of a Dockerfile, continuation lines joined, comments dropped. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  /** Index of the build stage (FROM) it belongs to. */
  stage: number;
}

export function parseDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let stage = -1;
  const lines = text.split("\n").filter((l) => !/^\s*#/.test(l));
  for (const logical of lines.join("\n").replace(/\\\n/g, " ").split("\n")) {
    const match = logical.trim().match(/^([A-Za-z]+)\s+(.*)$/);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    if (keyword === "FROM") stage++;
    out.push({ keyword, args: match[2]!.trim(), stage });
  }
  return out;
}

/** A HEALTHCHECK's `--key=value` options and its exec-form command; throws on the shell form, which needs a shell. */
export function dockerHealthcheck(args: string): { options: Record<string, string>; argv: string[] } {
  const match = args.match(/^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.*)$/);
  if (!match) throw new Error(`HEALTHCHECK ${args}: expected [--option=value...] CMD [...]`);
  const options = Object.fromEntries([...match[1]!.matchAll(/--([a-z-]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
  const command = match[2]!.trim();
  if (!command.startsWith("[")) throw new Error(`HEALTHCHECK CMD ${command}: the shell form needs /bin/sh, which distroless lacks`);
  return { options, argv: JSON.parse(command) as string[] };
}

/** `KEY=value` pairs of an ENV instruction (the `ENV KEY value` form too). */
export function dockerEnv(args: string): Record<string, string> {
  if (!args.includes("=")) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key!]: rest.join(" ") };
  }
  return Object.fromEntries([...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, "")]));
}

const PROMQL_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/**
 * Metric names used by a PromQL expression: identifiers that are not functions or aggregations (followed
 * by a parenthesis), keywords, label names (inside `{}` or a `by (...)` list), strings or durations.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const before = stripped[match.index - 1] ?? " ";
    if (/[0-9.$]/.test(before)) continue; // 1e3, 5m, $variable
    if (PROMQL_KEYWORDS.has(word.toLowerCase())) continue;
    if (/^\s*\(/.test(stripped.slice(match.index + word.length))) continue;
    names.push(word);
  }
  return [...new Set(names)];
}

/** Label names matched in each `metric{...}` selector of a PromQL expression. */
export function promqlSelectorLabels(expr: string): Array<{ metric: string; labels: string[] }> {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

const QUANTITY_UNITS: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** A Kubernetes quantity (`512Mi`, `1G`) in bytes. */
export function quantityBytes(quantity: string): number {
  const match = String(quantity).match(/^(\d+(?:\.\d+)?)([kMG]i?|)$/);
  if (!match || !(match[2]! in QUANTITY_UNITS)) throw new Error(`unsupported quantity ${quantity}`);
  return Number(match[1]) * QUANTITY_UNITS[match[2]!]!;
}
