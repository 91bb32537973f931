import { expect, test } from "bun:test";
import { classifyHttp } from "../../src/alert/http-status.ts";
import { parseRetryAfter } from "../../src/alert/retry-after.ts";

const NOW = new Date("2026-01-10T08:00:00Z");
const answer = (status: number, body = "", headers: Record<string, string> = {}) => ({ status, body, headers });

test("2xx is delivered", () => {
  for (const s of [200, 201, 202, 204]) expect(classifyHttp(answer(s), NOW)).toEqual({ delivered: true, status: s });
});

test("5xx and 429 are retried, with Retry-After", () => {
  expect(classifyHttp(answer(500, "boom"), NOW)).toEqual({ delivered: false, retryable: true, status: 500, error: "HTTP 500: boom" });
  expect(classifyHttp(answer(503, "", { "retry-after": "30" }), NOW)).toEqual({
    delivered: false,
    retryable: true,
    status: 503,
    error: "HTTP 503",
    retryAfterMs: 30_000,
  });
  expect(classifyHttp(answer(429, "slow", { "retry-after": "Sat, 10 Jan 2026 08:00:42 GMT" }), NOW)).toMatchObject({ retryable: true, retryAfterMs: 42_000 });
});

test("everything else gives up with the reason (3xx included: redirects are not followed)", () => {
  for (const s of [301, 400, 401, 403, 404, 410, 413, 422]) {
    expect(classifyHttp(answer(s, "nope"), NOW)).toEqual({ delivered: false, retryable: false, status: s, error: `HTTP ${s}: nope` });
  }
});

test("a long body is cut after its secrets are struck, so no half of a secret survives the cut", () => {
  const secret = "SECRET-0123456789";
  const body = `${"x".repeat(290)}${secret}${"y".repeat(100)}`;
  const r = classifyHttp(answer(400, body), NOW, (t) => t.split(secret).join("[REDACTED]"));
  expect(r.delivered).toBe(false);
  if (!r.delivered) {
    expect(r.error).not.toContain("SECRET-");
    expect(r.error.endsWith("…")).toBe(true);
  }
});

test("Retry-After: seconds, HTTP-date, past date, garbage", () => {
  expect(parseRetryAfter("120", NOW)).toBe(120_000);
  expect(parseRetryAfter(" 0 ", NOW)).toBe(0);
  expect(parseRetryAfter("Sat, 10 Jan 2026 08:01:00 GMT", NOW)).toBe(60_000);
  expect(parseRetryAfter("Saturday, 10-Jan-26 08:01:00 GMT", NOW)).toBe(60_000);
  expect(parseRetryAfter("Sat Jan 10 08:01:00 2026", NOW)).toBeNumber();
  expect(parseRetryAfter("Fri, 09 Jan 2026 08:00:00 GMT", NOW)).toBe(0);
  expect(parseRetryAfter("-5", NOW)).toBeUndefined();
  expect(parseRetryAfter("1.5", NOW)).toBeUndefined();
  expect(parseRetryAfter("soon", NOW)).toBeUndefined();
  expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  expect(parseRetryAfter(null, NOW)).toBeUndefined();
});
