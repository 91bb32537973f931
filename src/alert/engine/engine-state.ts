import type { AlertState } from "../../contracts/alert.ts";
import type { Finding, Severity } from "../../contracts/finding.ts";
import type { AlertNotice } from "../notifier.ts";
import type { Silence } from "../silences.ts";

/**
 * The engine's whole state as JSON-serialisable data: import it after a restart and nothing is re-sent.
 * Its shape is what SQLite holds (`alert_engine_state`): a change here must still read what older
 * agents saved.
 */
export interface EngineState {
  version: 1;
  alerts: AlertRecord[];
  buffers: GroupRecord[];
  silences: Silence[];
}

/** What the engine remembers of one channel's knowledge of an alert. */
export interface Told {
  /** When the last firing notice for it was made (epoch ms). */
  at: number;
  severity: Severity;
  /** How many firing notices this episode: part of the idempotency key, so a repeat is a new message. */
  seq: number;
  /** Its firing notice has left the group window: a resolve must follow it. */
  flushed: boolean;
  // Added with severity damping; absent in state saved before (see `severityToldAt`, `heardCritical`).
  /** When the channel was last told a severity it had not just heard (the first notice or a change), epoch ms: `severity_hold` counts from it. */
  severityAt?: number;
  /** The channel has heard this alert critical in this episode: a later escalation is damped like any change. */
  heardCritical?: boolean;
}

/** When the channel was last told a new severity of the alert (state saved before severity damping knows only its last notice). */
export function severityToldAt(told: Told): number {
  return told.severityAt ?? told.at;
}

/** Whether the channel heard the alert critical in this episode (state saved before severity damping knows only the last severity). */
export function heardCritical(told: Told): boolean {
  return told.heardCritical ?? told.severity === "critical";
}

/** One tracked alert (exported as is). Times are epoch milliseconds. */
export interface AlertRecord {
  fingerprint: string;
  /** Metric and series labels: what inhibition compares. */
  seriesKey: string;
  labels: Record<string, string>;
  finding: Finding;
  state: AlertState;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  /** Times of recent changes into firing or resolved, newest last, for flap detection. */
  changes: number[];
  /** Held firing because it flapped; `quietSince` is when its finding last went away. */
  held: boolean;
  quietSince?: number;
  /** By channel name. */
  told: Record<string, Told>;
}

/** One alert's notice waiting in a channel's group, with its idempotency key. */
export interface GroupEntry {
  notice: AlertNotice;
  key: string;
}

/** Notices waiting in one channel's grouping window, as exported (`buffer:<channel>` in the store). */
export interface GroupRecord {
  channel: string;
  openedAt: number;
  entries: GroupEntry[];
}

/**
 * The state in parts, each as JSON text: `alert:<fingerprint>` per alert, `buffer:<channel>` per
 * grouping window, and `silences`. The outbox saves them row by row and writes only the parts that
 * changed, so a tick costs what changed, not every alert tracked.
 */
export function statePartsOf(state: EngineState): Map<string, string> {
  const parts = new Map<string, string>();
  for (const a of state.alerts) parts.set(`alert:${a.fingerprint}`, JSON.stringify(a));
  for (const b of state.buffers) parts.set(`buffer:${b.channel}`, JSON.stringify(b));
  parts.set("silences", JSON.stringify(state.silences));
  return parts;
}

/** The engine state from the parts of `statePartsOf` (unknown parts are ignored). */
export function stateFromParts(parts: Iterable<readonly [string, string]>): EngineState {
  const state: EngineState = { version: 1, alerts: [], buffers: [], silences: [] };
  for (const [key, text] of parts) {
    if (key.startsWith("alert:")) state.alerts.push(JSON.parse(text) as AlertRecord);
    else if (key.startsWith("buffer:")) state.buffers.push(JSON.parse(text) as GroupRecord);
    else if (key === "silences") state.silences = JSON.parse(text) as Silence[];
  }
  return state;
}
