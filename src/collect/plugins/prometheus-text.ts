import type { MetricFamily, MetricType } from "../../contracts/snapshot.ts";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ["gauge", "counter", "untyped", "histogram", "summary"];
/** Samples of a histogram or summary family carry one of these after the family's name. */
const SUFFIXES: Record<string, readonly string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["_sum", "_count"] };

/** A line of Prometheus text that could not be taken, with its line number. */
export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "ExpositionError";
  }
}

export interface ParseOptions {
  /** Metric names starting with this are refused (the agent's own: `aiops_`). */
  reservedPrefix?: string;
  /** Label names the caller sets itself, refused in the text. */
  reservedLabels?: readonly string[];
}

/**
 * Parses Prometheus text format 0.0.4 strictly, as node_exporter's textfile collector does: one bad
 * line, a duplicate series, a client-side timestamp or a second TYPE for a family rejects the whole
 * text (a half-read file must never pass for a whole one). Families are returned in order of first
 * appearance, each sample under its full name.
 */
export function parsePrometheusText(text: string, options: ParseOptions = {}): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const typed = new Set<string>();
  const helped = new Set<string>();
  const series = new Set<string>();
  const lines = text.split("\n");
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: "", type: "untyped", samples: [] }));
    return f;
  };
  /** The family a sample belongs to: `x_bucket` to histogram `x`, anything else to itself. */
  const familyOf = (sampleName: string): string => {
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = sampleName.slice(0, -suffix.length);
      const f = families.get(base);
      if (f && (SUFFIXES[f.type] ?? []).includes(suffix)) return base;
    }
    return sampleName;
  };

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i]!.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const meta = line.match(/^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/);
      if (!meta) continue; // an ordinary comment
      const [, kind, name, rest = ""] = meta;
      checkName(name!, n, options);
      if (kind === "TYPE") {
        if (!(TYPES as readonly string[]).includes(rest.trim())) throw new ExpositionError(n, `unknown type ${JSON.stringify(rest.trim())} for ${name} (expected ${TYPES.join(", ")})`);
        if (typed.has(name!)) throw new ExpositionError(n, `second TYPE line for ${name}`);
        if (families.get(name!)?.samples.length) throw new ExpositionError(n, `TYPE line for ${name} after its samples`);
        typed.add(name!);
        family(name!).type = rest.trim() as MetricType;
      } else {
        if (helped.has(name!)) throw new ExpositionError(n, `second HELP line for ${name}`);
        helped.add(name!);
        family(name!).help = unescapeHelp(rest);
      }
      continue;
    }
    const sample = parseSample(line, n);
    checkName(sample.name, n, options);
    for (const label of Object.keys(sample.labels)) {
      if (options.reservedLabels?.includes(label)) throw new ExpositionError(n, `label ${label} is set by the agent`);
    }
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    if (series.has(key)) throw new ExpositionError(n, `duplicate series ${line.slice(0, line.lastIndexOf(" ")).trim()}`);
    series.add(key);
    family(familyOf(sample.name)).samples.push(sample);
  }
  return [...families.values()].filter((f) => f.samples.length > 0);
}

function checkName(name: string, line: number, options: ParseOptions): void {
  if (!METRIC_NAME.test(name)) throw new ExpositionError(line, `invalid metric name ${JSON.stringify(name)}`);
  if (options.reservedPrefix && name.startsWith(options.reservedPrefix)) {
    throw new ExpositionError(line, `metric names starting with ${options.reservedPrefix} are the agent's own (${name})`);
  }
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === "n" ? "\n" : "\\"));
}

/** Parses a value as Prometheus writes it: a float, `NaN`, `+Inf`, `-Inf`. */
export function parseValue(text: string): number | undefined {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && !/^[-+]?0x[0-9a-fA-F]+$/.test(text)) return undefined;
  return Number(text);
}

/** One sample line: `name{a="1",b="x\"y"} 42`. */
function parseSample(line: string, n: number): MetricFamily["samples"][number] {
  let at = 0;
  while (at < line.length && line[at] !== "{" && line[at] !== " " && line[at] !== "\t") at++;
  const name = line.slice(0, at);
  const labels: Record<string, string> = {};
  if (line[at] === "{") {
    at++;
    for (;;) {
      while (line[at] === " " || line[at] === ",") at++;
      if (line[at] === "}") {
        at++;
        break;
      }
      const eq = line.indexOf("=", at);
      if (eq < 0) throw new ExpositionError(n, "unterminated label set");
      const label = line.slice(at, eq).trim();
      if (!LABEL_NAME.test(label) || label.startsWith("__")) throw new ExpositionError(n, `invalid label name ${JSON.stringify(label)}`);
      if (label in labels) throw new ExpositionError(n, `label ${label} given twice`);
      at = eq + 1;
      while (line[at] === " ") at++;
      if (line[at] !== '"') throw new ExpositionError(n, `label ${label}: value must be in double quotes`);
      at++;
      let value = "";
      for (;;) {
        const c = line[at];
        if (c === undefined) throw new ExpositionError(n, `label ${label}: unterminated value`);
        at++;
        if (c === '"') break;
        if (c === "\\") {
          const next = line[at++];
          if (next === "n") value += "\n";
          else if (next === "\\" || next === '"') value += next;
          else throw new ExpositionError(n, `label ${label}: invalid escape \\${next ?? ""}`);
        } else value += c;
      }
      labels[label] = value;
      while (line[at] === " ") at++;
      if (line[at] !== "," && line[at] !== "}") throw new ExpositionError(n, `label ${label}: expected , or } after the value`);
    }
  }
  const rest = line.slice(at).trim().split(/\s+/);
  if (rest.length === 0 || rest[0] === "") throw new ExpositionError(n, `no value for ${name}`);
  const value = parseValue(rest[0]!);
  if (value === undefined) throw new ExpositionError(n, `invalid value ${JSON.stringify(rest[0])} for ${name}`);
  if (rest.length > 1) throw new ExpositionError(n, rest.length === 2 && /^-?\d+$/.test(rest[1]!) ? "client-side timestamps are not supported" : `unexpected text after the value of ${name}`);
  return { name, labels, value };
}
