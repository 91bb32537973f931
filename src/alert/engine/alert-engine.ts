import type { AlertChange, AlertView } from "../../contracts/alert.ts";
import type { Finding } from "../../contracts/finding.ts";
import type { Notification } from "../notifier.ts";
import { type SilenceInput, type SilenceView, Silences } from "../silences.ts";
import { episodeStartOf, noticeKeyOf, noticeOf } from "./alert-notice.ts";
import { alertViewOf } from "./alert-view.ts";
import type { EngineOptions } from "./engine-options.ts";
import { type AlertRecord, type EngineState, type GroupEntry, statePartsOf } from "./engine-state.ts";
import { sha256 } from "./fingerprint.ts";
import { createFlapDamping } from "./flap-damping.ts";
import { createGrouping } from "./grouping.ts";
import { type Inhibition, inhibitionOf } from "./inhibition.ts";
import { createLifecycle } from "./lifecycle.ts";
import { muteOf } from "./mute.ts";
import { decideNotify } from "./notify-decision.ts";
import { toldNow } from "./repeat.ts";

/**
 * What one tick produced. The outbox writes `notifications` (each names its channel and idempotency
 * key) in the same transaction as `changes`, then `exportStateParts()`; delivery comes after.
 */
export interface TickResult {
  changes: AlertChange[];
  notifications: Notification[];
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
  /** Saved silences the engine could not take back when it was created, each with why (none after a reload). */
  readonly rejectedSilences: readonly string[];
  /** The state to keep across a restart. */
  exportState(): EngineState;
  /**
   * The same state in parts, each as JSON text (see `statePartsOf`): the outbox writes only the parts
   * that changed. `stateFromParts` reads them back.
   */
  exportStateParts(): Map<string, string>;
}

/**
 * Creates the engine, optionally from a state exported before a restart. Each tick runs the steps in
 * order, each in its own module:
 *
 *   findings → lifecycle (with flap damping) → resolves to the channels told
 *            → for each firing alert: mute (silences, inhibition) → route → severity hold → repeat → grouping
 *            → notifications of the groups whose window closed
 *
 * Resumed from a saved state, its first tick first sends the windows that closed while no engine ran,
 * as they were: an alert that fired before a kill -9 and resolved, or changed severity, before the
 * restart is told each in turn, as if the agent had never stopped.
 */
export function createAlertEngine(options: EngineOptions, state?: EngineState): AlertEngine {
  if (state !== undefined && state.version !== 1) throw new Error(`alert engine state version ${String(state.version)} is not 1`);
  const hash = options.hash ?? sha256;
  const routes = new Map(options.routes.map((r) => [r.channel, r]));
  const alerts = new Map<string, AlertRecord>();
  for (const a of state?.alerts ?? []) alerts.set(a.fingerprint, a);
  const silences = new Silences(options.silences ?? [], state?.silences ?? []);
  const flap = createFlapDamping(options);
  const lifecycle = createLifecycle({ ...options, hash }, flap);
  const grouping = createGrouping({ ...options, hash }, state?.buffers ?? [], new Set(routes.keys()));

  const viewOf = (a: AlertRecord, now: number, inhibition: Inhibition): AlertView =>
    alertViewOf(a, muteOf(a, now, silences, inhibition), flap.isFlapping(a, now));

  /** Tells the channels that heard it fire that it resolved (or takes back a firing notice never sent). */
  const tellResolved = (a: AlertRecord, now: number) => {
    for (const [channel, told] of Object.entries(a.told)) {
      const route = routes.get(channel);
      if (!told.flushed) grouping.retract(channel, a.fingerprint, episodeStartOf(a));
      else if (route?.sendResolved) grouping.add(channel, noticeOf(a, "resolved"), noticeKeyOf(a, options.agentName, channel, "resolved", told.seq, hash), now);
    }
    a.told = {};
  };

  /** Tells each channel what `decideNotify` says it is due about a firing alert now: first time, severity change, or repeat. */
  const tellFiring = (a: AlertRecord, now: number, inhibition: Inhibition) => {
    const mute = muteOf(a, now, silences, inhibition);
    for (const route of options.routes) {
      const decision = decideNotify(a, route, mute, now, options.severityHoldMs);
      if (decision.notify !== "now") continue;
      a.told[route.channel] = toldNow(a.told[route.channel], a.finding.severity, decision.seq, now);
      grouping.add(route.channel, noticeOf(a, "firing"), noticeKeyOf(a, options.agentName, route.channel, "firing", decision.seq, hash), now);
    }
  };

  /** The live state as an EngineState: shares the engine's objects, so callers copy it at once. */
  const stateView = (): EngineState => ({ version: 1, alerts: [...alerts.values()], buffers: grouping.export(), silences: silences.exportAdded() });

  /** A firing notice that left its group must be followed by a resolve. */
  const markSent = (channel: string, e: GroupEntry) => {
    const a = alerts.get(e.notice.fingerprint);
    const told = a?.told[channel];
    if (e.notice.status === "firing" && told && e.notice.startsAt === episodeStartOf(a!)) told.flushed = true;
  };
  /** Created from a saved state: the windows that closed while no engine ran have not gone out yet. */
  let resumed = state !== undefined;

  return {
    rejectedSilences: silences.rejected,

    tick(at, findings) {
      const now = at.getTime();
      // Windows that closed while the agent was stopped (kill -9, a restart) go out as they were, before
      // this tick's changes can take back or replace what they hold: what the stopped run would have sent.
      const notifications = resumed ? grouping.flush(now, markSent) : [];
      resumed = false;
      const changes = lifecycle.advance(alerts, findings, now);
      const inhibition = inhibitionOf(alerts.values(), options.inhibit);
      for (const c of changes) if (c.to === "resolved") tellResolved(c.alert, now);
      for (const a of alerts.values()) if (a.state === "firing") tellFiring(a, now, inhibition);
      silences.prune(now, options.flapWindowMs);
      notifications.push(...grouping.flush(now, markSent));
      return {
        changes: changes.map(({ alert, from, to }) => ({ fingerprint: alert.fingerprint, from, to, at: at.toISOString(), alert: viewOf(alert, now, inhibition) })),
        notifications,
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
      const inhibition = inhibitionOf(alerts.values(), options.inhibit);
      return [...alerts.values()].map((a) => viewOf(a, now.getTime(), inhibition));
    },

    exportState() {
      return structuredClone(stateView());
    },

    exportStateParts() {
      return statePartsOf(stateView());
    },
  };
}
