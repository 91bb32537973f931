/**
 * Reads an HTTP `Retry-After` value, either delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`), as milliseconds from `now`. A date in the past reads as 0;
 * anything else (absent, negative, unreadable) as undefined, leaving the outbox's own backoff.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // RFC 9110 allows only IMF-fixdate and two obsolete forms; Date.parse reads all three. A bare
  // number with a sign or a fraction is not valid delay-seconds, so it must not pass as a date.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
