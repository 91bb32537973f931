/**
 * Reads the whitespace-separated numbers of `text` between `from` and `to` (a line of /proc/net/dev,
 * /proc/diskstats...) into `out`, as `text.slice(from, to).trim().split(/\s+/).map(Number)` would,
 * without making a string or an array per field: a field of at most 15 digits (every counter but the
 * largest) is added up digit by digit, exactly; any other goes through `Number` as before (NaN for
 * text). Returns the number of fields; `out` keeps at most `max` of them (the rest are only counted).
 * A line with a character outside ASCII is split the plain way, so that every Unicode space separates.
 */
export function readNumberFields(text: string, from: number, to: number, out: number[], max: number): number {
  let count = 0;
  let i = from;
  // Spaces are tab, line feed, vertical tab, form feed, carriage return and space: what `\s` matches in
  // ASCII. (The space test is written out, not called: without the optimising JIT a call per character costs.)
  while (i < to) {
    let c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
      continue;
    }
    const start = i;
    let value = 0;
    let digits = true;
    for (; i < to; i++) {
      c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
      else if (c === 32 || (c >= 9 && c <= 13)) break;
      else if (c > 127) return splitFields(text, from, to, out, max);
      else digits = false;
    }
    if (count < max) out[count] = digits && i - start <= 15 ? value : Number(text.slice(start, i));
    count++;
  }
  return count;
}

/** What `\s` matches in ASCII: tab, line feed, vertical tab, form feed, carriage return and space. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function splitFields(text: string, from: number, to: number, out: number[], max: number): number {
  const trimmed = text.slice(from, to).trim();
  if (trimmed === "") return 0;
  const fields = trimmed.split(/\s+/);
  for (let k = 0; k < fields.length && k < max; k++) out[k] = Number(fields[k]);
  return fields.length;
}
