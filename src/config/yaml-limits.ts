/**
 * Limits on the shape of a YAML configuration, checked before and right after parsing, so a file that
 * is absurd (5,000 levels deep, or a few lines of aliases that expand to millions of values) is refused
 * with one clear line instead of blocking the agent or printing megabytes of errors. A real
 * configuration is under 10 levels deep and a few hundred values.
 */

/** Deepest nesting accepted (mappings, lists, flow brackets together). */
export const MAX_YAML_DEPTH = 64;
/** Most values a configuration may hold once aliases are expanded. */
export const MAX_YAML_VALUES = 100_000;

/**
 * How deep the document nests, estimated from its text without parsing it: block indentation
 * levels, `- ` items opened on one line, and flow brackets. Stops counting past `limit`.
 */
export function yamlDepth(text: string, limit = MAX_YAML_DEPTH): number {
  const indents: number[] = [];
  let deepest = 0;
  let flow = 0;
  let blockScalar = -1;
  for (const row of text.split(/\r?\n/)) {
    const trimmed = row.trimStart();
    const indent = row.length - trimmed.length;
    if (blockScalar >= 0) {
      if (trimmed === "" || indent > blockScalar) continue;
      blockScalar = -1;
    }
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    let dashes = 0;
    while (/^-(\s|$)/.test(trimmed.slice(dashes * 2))) dashes++;
    const open = flowDelta(trimmed);
    deepest = Math.max(deepest, indents.length + dashes + flow + Math.max(0, open.peak));
    flow = Math.max(0, flow + open.delta);
    if (deepest > limit) return deepest;
    if (/:\s*[|>][-+]?\d*\s*(#.*)?$/.test(trimmed)) blockScalar = indent;
  }
  return deepest;
}

/** Brackets opened and closed on one line, outside quotes and comments: the net change and the peak. */
function flowDelta(line: string): { delta: number; peak: number } {
  let depth = 0;
  let peak = 0;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) break;
    else if (c === "[" || c === "{") peak = Math.max(peak, ++depth);
    else if (c === "]" || c === "}") depth--;
  }
  return { delta: depth, peak };
}

/**
 * Values in a parsed document, each alias counted every time it is used (that is how many the
 * validation and the merge would walk). Stops counting past `limit`.
 */
export function expandedValues(value: unknown, limit = MAX_YAML_VALUES): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const v = stack.pop();
    count++;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === "object" && !(v instanceof Date)) for (const x of Object.values(v)) stack.push(x);
  }
  return count;
}
