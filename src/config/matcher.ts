import { RE2JS } from "re2js";

/** A label matcher as Alertmanager writes them: `name=value`, `name!=value`, `name=~regex`, `name!~regex`. */
export interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

/**
 * Longest matcher accepted, in characters. Matchers come from clients of the API: with a linear-time
 * engine a match costs at most (pattern × value), so the pattern's length is what bounds it.
 */
export const MAX_MATCHER_LENGTH = 1024;

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/**
 * Reads one matcher; on a mistake, returns the reason as text (for the config error or the API's 400).
 * A value may be quoted (`device="sd a"`); a regex is anchored at both ends and written in RE2 syntax,
 * as in Alertmanager (no backreferences or look-arounds: matching time stays linear).
 */
export function parseMatcher(text: string): Matcher | string {
  if (text.length > MAX_MATCHER_LENGTH) return `expected a matcher of at most ${MAX_MATCHER_LENGTH} characters; got ${text.length}`;
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
    const problem = regexProblem(value);
    if (problem) return `expected a regular expression (RE2 syntax) in ${JSON.stringify(text)} (${problem})`;
  }
  return { name: m[1]!, op, value };
}

/** Why `pattern` is not a valid RE2 expression, or undefined when it is. */
export function regexProblem(pattern: string): string | undefined {
  try {
    anchored(pattern);
    return undefined;
  } catch (cause) {
    // RE2 quotes the expression it compiled (anchored): the caller quotes the matcher already.
    return (cause as Error).message.replace(/^error parsing regexp: /, "").replace(/: `[^]*`$/, "");
  }
}

/** A compiled matcher: regexes are built once, not per alert per tick. */
export type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

/** Label values whose answer a regex matcher remembers: an alert's labels rarely change between ticks. */
const REMEMBERED = 512;

/** Compiles a matcher; a missing label reads as the empty string, as in Alertmanager. */
export function compileMatcher(m: Matcher): LabelTest {
  switch (m.op) {
    case "=":
      return (labels) => (labels[m.name] ?? "") === m.value;
    case "!=":
      return (labels) => (labels[m.name] ?? "") !== m.value;
    case "=~": {
      const test = rememberedTest(anchored(m.value));
      return (labels) => test(labels[m.name] ?? "");
    }
    case "!~": {
      const test = rememberedTest(anchored(m.value));
      return (labels) => !test(labels[m.name] ?? "");
    }
  }
}

/** The pattern as RE2 compiles it, anchored at both ends: matching time is linear in the value's length. */
function anchored(pattern: string): RE2JS {
  return RE2JS.compile(`^(?:${pattern})$`);
}

/** A test that remembers its answer for the last few hundred values it saw. */
function rememberedTest(re: RE2JS): (value: string) => boolean {
  const seen = new Map<string, boolean>();
  return (value) => {
    const known = seen.get(value);
    if (known !== undefined) return known;
    const answer = re.matches(value);
    if (seen.size >= REMEMBERED) seen.clear();
    seen.set(value, answer);
    return answer;
  };
}

/** The matcher as text, as `parseMatcher` reads it back. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${/^[\w.:/-]*$/.test(m.value) ? m.value : JSON.stringify(m.value)}`;
}
