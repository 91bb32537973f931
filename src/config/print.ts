import { type LoadedConfig, type Source, describeSource } from "./load.ts";
import { configSchema } from "./schema.ts";
import { isSecretKey } from "./settings.ts";
import { joinKey } from "./yaml-lines.ts";

/** One line per effective value, `key = value  # source`, with secrets shown as [REDACTED]. */
export function formatEffectiveConfig(loaded: LoadedConfig): string {
  const rows: Array<[string, string, string]> = [];
  const visit = (value: unknown, path: Array<string | number>): void => {
    const key = joinKey(path);
    if (value !== null && typeof value === "object" && !(Array.isArray(value) && value.every((v) => typeof v !== "object"))) {
      for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) visit(v, [...path, k]);
      return;
    }
    const shown = isSecretKey(configSchema, key) && value !== undefined ? '"[REDACTED]"' : JSON.stringify(value);
    rows.push([key, shown, describeSource(sourceOf(loaded.sources, path))]);
  };
  visit(loaded.config, []);
  const width = Math.min(60, Math.max(...rows.map(([k, v]) => k.length + v.length + 3)));
  const header = `# effective configuration${loaded.file ? ` (file ${loaded.file})` : ""}: key = value  # where it came from`;
  return [header, ...rows.map(([k, v, s]) => `${`${k} = ${v}`.padEnd(width)}  # ${s}`)].join("\n");
}

function sourceOf(sources: Map<string, Source>, path: ReadonlyArray<string | number>): Source | undefined {
  for (let n = path.length; n > 0; n--) {
    const s = sources.get(joinKey(path.slice(0, n)));
    if (s) return s;
  }
  return undefined;
}
