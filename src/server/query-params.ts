import { z } from "zod";
import { parseDuration } from "../config/duration.ts";
import { CursorError, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../store/page.ts";
import { HttpError } from "./http.ts";

/** Parses an API time: RFC 3339 (`2026-01-01T08:00:00Z`) or Unix seconds (`1767254400`, fractions allowed), to ms. */
export function parseApiTime(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A time query parameter, to ms since the epoch. */
export const timeParam = z
  .string()
  .transform((text, ctx) => {
    const ms = parseApiTime(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `expected an RFC 3339 time or Unix seconds; got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: "RFC 3339 time or Unix seconds" });

/** A duration query parameter (`30s`, `5m`, or seconds), to ms. */
export const durationParam = z
  .string()
  .transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === undefined || seconds <= 0) {
      ctx.addIssue({ code: "custom", message: `expected a duration such as 10s, 5m, 1h or a number of seconds; got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return seconds * 1000;
  })
  .meta({ description: "duration: 10s, 5m, 1h or seconds" });

/** `limit` of a paginated listing. */
export const limitParam = z
  .string()
  .regex(/^\d+$/, { error: `expected a whole number from 1 to ${MAX_PAGE_LIMIT}` })
  .transform(Number)
  .pipe(z.number().min(1, { error: `expected a whole number from 1 to ${MAX_PAGE_LIMIT}` }).max(MAX_PAGE_LIMIT, { error: `expected a whole number from 1 to ${MAX_PAGE_LIMIT}` }))
  .meta({ description: `items per page, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})` });

/** `cursor` of a paginated listing: the previous page's `next_cursor`. */
export const cursorParam = z.string().min(1).max(200).meta({ description: "the next_cursor of the previous page" });

/** One text value (a repeated parameter is refused rather than silently merged). */
export const textParam = z.string({ error: "expected one value" }).min(1).max(200);

/** `severity` of a finding or an alert. */
export const severityParam = z.enum(["warning", "critical"], { error: "expected warning or critical" });

/**
 * Runs a store query, turning the store's refusals of what the caller sent (a cursor it never gave, an
 * impossible range) into 400s that say what to pass instead.
 */
export function asBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof CursorError) throw new HttpError(400, "invalid_parameter", `cursor: ${cause.message}; pass the next_cursor of the previous page`);
    if (cause instanceof RangeError) throw new HttpError(400, "invalid_parameter", cause.message);
    throw cause;
  }
}
