import { redactSecrets } from "../log.ts";

/**
 * The texts that must never appear in a notifier's error: each secret, and for a secret URL its
 * path-and-query and its password too, because an error may quote a URL in pieces.
 */
export function secretTexts(secrets: ReadonlyArray<string | undefined>, secretUrls: ReadonlyArray<string | undefined> = []): string[] {
  const out = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  for (const raw of secretUrls) {
    if (!raw) continue;
    out.push(raw);
    try {
      const u = new URL(raw);
      if (u.pathname.length + u.search.length > 1) out.push(`${u.pathname}${u.search}`);
      if (u.password) out.push(decodeURIComponent(u.password));
      if (u.search.length > 1) out.push(u.search.slice(1));
    } catch {
      // not a URL: kept whole above
    }
  }
  // Longest first, so a URL is struck whole before its path is.
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** A function that strikes the given secrets from a text (the logger's own redaction rule). */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  return (text) => redactSecrets(text, secrets);
}
