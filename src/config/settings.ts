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

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType };

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
    if (fieldInfo(s)?.secret && typeof v === "string") {
      out.push(v);
      return;
    }
    const shape = objectShape(s);
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

/** True when the dotted or indexed key (`alert.channels[0].url`) names a secret field. */
export function isSecretKey(schema: z.ZodType, key: string): boolean {
  let s: z.ZodType | undefined = schema;
  for (const part of key.replace(/\[\d+\]/g, ".[]").split(".").filter(Boolean)) {
    if (!s) return false;
    s = part === "[]" ? arrayElement(s) : objectShape(s)?.[part];
  }
  return s ? fieldInfo(s)?.secret === true : false;
}
