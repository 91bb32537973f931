/** gzip for the scrape: Prometheus asks for it (`Accept-Encoding: gzip`), and an exposition text shrinks about 4×. */

/** Below this a body goes as it is: gzip's header and trailer would eat what it saves. */
export const GZIP_MIN_BYTES = 1024;

/**
 * Whether an Accept-Encoding header takes gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`) with a
 * non-zero quality, or `*` when gzip is not named with q=0.
 */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  let wildcard = false;
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    const accepted = Number.isFinite(quality) && quality > 0;
    if (name === "gzip" || name === "x-gzip") return accepted;
    if (name === "*") wildcard = accepted;
  }
  return wildcard;
}

/**
 * The body and headers to send: gzip-compressed with `Content-Encoding: gzip` when the client takes
 * gzip and the body is worth it, else as it is. `Vary: Accept-Encoding` either way, so a cache between
 * never hands one client's encoding to another.
 */
export function encodeBody(text: string, acceptEncoding: string | null): { body: string | Uint8Array; headers: Record<string, string> } {
  const vary = { vary: "Accept-Encoding" };
  if (!acceptsGzip(acceptEncoding) || text.length < GZIP_MIN_BYTES) return { body: text, headers: vary };
  // Level 1: this host's 21 KB exposition becomes 5.5 KB in 0.25 ms, against 4.0 KB in 0.5 ms at the
  // default level 6; a scrape every second should not cost the agent more than its tick.
  return { body: Bun.gzipSync(Buffer.from(text), { level: 1 }), headers: { ...vary, "content-encoding": "gzip" } };
}
