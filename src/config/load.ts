import type { z } from "zod";
import { tokenProblem } from "./api-tokens.ts";
import { readTlsFiles } from "./tls-files.ts";
import { CONFIG_FILE_LIMIT, SECRET_FILE_LIMIT, readBoundedFile } from "./read-bounded-file.ts";
import { MAX_YAML_DEPTH, MAX_YAML_VALUES, expandedValues, yamlDepth } from "./yaml-limits.ts";
import { type Config, configSchema } from "./schema.ts";
import { type Setting, arrayElement, isSecretKey, listSettings, secretFileFields, secretValues, shapeFor } from "./settings.ts";
import { redactUrlCredentials, urlCredentialSecrets } from "./url-credentials.ts";
import { joinKey, lineOf, yamlErrorLine, yamlKeyLines } from "./yaml-lines.ts";

/** Where a value came from, for `config --print` and for every error message. */
export type Source =
  | { kind: "default" }
  | { kind: "mode"; mode: string }
  | { kind: "file"; file: string; line?: number }
  | { kind: "env"; name: string; file?: string };

export interface LoadedConfig {
  config: Config;
  /** Source of every key that did not come from the defaults, by dotted key. */
  sources: Map<string, Source>;
  /** Problems that do not stop the agent (an unknown AIOPS_* variable). */
  warnings: string[];
  /** Every secret value, for the logger to strike out. */
  secrets: string[];
  file?: string;
}

export interface LoadOptions {
  env: Record<string, string | undefined>;
  /** YAML file to load (from `--config` or AIOPS_CONFIG). */
  file?: string;
  /** Defaults of a mode, above the schema's (e.g. `--tui` collects every second). */
  modeDefaults?: { mode: string; values: Record<string, unknown> };
  readFile?: (path: string) => string;
}

/** Most problems listed, and longest line: a broken file must give a screenful to read, not megabytes. */
const MAX_PROBLEMS = 50;
const MAX_PROBLEM_LENGTH = 400;

/** The configuration could not be loaded; `problems` has one line per problem. Exit code 78 (EX_CONFIG). */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    const cut = problems.slice(0, MAX_PROBLEMS).map((p) => (p.length > MAX_PROBLEM_LENGTH ? `${p.slice(0, MAX_PROBLEM_LENGTH)}…` : p));
    if (problems.length > MAX_PROBLEMS) cut.push(`… and ${problems.length - MAX_PROBLEMS} more problems`);
    super(`invalid configuration:\n${cut.join("\n")}`);
    this.name = "ConfigError";
    this.problems = cut;
  }
}

/** Environment variables the agent reads that are not settings. */
const NOT_SETTINGS = new Set(["AIOPS_CONFIG"]);

/** Every setting of the schema, in its order (the README's table, the manifests' checks). */
export function configSettings(): readonly Setting[] {
  return listSettings(configSchema());
}

