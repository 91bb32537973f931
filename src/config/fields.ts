import { z } from "zod";
import { parseDuration } from "./duration.ts";

/** How a setting is written in the environment, and so how an env value is read. */
export type FieldKind = "string" | "number" | "boolean" | "duration" | "list" | "enum" | "objects";

/** What the schema knows about one setting beyond its type: shown by `config --print` and in the README. */
export interface FieldInfo {
  /** One line: what the setting does. */
  doc: string;
  /** What values are allowed, in words, for error messages. */
  allowed: string;
  kind: FieldKind;
  /** Environment variable; derived from the key (`AIOPS_` + path) when absent; `false` for none. */
  env?: string | false;
  /** Never logged, redacted in `config --print`; may also come from `<ENV>_FILE`. */
  secret?: boolean;
  /** How to show the default when it is computed (e.g. "hostname"). */
  defaultText?: string;
  /**
   * For a `<key>_file` field: the sibling secret key whose value is read from the file at load time
   * (a mounted Kubernetes Secret), as `AIOPS_<ENV>_FILE` does for top-level secrets.
   */
  fileOf?: string;
}

/** Meta key under which FieldInfo is attached to a zod schema. */
export const FIELD = "aiopsField";

export function fieldInfo(schema: z.ZodType): FieldInfo | undefined {
  return (schema.meta() as Record<string, unknown> | undefined)?.[FIELD] as FieldInfo | undefined;
}

type Common = { doc: string; env?: string | false; secret?: boolean; defaultText?: string };

/** True for an http: or https: URL. */
export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

function tag<T extends z.ZodType>(schema: T, info: FieldInfo): T {
  return schema.meta({ [FIELD]: info }) as T;
}

/** A group of settings: unknown keys are rejected; omitted, it takes every default. */
export function section<Shape extends z.ZodRawShape>(shape: Shape) {
  // Every field inside has a default or is optional, so an empty object is a valid input.
  return z.strictObject(shape).prefault({} as never);
}

/** Free text, optionally matching a pattern, or passing `check` (which returns why a value is wrong). */
export function text(opts: Common & { default: string | (() => string); pattern?: RegExp; allowed?: string; check?: (value: string) => string | undefined }) {
  let base = z.string({ error: "expected text" });
  if (opts.pattern) base = base.regex(opts.pattern, { error: `expected ${opts.allowed ?? opts.pattern.source}` });
  const check = opts.check;
  if (check) base = base.superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
  const schema = typeof opts.default === "string" ? base.default(opts.default) : base.default(opts.default);
  return tag(schema, { ...opts, kind: "string", allowed: opts.allowed ?? "text" });
}

/** Optional text with no default. */
export function optionalText(opts: Common & { allowed?: string }) {
  return tag(z.string({ error: "expected text" }).min(1, { error: "expected non-empty text" }).optional(), {
    ...opts,
    kind: "string",
    allowed: opts.allowed ?? "text",
  });
}

/** An http(s) URL, usually a secret (it often embeds a token). */
export function url(opts: Common) {
  const schema = z
    .string({ error: "expected a URL" })
    .refine(isHttpUrl, { error: "expected an http:// or https:// URL" })
    .optional();
  return tag(schema, { ...opts, kind: "string", allowed: "an http:// or https:// URL" });
}

/** An http(s) URL that turns a feature on; absent or empty (`AIOPS_X_URL=`) leaves it off. */
export function optionalUrl(opts: Common) {
  const schema = z
    .string({ error: "expected a URL" })
    .refine((v) => v === "" || isHttpUrl(v), { error: "expected an http:// or https:// URL, or nothing (off)" })
    .optional()
    .transform((v) => (v === "" ? undefined : v));
  return tag(schema, { ...opts, kind: "string", allowed: "an http:// or https:// URL, or nothing (off)" });
}

/** A number within bounds. */
export function number(opts: Common & { default: number; min: number; max: number; integer?: boolean; unit?: string }) {
  const unit = opts.unit ? ` ${opts.unit}` : "";
  const allowed = `${opts.integer ? "a whole number" : "a number"} from ${opts.min} to ${opts.max}${unit}`;
  let base = z.number({ error: `expected ${allowed}` }).min(opts.min, { error: `expected ${allowed}` });
  base = base.max(opts.max, { error: `expected ${allowed}` });
  if (opts.integer) base = base.int({ error: `expected ${allowed}` });
  return tag(base.default(opts.default), { ...opts, kind: "number", allowed });
}

/** A percentage, 0 to 100. */
export function percent(opts: Common & { default: number }) {
  return number({ ...opts, min: 0, max: 100, unit: "(percent)" });
}

export function boolean(opts: Common & { default: boolean }) {
  return tag(z.boolean({ error: "expected true or false" }).default(opts.default), {
    ...opts,
    kind: "boolean",
    allowed: "true or false",
  });
}

