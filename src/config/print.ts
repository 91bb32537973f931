import { type LoadedConfig, type Source, describeSource } from "./load.ts";
import { configSchema } from "./schema.ts";
import { isSecretKey } from "./settings.ts";
import { redactUrlCredentials } from "./url-credentials.ts";
import { joinKey } from "./yaml-lines.ts";

/** One effective value: its key, the value (secrets as "[REDACTED]") and where it came from. */
export interface EffectiveSetting {
  key: string;
  value: unknown;
  source: string;
}

/** Every effective value, lists of entries flattened to `alert.channels[0].url`, secrets redacted. */
export function effectiveSettings(loaded: LoadedConfig): EffectiveSetting[] {
  const rows: EffectiveSetting[] = [];
  const schema = configSchema();
  const visit = (value: unknown, path: Array<string | number>): void => {
    const key = joinKey(path);
    const isListOfScalars = Array.isArray(value) && value.every((v) => v === null || typeof v !== "object");
    if (value !== null && typeof value === "object" && !isListOfScalars) {
      for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) visit(v, [...path, k]);
      return;
    }
    const secret = isSecretKey(schema, key) && value !== undefined;
    rows.push({ key, value: secret ? "[REDACTED]" : withoutUrlCredentials(value), source: describeSource(sourceOf(loaded.sources, path)) });
  };
  visit(loaded.config, []);
  return rows;
}

/** A value with the credentials of any URL in it struck out (`http://[REDACTED]@am-0:9093`). */
function withoutUrlCredentials(value: unknown): unknown {
  if (typeof value === "string") return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? redactUrlCredentials(v) : v));
  return value;
}

/** One line per effective value, `key = value  # source`: what `config --print` shows. */
export function formatEffectiveConfig(loaded: LoadedConfig): string {
  const rows = effectiveSettings(loaded).map((s) => [`${s.key} = ${JSON.stringify(s.value)}`, s.source] as const);
  const width = Math.min(60, Math.max(...rows.map(([a]) => a.length)));
  const header = `# effective configuration${loaded.file ? ` (file ${loaded.file})` : ""}: key = value  # where it came from`;
  return [header, ...rows.map(([a, s]) => `${a.padEnd(width)}  # ${s}`)].join("\n");
}

function sourceOf(sources: Map<string, Source>, path: ReadonlyArray<string | number>): Source | undefined {
  for (let n = path.length; n > 0; n--) {
    const s = sources.get(joinKey(path.slice(0, n)));
    if (s) return s;
  }
  return undefined;
}
