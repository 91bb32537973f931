import { createHash } from "node:crypto";
import type { Labels } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import type { AlertChange, AlertState, AlertView } from "../contracts/alert.ts";
import type { Finding, Severity } from "../contracts/finding.ts";
import type { AlertNotice, AlertStatus, Notification } from "./notifier.ts";
import { type Route, routeTakes, routesOf } from "./channel-routing.ts";
import { type Silence, type SilenceInput, type SilenceView, Silences } from "./silences.ts";

/** Settings of the engine; `engineOptionsOf(config)` makes them from the configuration. */
export interface EngineOptions {
  agentName: string;
  environment: string;
  /** A finding must hold this long before its alert fires. */
  forMs: number;
  /** A burst of changes within this window becomes one notification per channel (0: per tick). */
  groupWaitMs: number;
  /** State changes are counted over this window; a flapping alert resolves after this long quiet. */
  flapWindowMs: number;
  /** More changes than this within the window make an alert flapping. */
  flapMaxChanges: number;
  /** A firing critical alert hides warning alerts of the same series. */
  inhibit: boolean;
  routes: readonly Route[];
  /** Maintenance windows of the configuration. */
  silences?: readonly SilenceInput[];
  /** Hex digest of a text (fingerprints, idempotency keys); SHA-256 unless a test injects another. */
  hash?: (text: string) => string;
}

/**
 * What one tick produced. The outbox writes `notifications` (each names its channel and idempotency
 * key) in the same transaction as `changes`, then `exportState()`; delivery comes after.
 */
export interface TickResult {
  changes: AlertChange[];
  notifications: Notification[];
}

/** The engine's whole state as JSON-serialisable data: import it after a restart and nothing is re-sent. */
export interface EngineState {
  version: 1;
  alerts: AlertRecord[];
  buffers: BufferRecord[];
  silences: Silence[];
}

/** What the engine remembers of one channel's knowledge of an alert. */
interface Told {
  /** When the last firing notice for it was made (epoch ms). */
  at: number;
  severity: Severity;
  /** How many firing notices this episode: part of the idempotency key, so a repeat is a new message. */
  seq: number;
  /** Its firing notice has left the group buffer: a resolve must follow it. */
  flushed: boolean;
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
  told: Record<string, Told>;
}

/** Notices waiting in one channel's grouping window, as exported. */
interface BufferRecord {
  channel: string;
  openedAt: number;
  entries: Array<{ notice: AlertNotice; key: string }>;
}

/** The same, held by fingerprint so adding or dropping a notice costs O(1). */
interface Buffer {
  channel: string;
  openedAt: number;
  entries: Map<string, { notice: AlertNotice; key: string }>;
}

/** The alert lifecycle; pure and synchronous, its clock is the `now` it is given. */
export interface AlertEngine {
  /**
   * Runs one tick on the findings detectors reported at `now`: alerts go pending, fire, repeat, hold
   * or resolve; returns what changed and what to send. O(alerts) (silences and channels are few).
   */
  tick(now: Date, findings: readonly Finding[]): TickResult;
  /** Adds a silence at run time (the API); throws SilenceError with the reason when malformed. */
  addSilence(input: SilenceInput, now: Date): SilenceView;
  /** Ends a run-time silence; false when there is none by that id. */
  expireSilence(id: string, now: Date): boolean;
  silences(now: Date): SilenceView[];
  /** Every tracked alert (pending, firing, recently resolved). */
  alerts(now: Date): AlertView[];
  /** The state to keep across a restart. */
  exportState(): EngineState;
  /**
   * The same state in parts, each as JSON text: `alert:<fingerprint>` per alert, `buffer:<channel>`
   * per grouping buffer, and `silences`. The outbox saves them row by row and writes only the parts
   * that changed, so a tick costs what changed, not every alert tracked. `stateFromParts` reads them.
   */
  exportStateParts(): Map<string, string>;
}

/** Engine settings from the configuration. */
export function engineOptionsOf(config: Config): EngineOptions {
  return {
    agentName: config.agent.name,
    environment: config.agent.environment,
    forMs: config.alert.for * 1000,
    groupWaitMs: config.alert.group_wait * 1000,
    flapWindowMs: config.alert.flap.window * 1000,
    flapMaxChanges: config.alert.flap.max_changes,
    inhibit: config.alert.inhibit,
    routes: routesOf(config),
    silences: config.alert.silences.map((s) => ({
      matchers: s.matchers,
      startsAt: s.starts_at,
      endsAt: s.ends_at,
      comment: s.comment,
      createdBy: "config",
    })),
  };
}

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };

/** SHA-256 in hex. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The fingerprint of a finding's alert: a hash of its metric, series labels and type. Severity is not
 * part of it: a warning that becomes critical is the same alert, escalated.
 */
