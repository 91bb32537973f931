import type { Snapshot } from "../src/contracts/snapshot.ts";
import type { Finding } from "../src/contracts/finding.ts";
import type { RemediationRun } from "../src/contracts/remediation.ts";
import { type AlertLine, type DeliveryLine, describeAlert, describeAlertView, describeDelivery } from "./describe-event.ts";
import type { ProcessPage } from "./process-reader.ts";
import { RingBuffer } from "./ring-buffer.ts";
import { HISTORY_POINTS, type AgentInfo, type Connection, type SourceEvent } from "./source.ts";
import { SPARK_KEYS, type SparkKey, sparkValue } from "./sparklines.ts";

/** Most findings, alert changes and deliveries the panels remember. */
export const MAX_FINDINGS = 200;
export const MAX_ALERTS = 100;
export const MAX_DELIVERIES = 100;
export const MAX_REMEDIATIONS = 100;
/** Most processes the panel holds (it asks for no more; a longer answer is cut). */
export const MAX_PROCESSES = 2000;

/** The process list as the panel shows it: the last page read, and why the last read failed, if it did. */
export interface ProcessesView extends ProcessPage {
  /** Why the agent gave no list for the query (an older agent, the collector off, the connection): one line in the panel. */
  problem?: string;
}

/** Everything the screen shows, as one immutable value: a new object on every change, so a paused view stays put. */
export interface TuiState {
  info?: AgentInfo;
  connection: Connection;
  snapshot?: Snapshot;
  /** Recent values of each sparkline's series, oldest first. */
  history: Readonly<Partial<Record<SparkKey, readonly number[]>>>;
  /** Newest first. */
  findings: readonly Finding[];
  /** The latest change of each alert, most recently changed first. */
  alerts: readonly AlertLine[];
  /** Newest first. */
  deliveries: readonly DeliveryLine[];
  /** Remediation runs, each as it is now, newest first. */
  remediations: readonly RemediationRun[];
  /** The process list while its panel is (or was last) in view; absent before the first read. */
  processes?: ProcessesView;
}

export const INITIAL_STATE: TuiState = {
  connection: { state: "connecting", attempt: 0 },
  history: {},
  findings: [],
  alerts: [],
  deliveries: [],
  remediations: [],
};

/** Keeps the UI's state from a source's events; the sparklines' memory is a bounded ring buffer per series. */
export interface TuiModel {
  getState(): TuiState;
  apply(event: SourceEvent): void;
  /** Calls `listener` after every change; returns the function that unsubscribes. */
  subscribe(listener: () => void): () => void;
}

/** Runs newest first, each once (the later of two versions of a run wins), at most MAX_REMEDIATIONS. */
function mergeRuns(current: readonly RemediationRun[], incoming: readonly RemediationRun[]): readonly RemediationRun[] {
  const byId = new Map(current.map((r) => [r.id, r]));
  let changed = false;
  for (const run of incoming) {
    const known = byId.get(run.id);
    if (known && known.updatedAt > run.updatedAt) continue;
    if (known && known.updatedAt === run.updatedAt && known.outcome === run.outcome) continue;
    byId.set(run.id, run);
    changed = true;
  }
  if (!changed) return current;
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, MAX_REMEDIATIONS);
}

const sameQueryAs = (page: ProcessPage, query: ProcessPage["query"]) =>
  page.query.sort === query.sort && page.query.filter === query.filter && page.query.limit === query.limit;

const sameFinding = (a: Finding, b: Finding) => a.type === b.type && a.metric === b.metric && a.timestamp === b.timestamp && JSON.stringify(a.labels) === JSON.stringify(b.labels);

