import { formatDuration } from "./duration.ts";
import { SETTINGS } from "./load.ts";
import { configSchema } from "./schema.ts";

function getAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

/** The README's settings table, generated from the schema: key, environment variable, default, meaning. */
export function settingsTable(): string {
  const defaults = configSchema.parse({});
  const rows = SETTINGS.map((s) => {
    const value = getAt(defaults, s.path);
    let shown: string;
    if (s.info.defaultText) shown = s.info.defaultText;
    else if (value === undefined) shown = "—";
    else if (s.info.kind === "duration") shown = formatDuration(value as number);
    else if (Array.isArray(value)) shown = value.length > 4 ? `${value.slice(0, 4).join(", ")}, … (${value.length})` : value.join(", ") || "(none)";
    else shown = String(value);
    const env = s.env ? `\`${s.env}\`${s.info.secret ? ` (or \`${s.env}_FILE\`)` : ""}` : "—";
    const doc = s.info.doc + (s.info.secret ? " Secret: never logged, redacted when printed." : "");
    return `| \`${s.key}\` | ${env} | \`${shown.replace(/\|/g, "\\|")}\` | ${doc.replace(/\|/g, "\\|")} |`;
  });
  return ["| key | environment | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
