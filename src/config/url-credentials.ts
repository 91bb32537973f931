/**
 * Credentials written into a URL (`http://user:pass@am-0:9093`) are secrets wherever the URL sits,
 * in a secret key or not: they are struck from `config --print`, the API and the log, and sent as
 * basic authentication rather than left in the URL.
 */

const WITH_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s@"'<>]*)@/gi;

/** The URL with its user and password replaced by [REDACTED]; other text unchanged. */
export function redactUrlCredentials(text: string): string {
  return text.replace(WITH_USERINFO, (_, scheme: string) => `${scheme}[REDACTED]@`);
}

/** The user and password of an http(s) URL, percent-decoded; undefined without any. */
export function credentialsOf(raw: string): { username: string; password: string } | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username === "" && url.password === "") return undefined;
  return { username: safeDecode(url.username), password: safeDecode(url.password) };
}

/**
 * Every secret text found as URL credentials in a value (a configuration, walked whole): the password,
 * the user (a token is often written as the user, `https://TOKEN@host`), and `user:password` as basic
 * authentication encodes it.
 */
export function urlCredentialSecrets(value: unknown): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      if (!v.includes("@")) return;
      const found = credentialsOf(v);
      if (!found) return;
      if (found.password) out.add(found.password);
      if (found.username && !found.password) out.add(found.username);
      if (found.username && found.password) out.add(`${found.username}:${found.password}`);
    } else if (Array.isArray(v)) for (const x of v) visit(x);
    else if (v !== null && typeof v === "object") for (const x of Object.values(v)) visit(x);
  };
  visit(value);
  return [...out];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