export function createTuiModel(capacity = HISTORY_POINTS): TuiModel {
  let state = INITIAL_STATE;
  const listeners = new Set<() => void>();
  const rings = new Map<SparkKey, RingBuffer<number>>();
  const ring = (key: SparkKey) => {
    let r = rings.get(key);
    if (!r) rings.set(key, (r = new RingBuffer<number>(capacity)));
    return r;
  };

  function reduce(s: TuiState, event: SourceEvent): TuiState {
    switch (event.type) {
      case "info":
        return { ...s, info: event.info };
      case "connection":
        return { ...s, connection: event.connection };
      case "snapshot": {
        // A reconnect fetches the snapshot again and may replay it: draw each tick once.
        if (s.snapshot && Date.parse(event.snapshot.timestamp) <= Date.parse(s.snapshot.timestamp)) {
          return event.snapshot.timestamp === s.snapshot.timestamp ? s : { ...s, snapshot: event.snapshot };
        }
        const history: Partial<Record<SparkKey, readonly number[]>> = {};
        for (const key of SPARK_KEYS) {
          const value = sparkValue(key, event.snapshot);
          if (value !== undefined) ring(key).push(value);
          if (rings.has(key)) history[key] = ring(key).toArray();
        }
        return { ...s, snapshot: event.snapshot, history };
      }
      case "history": {
        // Seeds come before live values; whatever arrived live meanwhile stays at the end.
        const live = ring(event.key).toArray();
        const r = ring(event.key);
        r.clear();
        for (const v of [...event.values, ...live]) r.push(v);
        return { ...s, history: { ...s.history, [event.key]: r.toArray() } };
      }
      case "finding":
        if (s.findings.some((f) => sameFinding(f, event.finding))) return s;
        return { ...s, findings: [event.finding, ...s.findings].slice(0, MAX_FINDINGS) };
      case "findings": {
        const older = event.findings.filter((f) => !s.findings.some((g) => sameFinding(f, g)));
        return { ...s, findings: [...s.findings, ...older].slice(0, MAX_FINDINGS) };
      }
      case "alert": {
        const line = describeAlert(event.alert, s.alerts.find((a) => a.key === event.alert.fingerprint));
        return { ...s, alerts: [line, ...s.alerts.filter((a) => a.key !== line.key)].slice(0, MAX_ALERTS) };
      }
      case "alerts": {
        // The engine's view when the UI connected: firing first, then pending, then resolved, newest first.
        const order: Record<string, number> = { firing: 0, pending: 1, resolved: 2 };
        const seeded = event.alerts
          .map(describeAlertView)
          .sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3) || Date.parse(b.at) - Date.parse(a.at));
        const keys = new Set(seeded.map((a) => a.key));
        // Lines for alerts the engine no longer tracks stay below, as they were last seen.
        return { ...s, alerts: [...seeded, ...s.alerts.filter((a) => !keys.has(a.key))].slice(0, MAX_ALERTS) };
      }
      case "delivery": {
        const line = describeDelivery(event.delivery);
        if (s.deliveries.some((d) => d.key === line.key)) return s;
        return { ...s, deliveries: [line, ...s.deliveries].slice(0, MAX_DELIVERIES) };
      }
      case "deliveries": {
        const known = new Set(s.deliveries.map((d) => d.key));
        const older = event.deliveries.map(describeDelivery).filter((d) => !known.has(d.key));
        if (older.length === 0) return s;
        const merged = [...s.deliveries, ...older].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
        return { ...s, deliveries: merged.slice(0, MAX_DELIVERIES) };
      }
      case "remediation":
      case "remediations": {
        const remediations = mergeRuns(s.remediations, event.type === "remediation" ? [event.run] : event.runs);
        return remediations === s.remediations ? s : { ...s, remediations };
      }
      case "processes":
        return { ...s, processes: event.page.items.length > MAX_PROCESSES ? { ...event.page, items: event.page.items.slice(0, MAX_PROCESSES) } : event.page };
      case "processes-unavailable": {
        // The rows last read for the same query stay (they are the latest known), under the note saying why.
        const kept = s.processes && sameQueryAs(s.processes, event.query) ? s.processes : { query: event.query, total: 0, matched: 0, items: [] };
        if (kept.problem === event.reason) return s;
        return { ...s, processes: { ...kept, problem: event.reason } };
      }
    }
  }

  return {
    getState: () => state,
    apply(event) {
      const next = reduce(state, event);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
