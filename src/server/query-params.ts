import { z } from "zod";
import { parseDuration } from "../config/duration.ts";
import { CursorError, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../store/page.ts";
import { HttpError } from "./http.ts";

/** Latest time the API takes (ms): the end of year 9999, the last one RFC 3339 can write. */
export const MAX_API_TIME = 253_402_300_799_999;

/**
 * Parses an API time: RFC 3339 (`2026-01-01T08:00:00Z`) or Unix seconds (`1767254400`, fractions
 * allowed), to ms; undefined when it is neither or falls outside 1970 to 9999 (a time beyond that
 * cannot be written back, and is a mistake: milliseconds where seconds were meant).
 */
export function parseApiTime(text: string): number | undefined {
  let ms: number;
  if (/^\d{1,20}(\.\d{1,9})?$/.test(text)) ms = Math.round(Number(text) * 1000);
  else if (/^\d{4}-\d{2}-\d{2}T/.test(text) && text.length <= 40) ms = Date.parse(text);
  else return undefined;
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_API_TIME ? ms : undefined;
}

/** A time query parameter, to ms since the epoch. */
export const timeParam = z
  .string()
  .transform((text, ctx) => {
    const ms = parseApiTime(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `expected an RFC 3339 time or Unix seconds from 1970 to 9999; got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`,
      });
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
