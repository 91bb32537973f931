/** A label matcher as Alertmanager writes them: `name=value`, `name!=value`, `name=~regex`, `name!~regex`. */
export interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/**
 * Reads one matcher; on a mistake, returns the reason as text (for the config error or the API's 400).
 * A value may be quoted (`device="sd a"`); a regex is anchored at both ends, as in Alertmanager.
 */
export function parseMatcher(text: string): Matcher | string {
  const m = text.match(MATCHER);
  if (!m) return `expected name=value, name!=value, name=~regex or name!~regex; got ${JSON.stringify(text)}`;
  const op = m[2] as Matcher["op"];
  let value = m[3]!;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      value = JSON.parse(value) as string;
    } catch {
      return `expected a valid quoted value in ${JSON.stringify(text)}`;
    }
  }
  if (op === "=~" || op === "!~") {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (cause) {
      return `expected a regular expression in ${JSON.stringify(text)} (${(cause as Error).message})`;
    }
  }
  return { name: m[1]!, op, value };
}

/** A compiled matcher: regexes are built once, not per alert per tick. */
export type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

/** Compiles a matcher; a missing label reads as the empty string, as in Alertmanager. */
export function compileMatcher(m: Matcher): LabelTest {
  switch (m.op) {
    case "=":
      return (labels) => (labels[m.name] ?? "") === m.value;
    case "!=":
      return (labels) => (labels[m.name] ?? "") !== m.value;
    case "=~": {
      const re = new RegExp(`^(?:${m.value})$`);
      return (labels) => re.test(labels[m.name] ?? "");
    }
    case "!~": {
      const re = new RegExp(`^(?:${m.value})$`);
      return (labels) => !re.test(labels[m.name] ?? "");
    }
  }
}

/** The matcher as text, as `parseMatcher` reads it back. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${/^[\w.:/-]*$/.test(m.value) ? m.value : JSON.stringify(m.value)}`;
}
