/**
 * Alert changes and delivery attempts as the TUI shows them. Their payloads are whatever the alert
 * engine and the outbox publish, and those shapes may still change: read the fields they are likely to
 * have (both camelCase and snake_case, nested or not), and fall back to the payload's own keys.
 */

/** One alert change, ready to show. */
export interface AlertLine {
  /** Fingerprint, or the best stand-in: one line per key in the panel. */
  key: string;
  /** `firing`, `resolved`, `pending`…; empty when the payload does not say. */
  state: string;
  /** The state before, when the payload says (`pending → firing`). */
  from?: string;
  severity: string;
  /** The finding's message, or the payload's keys when there is none. */
  text: string;
  /** ISO time of the change, when known. */
  at?: string;
}

/** One delivery attempt, ready to show. */
export interface DeliveryLine {
  channel: string;
  /** `delivered`, `retry`, `failed`…; empty when the payload does not say. */
  outcome: string;
  httpStatus?: number;
  error?: string;
  latencyMs?: number;
  /** What was delivered (alert fingerprint or idempotency key), when known. */
  subject?: string;
  at?: string;
  /** The payload's keys, when it had none of the fields above. */
  raw?: string;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === "string" && v !== "") return v;
  return undefined;
}

function num(...values: unknown[]): number | undefined {
  for (const v of values) if (typeof v === "number" && Number.isFinite(v)) return v;
  return undefined;
}

function time(...values: unknown[]): string | undefined {
  for (const v of values) {
    if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return v;
    if (typeof v === "number" && v > 1e11) return new Date(v).toISOString();
  }
  return undefined;
}

/** `key=value` pairs of a payload's scalar fields: what is shown when its shape is not recognised. */
export function rawKeys(payload: Json, limit = 6): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (parts.length >= limit) break;
    if (value === null || typeof value !== "object") parts.push(`${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    else parts.push(`${key}={${Object.keys(value).slice(0, 3).join(",")}${Object.keys(value).length > 3 ? ",…" : ""}}`);
  }
  return parts.join(" ") || "{}";
}

/** Reads an alert change: `{ fingerprint, from, to, alert: { state, severity, labels, finding } }` or the alert itself. */
export function describeAlert(payload: Json, eventTime?: string): AlertLine {
  const inner = obj(payload.alert) ?? {};
  const finding = obj(payload.finding) ?? obj(inner.finding) ?? obj(payload.lastFinding) ?? obj(inner.lastFinding) ?? obj(payload.last_finding);
  const labels = obj(payload.labels) ?? obj(inner.labels) ?? obj(finding?.labels) ?? {};
  const state = str(payload.to, payload.state, inner.state, payload.status) ?? "";
  const message = str(finding?.message, payload.message, inner.message, payload.summary);
  const name = str(labels.alertname, finding?.type, payload.type);
  const labelText = Object.entries(labels)
    .filter(([k, v]) => k !== "alertname" && typeof v === "string")
    .map(([k, v]) => `${k}=${v as string}`)
    .join(" ");
  const recognised = state !== "" || message !== undefined;
  const text = !recognised ? rawKeys(payload) : (message ?? ([name, labelText].filter(Boolean).join(" ") || "(no message)"));
  const from = str(payload.from);
  const at = time(payload.at, payload.updatedAt, payload.updated_at, inner.resolvedAt, inner.firedAt, inner.activeAt, eventTime);
  return {
    key: str(payload.fingerprint, inner.fingerprint, typeof payload.id === "number" ? String(payload.id) : payload.id, payload.key) ?? text,
    state,
    ...(from !== undefined ? { from } : {}),
    severity: str(payload.severity, inner.severity, finding?.severity, labels.severity) ?? "",
    text,
    ...(at !== undefined ? { at } : {}),
  };
}

/** Reads a delivery attempt: `{ channel, outcome, httpStatus | http_status, error, latencyMs | latency_ms }`. */
export function describeDelivery(payload: Json, eventTime?: string): DeliveryLine {
  const notification = obj(payload.notification) ?? {};
  const err = payload.error ?? payload.reason;
  const error = str(err, obj(err)?.message);
  const channel = str(payload.channel, notification.channel, payload.receiver, payload.integration);
  const okOutcome = payload.ok === true ? "delivered" : payload.ok === false ? "failed" : undefined;
  const outcome = str(payload.outcome, typeof payload.status === "string" ? payload.status : undefined, payload.result, okOutcome) ?? "";
  const httpStatus = num(payload.httpStatus, payload.http_status, payload.statusCode, payload.status_code, typeof payload.status === "number" ? payload.status : undefined);
  const latencyMs = num(payload.latencyMs, payload.latency_ms, payload.durationMs, payload.duration_ms);
  const subject = str(payload.fingerprint, obj(payload.alert)?.fingerprint, notification.fingerprint, payload.idempotencyKey, payload.idempotency_key);
  const at = time(payload.ts, payload.at, payload.time, eventTime);
  const recognised = channel !== undefined || outcome !== "";
  return {
    channel: channel ?? "?",
    outcome,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(at !== undefined ? { at } : {}),
    ...(recognised ? {} : { raw: rawKeys(payload) }),
  };
}

/** Colour of an alert state or delivery outcome. */
export function stateColour(state: string): "red" | "yellow" | "green" | "gray" | undefined {
  switch (state) {
    case "firing":
    case "failed":
    case "dead":
      return "red";
    case "pending":
    case "retry":
    case "retrying":
      return "yellow";
    case "resolved":
    case "delivered":
    case "ok":
      return "green";
    case "silenced":
    case "inhibited":
      return "gray";
    default:
      return undefined;
  }
}
