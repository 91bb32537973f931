import type { z } from "zod";
import { type FieldInfo, fieldInfo } from "./fields.ts";

/** One setting of the schema, found by walking it: its key path, environment name and FieldInfo. */
export interface Setting {
  /** Dotted key, e.g. `agent.interval`. */
  key: string;
  path: readonly string[];
  info: FieldInfo;
  /** Environment variable, if the setting has one. */
  env?: string;
  schema: z.ZodType;
}

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
};

function def(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

/** Strips default, prefault, optional and pipe wrappers down to the schema that holds the shape. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const d = def(s);
    if ((d.type === "default" || d.type === "prefault" || d.type === "optional" || d.type === "nullable") && d.innerType) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else return s;
  }
}

/** The fields of an object schema, or undefined when it is not one. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const d = def(unwrap(schema));
  return d.type === "object" ? d.shape : undefined;
}

/** The element schema of an array schema, or undefined. */
export function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  const d = def(unwrap(schema));
  return d.type === "array" ? d.element : undefined;
}

/** The options of a union schema (the channel types of `alert.channels`), or undefined. */
export function unionOptions(schema: z.ZodType): z.ZodType[] | undefined {
  const d = def(unwrap(schema));
  return d.type === "union" ? d.options : undefined;
}

/**
 * The object schema that applies to `value`: the schema itself for an object, or for a discriminated
 * union the option whose discriminator (`type`) matches the value's.
 */
export function shapeFor(schema: z.ZodType, value: unknown): Record<string, z.ZodType> | undefined {
  const own = objectShape(schema);
  if (own) return own;
  const d = def(unwrap(schema));
  if (d.type !== "union" || !d.options || !d.discriminator || typeof value !== "object" || value === null) return undefined;
  const tag = (value as Record<string, unknown>)[d.discriminator];
  for (const option of d.options) {
    const shape = objectShape(option);
    const literal = shape?.[d.discriminator];
    if (literal && def(unwrap(literal)).values?.includes(tag)) return shape;
  }
  return undefined;
}

/** The environment name of a key: `agent.data_dir` → `AIOPS_AGENT_DATA_DIR`, unless the field names its own. */
export function envName(path: readonly string[], info: FieldInfo): string | undefined {
  if (info.env === false) return undefined;
  return info.env ?? `AIOPS_${path.join("_").toUpperCase()}`;
}

/** Every setting of a schema, in declaration order. */
export function listSettings(schema: z.ZodType, prefix: readonly string[] = []): Setting[] {
  const out: Setting[] = [];
  const shape = objectShape(schema);
  if (!shape) return out;
  for (const [name, child] of Object.entries(shape)) {
    const path = [...prefix, name];
    const info = fieldInfo(child);
    if (info) {
      const env = envName(path, info);
      out.push({ key: path.join("."), path, info, schema: child, ...(env ? { env } : {}) });
    } else {
      out.push(...listSettings(child, path));
    }
  }
  return out;
}

/**
 * Values of every secret field in a configuration, including those inside lists of entries
 * (channels), so the logger can strike them from every line.
 */
export function secretValues(schema: z.ZodType, value: unknown): string[] {
  const out: string[] = [];
  const visit = (s: z.ZodType, v: unknown): void => {
    if (v === undefined || v === null) return;
    if (fieldInfo(s)?.secret) {
      if (typeof v === "string") out.push(v);
      // A secret mapping (HTTP headers that carry tokens): every value is a secret.
      else if (typeof v === "object" && !Array.isArray(v)) for (const x of Object.values(v)) if (typeof x === "string") out.push(x);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === "string") out.push(x);
      return;
    }
    const shape = shapeFor(s, v);
    if (shape && typeof v === "object") {
      for (const [k, child] of Object.entries(shape)) visit(child, (v as Record<string, unknown>)[k]);
      return;
    }
    const element = arrayElement(s);
    if (element && Array.isArray(v)) for (const item of v) visit(element, item);
  };
  visit(schema, value);
  return out;
}

/**
 * True when the dotted or indexed key (`alert.channels[0].url`) names a secret field, or a value inside
 * a secret mapping. Inside a union (channel types), a key is secret when any option says so: redacting
 * too much in an error is harmless, too little is not.
 */
export function isSecretKey(schema: z.ZodType, key: string): boolean {
  let candidates: z.ZodType[] = [schema];
  for (const part of key.replace(/\[\d+\]/g, ".[]").split(".").filter(Boolean)) {
    if (candidates.some((c) => fieldInfo(c)?.secret)) return true;
    const next: z.ZodType[] = [];
    for (const c of candidates.flatMap((c) => unionOptions(c) ?? [c])) {
      const child = part === "[]" ? arrayElement(c) : objectShape(c)?.[part];
      if (child) next.push(child);
    }
    candidates = next;
    if (candidates.length === 0) return false;
  }
  return candidates.some((c) => fieldInfo(c)?.secret === true);
}

/**
 * Every `<key>_file` field set in a configuration (see `secretFile`), with the path of the secret key
 * it fills, walking into lists and channel types.
 */
export function secretFileFields(schema: z.ZodType, value: unknown): Array<{ path: (string | number)[]; target: (string | number)[]; file: string }> {
  const out: Array<{ path: (string | number)[]; target: (string | number)[]; file: string }> = [];
  const visit = (s: z.ZodType, v: unknown, path: (string | number)[]): void => {
    if (v === undefined || v === null) return;
    const element = arrayElement(s);
    if (element && Array.isArray(v)) {
      v.forEach((item, i) => visit(element, item, [...path, i]));
      return;
    }
    const shape = shapeFor(s, v);
    if (!shape || typeof v !== "object") return;
    for (const [k, child] of Object.entries(shape)) {
      const x = (v as Record<string, unknown>)[k];
      const of = fieldInfo(child)?.fileOf;
      if (of && typeof x === "string") out.push({ path: [...path, k], target: [...path, of], file: x });
      else visit(child, x, [...path, k]);
    }
  };
  visit(schema, value, []);
  return out;
}
