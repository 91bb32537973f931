/**
 * Line numbers of the keys of a block-style YAML document: `agent.interval` → 3,
 * `alert.channels[1].url` → 12. Bun's YAML parser gives values only; this lets every configuration
 * error name the line to fix. Flow-style values (`[a, b]`, `{a: 1}`) get their key's line.
 */
export function yamlKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const stack: Array<{ indent: number; path: string[] }> = [];
  const itemCounts = new Map<string, number>();
  const rows = text.split(/\r?\n/);
  let blockScalarIndent = -1;

  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const trimmed = row.trim();
    let indent = row.length - row.trimStart().length;
    if (blockScalarIndent >= 0) {
      if (trimmed === "" || indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (trimmed === "" || trimmed.startsWith("#") || trimmed === "---" || trimmed === "...") continue;

    let rest = trimmed;
    while (rest === "-" || rest.startsWith("- ")) {
      while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
      const parent = stack[stack.length - 1]?.path ?? [];
      const parentKey = joinKey(parent);
      const index = itemCounts.get(parentKey) ?? 0;
      itemCounts.set(parentKey, index + 1);
      const path = [...parent, `[${index}]`];
      lines.set(joinKey(path), i + 1);
      stack.push({ indent, path });
      const after = rest.slice(1);
      const pad = after.length - after.trimStart().length;
      indent += 1 + pad;
      rest = after.trimStart();
    }

    const match = rest.match(/^(?:"([^"]+)"|'([^']+)'|([^\s:#][^:#]*?))\s*:(?:\s|$)/);
    if (!match) continue;
    const key = match[1] ?? match[2] ?? match[3]!;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const path = [...(stack[stack.length - 1]?.path ?? []), key];
    const joined = joinKey(path);
    lines.set(joined, i + 1);
    itemCounts.delete(joined);
    stack.push({ indent, path });
    if (/:\s*[|>][-+]?\d*\s*(#.*)?$/.test(rest)) blockScalarIndent = indent;
  }
  return lines;
}

/** `["alert", "channels", "[1]", "url"]` → `alert.channels[1].url`. */
export function joinKey(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    const s = typeof part === "number" ? `[${part}]` : part;
    out += s.startsWith("[") || out === "" ? s : `.${s}`;
  }
  return out;
}

/** The line of a key, or of its nearest ancestor that has one. */
export function lineOf(lines: Map<string, number>, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(joinKey(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}

/**
 * The line where a YAML document stops parsing: the line after the longest prefix that still parses.
 * Bun's YAML errors carry no position, and a configuration error must name its line.
 */
export function yamlErrorLine(text: string): number {
  const rows = text.split(/\r?\n/);
  // A long file is searched by halves: parsing every prefix of it would take quadratic time.
  if (rows.length > 1000) return bisectErrorLine(rows);
  for (let k = rows.length - 1; k >= 0; k--) {
    try {
      Bun.YAML.parse(rows.slice(0, k).join("\n"));
      return k + 1;
    } catch {
      // keep shortening
    }
  }
  return 1;
}

function parses(rows: readonly string[], k: number): boolean {
  try {
    Bun.YAML.parse(rows.slice(0, k).join("\n"));
    return true;
  } catch {
    return false;
  }
}

/** The first line past the longest prefix that parses, found by bisection (prefixes that parse come first). */
function bisectErrorLine(rows: readonly string[]): number {
  let good = 0;
  let bad = rows.length;
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (parses(rows, mid)) good = mid;
    else bad = mid;
  }
  return good + 1;
}