/** Loads defaults < YAML file < environment, validates the result, and says where each value came from. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  // Files are read bounded: a regular file of sane size, never a FIFO or a device that could block or fill memory.
  const readConfig = options.readFile ?? ((path: string) => readBoundedFile(path, CONFIG_FILE_LIMIT));
  const read = options.readFile ?? ((path: string) => readBoundedFile(path, SECRET_FILE_LIMIT));
  const raw: Record<string, unknown> = {};
  const sources = new Map<string, Source>();
  const problems: string[] = [];
  const warnings: string[] = [];
  let lines = new Map<string, number>();
  // Built for this load only, not kept: see `configSchema`.
  const schema = configSchema();
  const byEnv = new Map(listSettings(schema).flatMap((s) => (s.env ? [[s.env, s] as const] : [])));

  if (options.modeDefaults) {
    for (const [key, value] of Object.entries(options.modeDefaults.values)) {
      setAt(raw, key.split("."), value);
      sources.set(key, { kind: "mode", mode: options.modeDefaults.mode });
    }
  }

  if (options.file !== undefined) {
    const file = options.file;
    let text: string | undefined;
    try {
      text = readConfig(file);
    } catch (cause) {
      problems.push(`${file}: cannot read the configuration file (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
    }
    if (text !== undefined && text.length > CONFIG_FILE_LIMIT) {
      problems.push(`${file}: cannot read the configuration file (larger than ${CONFIG_FILE_LIMIT / 1024 / 1024} MiB)`);
      text = undefined;
    }
    const depth = text === undefined ? 0 : yamlDepth(text);
    if (depth > MAX_YAML_DEPTH) {
      problems.push(`${file}: nested deeper than ${MAX_YAML_DEPTH} levels; a configuration needs fewer than 10`);
      text = undefined;
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = Bun.YAML.parse(text);
      } catch (cause) {
        problems.push(`${file}:${yamlErrorLine(text)}: YAML syntax error: ${(cause as Error).message.replace(/^YAML Parse error:\s*/, "")}`);
      }
      if (parsed !== undefined && parsed !== null && expandedValues(parsed) > MAX_YAML_VALUES) {
        problems.push(`${file}: expands to more than ${MAX_YAML_VALUES.toLocaleString("en")} values (aliases used many times over?); a configuration needs a few hundred`);
        parsed = undefined;
      }
      if (parsed !== undefined && parsed !== null) {
        if (typeof parsed !== "object" || Array.isArray(parsed)) {
          problems.push(`${file}:1: expected a mapping of settings (key: value) at the top of the file`);
        } else {
          lines = yamlKeyLines(text);
          mergeFile(raw, parsed as Record<string, unknown>, [], file, lines, sources);
        }
      }
    }
  }

  for (const [name, value] of Object.entries(options.env)) {
    if (value === undefined || !name.startsWith("AIOPS_") || NOT_SETTINGS.has(name)) continue;
    const setting = byEnv.get(name) ?? (name.endsWith("_FILE") ? byEnv.get(name.slice(0, -5)) : undefined);
    if (!setting) {
      const hint = closest(name.replace(/_FILE$/, ""), [...byEnv.keys()]);
      warnings.push(`${name}: not a setting, ignored${hint ? `; did you mean ${hint}?` : ""}`);
      continue;
    }
    if (name.endsWith("_FILE") && setting.env !== name) {
      if (!setting.info.secret) {
        problems.push(`${setting.key} (env ${name}): only secrets can be read from a file; set ${setting.env} instead`);
        continue;
      }
      if (options.env[setting.env!] !== undefined) {
        problems.push(`${setting.key} (env ${name}): set only one of ${setting.env} and ${name}`);
        continue;
      }
      try {
        setAt(raw, setting.path, read(value).replace(/\r?\n$/, ""));
        sources.set(setting.key, { kind: "env", name, file: value });
      } catch (cause) {
        problems.push(`${setting.key} (env ${name}): cannot read ${value} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
      }
      continue;
    }
    setAt(raw, setting.path, fromEnv(setting, value));
    sources.set(setting.key, { kind: "env", name });
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const result = schema.safeParse(raw);
  if (!result.success) {
    // Cross-field checks run even when a field is already wrong; one problem per key is enough.
    const fieldProblems = new Set(result.error.issues.filter((i) => i.code !== "custom").map((i) => joinKey(i.path.map(keyPart))));
    const issues = result.error.issues.filter((i) => i.code !== "custom" || !fieldProblems.has(joinKey(i.path.map(keyPart))));
    throw new ConfigError(issues.flatMap((issue) => describeIssue(schema, issue, raw, sources, lines, options.file)));
  }
  // Secrets named by `<key>_file` inside entries (alert.channels[0].routing_key_file) are read now, so
  // a missing file stops start-up naming its key, and the secret joins the logger's redaction list.
  for (const field of secretFileFields(schema, result.data)) {
    const where = describeSource(sourceOf(field.path, sources, lines, options.file));
    try {
      const secret = read(field.file).replace(/\r?\n$/, "");
      setAt(result.data as unknown as Record<string, unknown>, field.target.map(String), secret);
      // A token read from a file gets the checks an inline one got from the schema.
      const problem = field.path[0] === "server" && field.path[1] === "tokens" ? tokenProblem(secret) : undefined;
      if (problem) problems.push(`${joinKey(field.path)} (${where}): ${field.file}: ${problem}`);
    } catch (cause) {
      problems.push(`${joinKey(field.path)} (${where}): cannot read ${field.file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
    }
  }
  // The listener's certificate and key, read and paired now: a wrong file stops start-up (and a reload), not the first client.
  try {
    readTlsFiles(result.data, options.readFile);
  } catch (cause) {
    const key = /^server\.tls\.(\w+)/.exec((cause as Error).message)?.[1] ?? "cert_file";
    const where = describeSource(sourceOf(["server", "tls", key], sources, lines, options.file));
    problems.push((cause as Error).message.replace(/^(server\.tls(?:\.\w+)?)/, `$1 (${where})`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    config: result.data,
    sources,
    warnings,
    // Credentials inside any URL are secrets too, whichever key holds the URL.
    secrets: [...new Set([...secretValues(schema, result.data), ...urlCredentialSecrets(result.data)])],
    ...(options.file !== undefined ? { file: options.file } : {}),
  };
}

/** An environment string read as the setting's kind; left as text when it does not fit, so validation names it. */
function fromEnv(setting: Setting, value: string): unknown {
  const v = value.trim();
  switch (setting.info.kind) {
    case "number":
      return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? Number(v) : value;
    case "duration":
      return /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(v)) return true;
      if (/^(false|0|no|off)$/i.test(v)) return false;
      return value;
    case "list":
      return v === "" ? [] : v.split(",").map((s) => s.trim()).filter(Boolean);
    default:
      return value;
  }
}

function mergeFile(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  path: string[],
  file: string,
  lines: Map<string, number>,
  sources: Map<string, Source>,
): void {
  for (const [key, value] of Object.entries(source)) {
    // An empty key (`webhook_url:`) means "not set", as in most YAML-configured tools.
    if (value === null) continue;
    const here = [...path, key];
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      mergeFile(existing, value, here, file, lines, sources);
    } else if (isPlainObject(value)) {
      target[key] = {};
      mergeFile(target[key] as Record<string, unknown>, value, here, file, lines, sources);
    } else {
      target[key] = value;
      const line = lineOf(lines, here);
      sources.set(joinKey(here), { kind: "file", file, ...(line !== undefined ? { line } : {}) });
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) node[part] = {};
    else if (!isPlainObject(next) && !Array.isArray(next)) return; // the file put a non-mapping here; validation will say so
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function getAt(target: unknown, path: readonly PropertyKey[]): unknown {
  let node = target;
  for (const part of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** How a source reads in a message: `env AIOPS_INTERVAL`, `agent.yaml:4`, `default`. */
export function describeSource(source: Source | undefined): string {
  if (!source || source.kind === "default") return "default";
  if (source.kind === "mode") return `${source.mode} default`;
  if (source.kind === "file") return source.line !== undefined ? `${source.file}:${source.line}` : source.file;
  return source.file !== undefined ? `env ${source.name}=${source.file}` : `env ${source.name}`;
}

function sourceOf(path: readonly PropertyKey[], sources: Map<string, Source>, lines: Map<string, number>, file?: string): Source | undefined {
  const keyPath = path.map((p) => (typeof p === "number" ? p : String(p)));
  for (let n = keyPath.length; n > 0; n--) {
    const s = sources.get(joinKey(keyPath.slice(0, n)));
    if (s) {
      // A list of entries (alert.channels) is one value to the merge; its YAML lines still say which
      // entry, or which key inside it, is at fault.
      if (s.kind === "file" && n < keyPath.length && s.file === file) {
        const line = lineOf(lines, keyPath);
        if (line !== undefined) return { ...s, line };
      }
      return s;
    }
  }
  const line = lineOf(lines, keyPath);
  return file !== undefined && line !== undefined ? { kind: "file", file, line } : undefined;
}

function describeIssue(
  schema: z.ZodType,
  issue: z.core.$ZodIssue,
  raw: Record<string, unknown>,
  sources: Map<string, Source>,
  lines: Map<string, number>,
  file?: string,
): string[] {
  const path = issue.path;
  if (issue.code === "unrecognized_keys") {
    const allowed = Object.keys(objectShapeAt(schema, path, raw) ?? {});
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      const where = describeSource(sourceOf(keyPath, sources, lines, file));
      const hint = closest(key, allowed);
      return `${joinKey(keyPath.map(keyPart))} (${where}): unknown key${hint ? ` (did you mean ${hint}?)` : ""}; allowed here: ${allowed.join(", ")}`;
    });
  }
  const key = joinKey(path.map(keyPart));
  const where = describeSource(sourceOf(path, sources, lines, file));
  const value = getAt(raw, path);
  const got = value === undefined ? "" : `; got ${isSecretKey(schema, key) ? "[REDACTED]" : redactUrlCredentials(shortJson(value))}`;
  const message = issue.message.startsWith("Invalid input") ? `expected ${(issue as { expected?: string }).expected ?? "another value"}` : issue.message;
  return [`${key || "(top level)"} (${where}): ${message}${got}`];
}

/** A value as JSON for a message, cut to a readable length (a YAML file may hold megabytes in one key). */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
}

function keyPart(p: PropertyKey): string | number {
  return typeof p === "number" ? p : String(p);
}

/** The object schema at `path`; inside a discriminated union (channel types), the option the raw value names. */
function objectShapeAt(root: z.ZodType, path: readonly PropertyKey[], raw: unknown): Record<string, z.ZodType> | undefined {
  let schema: z.ZodType | undefined = root;
  for (let i = 0; i < path.length; i++) {
    if (!schema) return undefined;
    const part = path[i]!;
    schema = typeof part === "number" ? arrayElement(schema) : shapeFor(schema, getAt(raw, path.slice(0, i)))?.[String(part)];
  }
  return schema ? shapeFor(schema, getAt(raw, path)) : undefined;
}

/** The candidate nearest to `word` by edit distance, when it is near enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