/** A zod schema for a time span in seconds within bounds, given as a number or a duration string. */
function secondsSchema(opts: { min: number; max: number }) {
  const allowed = `seconds from ${opts.min} to ${opts.max}, as a number or a duration such as 30s, 5m, 1h, 7d`;
  const schema = z
    .union([z.number(), z.string()], { error: `expected ${allowed}` })
    .transform((value, ctx) => {
      const s = typeof value === "number" ? value : parseDuration(value);
      if (s === undefined || !Number.isFinite(s) || s < opts.min || s > opts.max) {
        ctx.addIssue({ code: "custom", message: `expected ${allowed}` });
        return z.NEVER;
      }
      return s;
    });
  return { schema, allowed };
}

/** A time span in seconds: a number, or a duration such as `500ms`, `30s`, `5m`, `1h`, `7d`. */
export function seconds(opts: Common & { default: number; min: number; max: number }) {
  const { schema, allowed } = secondsSchema(opts);
  return tag(schema.default(opts.default), { ...opts, kind: "duration", allowed });
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, opts: Common & { default: T[number] }) {
  const allowed = `one of ${values.join(", ")}`;
  return tag(z.enum(values, { error: `expected ${allowed}` }).default(opts.default as never), {
    ...opts,
    kind: "enum",
    allowed,
  });
}

/** A list of words (comma-separated in the environment). */
export function list(opts: Common & { default: string[]; allowed?: string }) {
  // A value that is not a list says what the list holds, when the key says it.
  return tag(z.array(z.string({ error: "expected text" }), { error: `expected ${opts.allowed ?? "a list"}` }).default(opts.default), {
    ...opts,
    kind: "list",
    allowed: opts.allowed ?? "a list of text (comma-separated in the environment)",
  });
}

/** A list of structured entries (YAML only). */
export function objects<T extends z.ZodType>(element: T, opts: Common & { allowed: string }) {
  return tag(z.array(element, { error: `expected ${opts.allowed}` }).default([]), { ...opts, env: false, kind: "objects" });
}

/** Text that must be present (a name, an address): a missing value reads `required`. */
export function requiredText(opts: Common & { pattern?: RegExp; allowed?: string }) {
  let base = z.string({ error: (issue) => (issue.input === undefined ? "required" : "expected text") }).min(1, { error: "required" });
  if (opts.pattern) base = base.regex(opts.pattern, { error: `expected ${opts.allowed ?? opts.pattern.source}` });
  return tag(base, { ...opts, env: opts.env ?? false, kind: "string", allowed: opts.allowed ?? "text" });
}

/**
 * The path of a file holding the secret `of` (its sibling key). The loader reads it once, at load
 * time, so a missing file stops start-up with the key's name rather than failing the first delivery.
 */
export function secretFile(opts: { doc: string; of: string }) {
  return tag(z.string({ error: "expected a file path" }).min(1, { error: "expected a file path" }).optional(), {
    doc: opts.doc,
    env: false,
    kind: "string",
    allowed: "a file path",
    fileOf: opts.of,
  });
}

/** A non-empty list of http(s) URLs. */
export function urlList(opts: Common) {
  const item = z.string({ error: "expected a URL" }).refine(isHttpUrl, { error: "expected an http:// or https:// URL" });
  return tag(z.array(item, { error: "expected a list of URLs" }).default([]), {
    ...opts,
    env: opts.env ?? false,
    kind: "list",
    allowed: "a list of http:// or https:// URLs",
  });
}

/** A mapping of names to text (HTTP headers); when `secret`, every value is redacted. */
export function textMap(opts: Common) {
  return tag(z.record(z.string(), z.string({ error: "expected text" }), { error: "expected a mapping of names to text" }).default({}), {
    ...opts,
    env: opts.env ?? false,
    kind: "objects",
    allowed: "a mapping of names to text",
  });
}

/** An optional time span in seconds (a number or a duration such as 30s, 5m, 1h) with no default. */
export function optionalSeconds(opts: Common & { min: number; max: number }) {
  const { schema, allowed } = secondsSchema(opts);
  return tag(schema.optional(), { ...opts, env: opts.env ?? false, kind: "duration", allowed });
}

/** A point in time, written as ISO 8601 with a zone (`2026-01-10T22:00:00Z`); read as epoch milliseconds. */
export function instant(opts: Common) {
  const allowed = "an ISO 8601 time with a zone, such as 2026-01-10T22:00:00Z";
  const schema = z
    .union([z.string(), z.date()], { error: `expected ${allowed}` })
    .transform((value, ctx) => {
      // YAML may already have turned an unquoted timestamp into a Date.
      const ms = value instanceof Date ? value.getTime() : /(Z|[+-]\d\d:?\d\d)$/i.test(value.trim()) ? Date.parse(value) : Number.NaN;
      if (!Number.isFinite(ms)) {
        ctx.addIssue({ code: "custom", message: `expected ${allowed}` });
        return z.NEVER;
      }
      return ms;
    });
  return tag(schema, { ...opts, env: opts.env ?? false, kind: "string", allowed });
}
