import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { MetricFamily, TextfileSection } from "../../contracts/snapshot.ts";
import type { Collector } from "../collector.ts";
import { parsePrometheusText } from "./prometheus-text.ts";

/** Largest `*.prom` file read: a runaway script must not fill the agent's memory or every scrape. */
export const MAX_TEXTFILE_BYTES = 4 * 1024 * 1024;

export interface TextfileOptions {
  directory: string;
  /** Told when a file turns bad (with the reason) and when it is good again: once, not on every tick. */
  warn?: (message: string) => void;
  info?: (message: string) => void;
}

interface Parsed {
  mtimeMs: number;
  size: number;
  families: MetricFamily[];
}

/**
 * node_exporter's textfile collector: every `*.prom` file of a directory, in Prometheus text format,
 * read each tick (again only when its time or size changed), validated, and merged. A bad file (a bad
 * line, a duplicate series, too large, changed while it was read, not ending in a newline: still being
 * written) is left out with its reason in `files` (hence `aiops_textfile_scrape_error{file}`) and in the
 * log; it never hides the other files. Write files atomically: to a temporary name, then rename.
 */
export function createTextfileCollector(options: TextfileOptions): Collector {
  const cache = new Map<string, Parsed>();
  const problems = new Map<string, string>();

  function load(file: string): Parsed {
    const path = join(options.directory, file);
    const before = statSync(path);
    if (!before.isFile()) throw new Error("not a regular file");
    if (before.size > MAX_TEXTFILE_BYTES) throw new Error(`larger than ${MAX_TEXTFILE_BYTES / 1024 / 1024} MiB (${before.size} bytes)`);
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === before.mtimeMs && cached.size === before.size) return cached;
    const bytes = readFileSync(path);
    const after = statSync(path);
    if (after.mtimeMs !== before.mtimeMs || after.size !== before.size || bytes.length !== before.size) {
      throw new Error("changed while it was read (write to a temporary file, then rename it into place)");
    }
    const text = bytes.toString("utf8");
    if (text.length > 0 && !text.endsWith("\n")) throw new Error("the last line does not end with a newline (still being written?)");
    const parsed = { mtimeMs: before.mtimeMs, size: before.size, families: parsePrometheusText(text, { reservedPrefix: "aiops_" }) };
    cache.set(file, parsed);
    return parsed;
  }

  return {
    name: "textfile",
    collect() {
      let names: string[];
      try {
        names = readdirSync(options.directory).filter((f) => f.endsWith(".prom")).sort();
      } catch (cause) {
        throw new Error(`read the textfile directory ${options.directory}`, { cause });
      }
      const section: TextfileSection = { files: [], families: [] };
      const byName = new Map<string, MetricFamily>();
      const owner = new Map<string, string>();
      for (const file of names) {
        let mtime = 0;
        let error: string | null = null;
        try {
          const parsed = load(file);
          mtime = parsed.mtimeMs / 1000;
          error = mergeInto(byName, owner, parsed.families, file);
        } catch (cause) {
          cache.delete(file);
          error = (cause as Error).message;
          try {
            mtime = statSync(join(options.directory, file)).mtimeMs / 1000;
          } catch {
            // removed meanwhile: its time is unknown
          }
        }
        section.files.push({ file, mtime_seconds: Math.floor(mtime), error });
        if (error !== null && problems.get(file) !== error) options.warn?.(`textfile ${file} left out: ${error}`);
        if (error === null && problems.has(file)) options.info?.(`textfile ${file} is read again`);
        if (error === null) problems.delete(file);
        else problems.set(file, error);
      }
      for (const file of [...cache.keys()]) if (!names.includes(file)) cache.delete(file);
      for (const file of [...problems.keys()]) if (!names.includes(file)) problems.delete(file);
      section.families = [...byName.values()];
      return { textfile: section };
    },
  };
}

/**
 * Adds one file's families to those of the files before it; returns why it cannot be added (a series
 * another file already gives, or a family another file gives with another type), adding nothing then.
 */
function mergeInto(byName: Map<string, MetricFamily>, owner: Map<string, string>, families: MetricFamily[], file: string): string | null {
  for (const f of families) {
    const other = byName.get(f.name);
    if (other && other.type !== f.type) return `${f.name} is a ${f.type} here but a ${other.type} in ${owner.get(f.name)}`;
    if (!other) continue;
    const keys = new Set(other.samples.map((s) => sampleKey(s)));
    const dup = f.samples.find((s) => keys.has(sampleKey(s)));
    if (dup) return `duplicate series ${dup.name}${JSON.stringify(dup.labels)}: also in ${owner.get(f.name)}`;
  }
  for (const f of families) {
    const other = byName.get(f.name);
    if (other) {
      byName.set(f.name, { ...other, help: other.help || f.help, samples: [...other.samples, ...f.samples] });
    } else {
      byName.set(f.name, f);
      owner.set(f.name, file);
    }
  }
  return null;
}

function sampleKey(s: MetricFamily["samples"][number]): string {
  return `${s.name}${JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}
