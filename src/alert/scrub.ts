import { credentialsOf } from "../config/url-credentials.ts";
import { redactSecrets } from "../log.ts";

/**
 * The texts that must never appear in a notifier's error: each secret, and for a secret URL its
 * path-and-query, its credentials and its password too, because an error may quote a URL in pieces.
 * Each comes in every form a receiver may echo it in (see `secretForms`).
 */
export function secretTexts(secrets: ReadonlyArray<string | undefined>, secretUrls: ReadonlyArray<string | undefined> = []): string[] {
  const out = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  for (const raw of secretUrls) {
    if (!raw) continue;
    out.push(raw);
    try {
      const u = new URL(raw);
      if (u.pathname.length + u.search.length > 1) out.push(`${u.pathname}${u.search}`);
      if (u.search.length > 1) out.push(u.search.slice(1));
    } catch {
      // not a URL: kept whole above
    }
    const credentials = credentialsOf(raw);
    if (credentials?.password) out.push(credentials.password, `${credentials.username}:${credentials.password}`);
    else if (credentials?.username) out.push(credentials.username);
  }
  // Longest first, so a URL is struck whole before its path is.
  return [...new Set(out.flatMap(secretForms))].sort((a, b) => b.length - a.length);
}

/**
 * A secret as a receiver may echo it back: bare, percent-encoded (in a URL or a form, upper- or
 * lower-case escapes), base64 (an echoed Basic header carries `base64(user:password)`), and for an
 * `Authorization` value (`Bearer X`, `Basic Y`) its credential alone, with a Basic one decoded.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (s: string) => {
    if (s.length === 0) return;
    forms.add(s);
    const encoded = encodeURIComponent(s);
    forms.add(encoded);
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
    forms.add(encoded.replace(/%20/g, "+"));
    forms.add(encodeURI(s));
    const b64 = Buffer.from(s, "utf8").toString("base64");
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ""));
    forms.add(b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  };
  add(secret);
  const scheme = secret.match(/^(\w+)\s+(\S+)$/);
  if (scheme) {
    add(scheme[2]!);
    if (scheme[1]!.toLowerCase() === "basic") {
      const decoded = Buffer.from(scheme[2]!, "base64").toString("utf8");
      if (/^[^\0-\x1f]*:[^\0-\x1f]*$/.test(decoded)) {
        add(decoded);
        add(decoded.slice(decoded.indexOf(":") + 1));
      }
    }
  }
  return [...forms];
}

/** Shortest text struck from what receivers echo: shorter ones would strike ordinary words. */
const MIN_SCRUBBED = 4;

/** A function that strikes the given secrets from a text (the logger's own redaction rule, down to 4 characters). */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  return (text) => redactSecrets(text, secrets, MIN_SCRUBBED);
}