export function fingerprintOf(finding: Pick<Finding, "metric" | "labels" | "type">, hash: (text: string) => string = sha256): string {
  return hash(JSON.stringify([finding.metric, sortedEntries(finding.labels), finding.type])).slice(0, 16);
}

function sortedEntries(labels: Labels): Array<[string, string]> {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Creates the engine, optionally from a state exported before a restart. */
export function createAlertEngine(options: EngineOptions, state?: EngineState): AlertEngine {
  const hash = options.hash ?? sha256;
  const routes = new Map(options.routes.map((r) => [r.channel, r]));
  const alerts = new Map<string, AlertRecord>();
  const buffers = new Map<string, Buffer>();
  if (state !== undefined && state.version !== 1) throw new Error(`alert engine state version ${String(state.version)} is not 1`);
  const silences = new Silences(options.silences ?? [], state?.silences ?? []);
  for (const a of state?.alerts ?? []) alerts.set(a.fingerprint, a);
  // A channel removed from the configuration since the export has nowhere to send its buffer.
  for (const b of state?.buffers ?? []) {
    if (routes.has(b.channel)) buffers.set(b.channel, { ...b, entries: new Map(b.entries.map((e) => [e.notice.fingerprint, e])) });
  }

  const muteOf = (a: AlertRecord, now: number, criticals: Map<string, string>) => {
    const silencedBy = silences.matching(a.labels, now);
    const critical = criticals.get(a.seriesKey);
    const inhibitedBy = options.inhibit && a.finding.severity === "warning" && critical !== undefined && critical !== a.fingerprint ? critical : undefined;
    return { silencedBy, inhibitedBy };
  };

  const viewOf = (a: AlertRecord, now: number, criticals: Map<string, string>): AlertView => {
    const { silencedBy, inhibitedBy } = muteOf(a, now, criticals);
    return {
      fingerprint: a.fingerprint,
      state: a.state,
      labels: { ...a.labels },
      severity: a.finding.severity,
      finding: a.finding,
      activeAt: iso(a.activeAt),
      ...(a.firedAt !== undefined ? { firedAt: iso(a.firedAt) } : {}),
      ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
      silencedBy,
      ...(inhibitedBy !== undefined ? { inhibitedBy } : {}),
      flapping: a.held || isFlapping(a, now, options),
      notified: Object.keys(a.told),
    };
  };

  /** Series with a firing critical alert, for inhibition: series key → that alert's fingerprint. */
  const firingCriticals = (): Map<string, string> => {
    const out = new Map<string, string>();
    if (!options.inhibit) return out;
    for (const a of alerts.values()) if (a.state === "firing" && a.finding.severity === "critical") out.set(a.seriesKey, a.fingerprint);
    return out;
  };

  const noticeOf = (a: AlertRecord, status: AlertStatus): AlertNotice => ({
    fingerprint: a.fingerprint,
    status,
    labels: { ...a.labels },
    annotations: annotationsOf(a.finding),
    finding: a.finding,
    startsAt: iso(a.firedAt ?? a.activeAt),
    ...(status === "resolved" && a.resolvedAt !== undefined ? { endsAt: iso(a.resolvedAt) } : {}),
  });

  const enqueue = (channel: string, notice: AlertNotice, key: string, now: number) => {
    let buffer = buffers.get(channel);
    if (!buffer) {
      buffer = { channel, openedAt: now, entries: new Map() };
      buffers.set(channel, buffer);
    }
    // The latest word on an alert wins within a window: a repeat or an escalation replaces the notice
    // (a Map keeps the first insertion's place).
    buffer.entries.set(notice.fingerprint, { notice, key });
  };

  const unqueue = (channel: string, fingerprint: string) => {
    const buffer = buffers.get(channel);
    if (!buffer) return;
    buffer.entries.delete(fingerprint);
    if (buffer.entries.size === 0) buffers.delete(channel);
  };

  const keyOf = (a: AlertRecord, channel: string, status: AlertStatus, seq: number) =>
    hash(JSON.stringify([options.agentName, a.fingerprint, channel, status, a.firedAt ?? a.activeAt, seq])).slice(0, 32);

  /** Tells every routed channel about a firing, unmuted alert: first time, escalation, or repeat. */
  const notifyFiring = (a: AlertRecord, now: number) => {
    for (const route of options.routes) {
      if (!routeTakes(route, a.finding.severity, a.finding.type)) continue;
      const told = a.told[route.channel];
      if (told && told.severity === a.finding.severity && now - told.at < route.repeatIntervalMs) continue;
      const seq = (told?.seq ?? 0) + 1;
      a.told[route.channel] = { at: now, severity: a.finding.severity, seq, flushed: told?.flushed ?? false };
      enqueue(route.channel, noticeOf(a, "firing"), keyOf(a, route.channel, "firing", seq), now);
    }
  };

  /** Tells the channels that heard it fire that it resolved (or drops a firing notice never sent). */
  const notifyResolved = (a: AlertRecord, now: number) => {
    for (const [channel, told] of Object.entries(a.told)) {
      const route = routes.get(channel);
      if (!told.flushed) unqueue(channel, a.fingerprint);
      else if (route?.sendResolved) enqueue(channel, noticeOf(a, "resolved"), keyOf(a, channel, "resolved", told.seq), now);
    }
    a.told = {};
  };

  const flush = (now: number): Notification[] => {
    const out: Notification[] = [];
    for (const [channel, buffer] of buffers) {
      if (now - buffer.openedAt < options.groupWaitMs) continue;
      buffers.delete(channel);
      const entries = [...buffer.entries.values()];
      if (entries.length === 0) continue;
      for (const e of entries) {
        const told = alerts.get(e.notice.fingerprint)?.told[channel];
        if (e.notice.status === "firing" && told) told.flushed = true;
      }
      out.push(
        makeNotification(
          entries.map((e) => e.notice),
          entries.map((e) => e.key),
          channel,
          now,
        ),
      );
    }
    return out;
  };

  const makeNotification = (notices: AlertNotice[], keys: string[], channel: string, now: number): Notification => {
    const sorted = [...notices].sort(leadFirst);
    const lead = sorted[0]!;
    const idempotencyKey = keys.length === 1 ? keys[0]! : hash(JSON.stringify([...keys].sort())).slice(0, 32);
    return {
      ...lead,
      status: sorted.some((n) => n.status === "firing") ? "firing" : "resolved",
      idempotencyKey,
      channel,
      agentName: options.agentName,
      environment: options.environment,
      test: false,
      createdAt: iso(now),
      alerts: sorted,
    };
  };

  /** The live state as an EngineState: shares the engine's objects, so callers copy it at once. */
  const stateView = (): EngineState => {
    const exported: BufferRecord[] = [...buffers.values()].map((b) => ({ channel: b.channel, openedAt: b.openedAt, entries: [...b.entries.values()] }));
    return { version: 1, alerts: [...alerts.values()], buffers: exported, silences: silences.exportAdded() };
  };

  return {
    tick(at, findings) {
      const now = at.getTime();
      const changes: Array<{ a: AlertRecord; from: AlertState | "inactive"; to: AlertState | "inactive" }> = [];
      const change = (a: AlertRecord, from: AlertState | "inactive", to: AlertState | "inactive") => changes.push({ a, from, to });

      // 1. Findings of this tick, one per alert (the most severe, then the highest score).
      const seen = new Map<string, Finding>();
      for (const f of findings) {
        const fp = fingerprintOf(f, hash);
        const prev = seen.get(fp);
        if (!prev || SEVERITY_RANK[f.severity] > SEVERITY_RANK[prev.severity] || (f.severity === prev.severity && f.score > prev.score)) {
          seen.set(fp, f);
        }
      }

      // 2. Alerts whose finding holds: start, advance from pending, or refresh.
      for (const [fp, f] of seen) {
        let a = alerts.get(fp);
        if (!a || a.state === "resolved") {
          const from = a ? "resolved" : "inactive";
          a = {
            fingerprint: fp,
            seriesKey: JSON.stringify([f.metric, sortedEntries(f.labels)]),
            labels: labelsOf(f, options),
            finding: f,
            state: "pending",
            activeAt: now,
            // The last episode's end and changes stay: flap detection counts across episodes, and a
            // pending alert that never fires goes back to resolved rather than vanishing.
            ...(a?.resolvedAt !== undefined ? { resolvedAt: a.resolvedAt } : {}),
            changes: a?.changes ?? [],
            held: false,
            told: {},
          };
          alerts.set(fp, a);
          change(a, from, "pending");
        }
        a.finding = f;
        a.labels = labelsOf(f, options);
        a.quietSince = undefined;
        if (a.state === "pending" && now - a.activeAt >= options.forMs) {
          a.state = "firing";
          a.firedAt = now;
          a.resolvedAt = undefined;
          recordChange(a, now, options);
          change(a, "pending", "firing");
        }
      }

      // 3. Alerts whose finding stopped: drop if pending, hold if flapping, else resolve; forget old ones.
      for (const a of alerts.values()) {
        if (seen.has(a.fingerprint)) continue;
        if (a.state === "pending") {
          // Never fired this episode: nothing was sent, nothing to resolve.
          if (a.resolvedAt !== undefined) a.state = "resolved";
          else alerts.delete(a.fingerprint);
          change(a, "pending", "inactive");
        } else if (a.state === "firing") {
          a.quietSince ??= now;
          if (!a.held && isFlapping(a, now, options, 1)) a.held = true;
          if (a.held && now - a.quietSince < options.flapWindowMs) continue;
          a.state = "resolved";
          a.resolvedAt = a.held ? a.quietSince : now;
          a.held = false;
          recordChange(a, now, options);
          change(a, "firing", "resolved");
        } else if (a.resolvedAt !== undefined && now - a.resolvedAt >= options.flapWindowMs) {
          alerts.delete(a.fingerprint);
        }
      }

      // 4. Notifications: firing and unmuted alerts to their channels; resolved ones to those told.
      const criticals = firingCriticals();
      for (const { a, to } of changes) if (to === "resolved") notifyResolved(a, now);
      for (const a of alerts.values()) {
        if (a.state !== "firing") continue;
        const { silencedBy, inhibitedBy } = muteOf(a, now, criticals);
        if (silencedBy.length === 0 && inhibitedBy === undefined) notifyFiring(a, now);
      }
      silences.prune(now, options.flapWindowMs);

      return {
        changes: changes.map(({ a, from, to }) => ({ fingerprint: a.fingerprint, from, to, at: iso(now), alert: viewOf(a, now, criticals) })),
        notifications: flush(now),
      };
    },

    addSilence(input, now) {
      const s = silences.add(input);
      return silences.list(now.getTime()).find((v) => v.id === s.id)!;
    },

    expireSilence(id, now) {
      return silences.expire(id, now.getTime());
    },

    silences(now) {
      return silences.list(now.getTime());
    },

    alerts(now) {
      const criticals = firingCriticals();
      return [...alerts.values()].map((a) => viewOf(a, now.getTime(), criticals));
    },

    exportState() {
      return structuredClone(stateView());
    },

    exportStateParts() {
      const view = stateView();
      const parts = new Map<string, string>();
      for (const a of view.alerts) parts.set(`alert:${a.fingerprint}`, JSON.stringify(a));
      for (const b of view.buffers) parts.set(`buffer:${b.channel}`, JSON.stringify(b));
      parts.set("silences", JSON.stringify(view.silences));
      return parts;
    },
  };
}

/** The engine state from the parts of `exportStateParts` (unknown parts are ignored). */
export function stateFromParts(parts: Iterable<readonly [string, string]>): EngineState {
  const state: EngineState = { version: 1, alerts: [], buffers: [], silences: [] };
  for (const [key, text] of parts) {
    if (key.startsWith("alert:")) state.alerts.push(JSON.parse(text) as AlertRecord);
    else if (key.startsWith("buffer:")) state.buffers.push(JSON.parse(text) as EngineState["buffers"][number]);
    else if (key === "silences") state.silences = JSON.parse(text) as Silence[];
  }
  return state;
}

/** Remembers a change into firing or resolved, keeping only what the flap window can still count. */
function recordChange(a: AlertRecord, now: number, options: EngineOptions): void {
  a.changes.push(now);
  const from = now - options.flapWindowMs;
  while (a.changes.length > 0 && (a.changes[0]! <= from || a.changes.length > options.flapMaxChanges + 1)) a.changes.shift();
}

/** More than `flapMaxChanges` changes within the window (counting `pending` changes about to happen). */
function isFlapping(a: AlertRecord, now: number, options: EngineOptions, pending = 0): boolean {
  const from = now - options.flapWindowMs;
  let n = pending;
  for (const t of a.changes) if (t > from) n++;
  return n > options.flapMaxChanges;
}

/** The alert's labels: the series labels, then what identifies the alert (these win on a clash). */
function labelsOf(f: Finding, options: EngineOptions): Record<string, string> {
  return {
    ...f.labels,
    alertname: f.type,
    metric: f.metric,
    severity: f.severity,
    agent: options.agentName,
    environment: options.environment,
  };
}

function annotationsOf(f: Finding): Record<string, string> {
  return {
    summary: f.message,
    description: `${f.message} (value ${round(f.value)}, threshold ${round(f.threshold)}, detector ${f.detector}, score ${round(f.score)})`,
    value: String(f.value),
    threshold: String(f.threshold),
  };
}

function round(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** Firing before resolved, critical before warning, older first: the first is the lead alert. */
function leadFirst(x: AlertNotice, y: AlertNotice): number {
  if (x.status !== y.status) return x.status === "firing" ? -1 : 1;
  const s = SEVERITY_RANK[y.finding.severity] - SEVERITY_RANK[x.finding.severity];
  if (s !== 0) return s;
  return x.startsAt < y.startsAt ? -1 : x.startsAt > y.startsAt ? 1 : x.fingerprint < y.fingerprint ? -1 : 1;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
