import type { MetricFamily } from "../../contracts/snapshot.ts";
import { ExpositionError } from "./prometheus-text.ts";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Parses JSON lines of `{"name": "queue_depth", "labels": {"queue": "mail"}, "value": 3}` (labels
 * optional; `help` and `type` gauge or counter optional) into metric families. Blank lines are skipped;
 * any other bad line, or the same series twice, rejects the whole output.
 */
export function parseJsonLines(text: string, options: { reservedPrefix?: string; reservedLabels?: readonly string[] } = {}): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  text.split("\n").forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === "") return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new ExpositionError(n, "not a JSON object");
    }
    if (row === null || typeof row !== "object" || Array.isArray(row)) throw new ExpositionError(n, "not a JSON object");
    const { name, labels = {}, value, help = "", type = "gauge" } = row as Record<string, unknown>;
    if (typeof name !== "string" || !METRIC_NAME.test(name)) throw new ExpositionError(n, `name: expected a metric name; got ${JSON.stringify(name)}`);
    if (options.reservedPrefix && name.startsWith(options.reservedPrefix)) throw new ExpositionError(n, `metric names starting with ${options.reservedPrefix} are the agent's own (${name})`);
    if (typeof value !== "number" || !Number.isFinite(value)) throw new ExpositionError(n, `value: expected a number; got ${JSON.stringify(value)}`);
    if (type !== "gauge" && type !== "counter") throw new ExpositionError(n, `type: expected gauge or counter; got ${JSON.stringify(type)}`);
    if (typeof help !== "string") throw new ExpositionError(n, "help: expected text");
    if (labels === null || typeof labels !== "object" || Array.isArray(labels)) throw new ExpositionError(n, "labels: expected an object of names to text");
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) {
      if (!LABEL_NAME.test(k) || k.startsWith("__")) throw new ExpositionError(n, `labels: invalid label name ${JSON.stringify(k)}`);
      if (options.reservedLabels?.includes(k)) throw new ExpositionError(n, `label ${k} is set by the agent`);
      if (typeof v !== "string") throw new ExpositionError(n, `labels.${k}: expected text`);
      clean[k] = v;
    }
    const key = `${name}${JSON.stringify(Object.entries(clean).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    if (seen.has(key)) throw new ExpositionError(n, `duplicate series ${name}${JSON.stringify(clean)}`);
    seen.add(key);
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help, type, samples: [] }));
    else if (f.type !== type) throw new ExpositionError(n, `${name} is a ${f.type} on an earlier line`);
    f.samples.push({ name, labels: clean, value });
  });
  return [...families.values()];
}
