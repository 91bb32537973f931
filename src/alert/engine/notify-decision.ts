import { type Route, routeTakes } from "../channel-routing.ts";
import type { AlertRecord } from "./engine-state.ts";
import { type Mute } from "./mute.ts";
import { type RepeatDecision, repeatDecision } from "./repeat.ts";
import { type SeverityHeld, severityHold } from "./severity-hold.ts";

/**
 * For one firing alert and one channel: told now, later (at a known time, if nothing changes), or
 * never (not while the reason holds: a silence, an inhibiting alert, a route that does not take it).
 */
export type NotifyDecision = RepeatDecision | SeverityHeld | { notify: "never"; why: "silenced" | "inhibited" | "not routed" };

/**
 * The one place the engine decides whether a channel is told about a firing alert this tick: the
 * mute step (silences, then inhibition), the channel's route (severities and types; never an alert
 * about the channel itself, such as its own `delivery_failing`), the severity hold (`severityHoldMs`),
 * then the repeat step. A resolve is not decided here: it goes to the channels that heard the alert fire.
 */
export function decideNotify(a: AlertRecord, route: Route, mute: Mute, now: number, severityHoldMs: number): NotifyDecision {
  if (mute.silencedBy.length > 0) return { notify: "never", why: "silenced" };
  if (mute.inhibitedBy !== undefined) return { notify: "never", why: "inhibited" };
  if (!routeTakes(route, { severity: a.finding.severity, type: a.finding.type, labels: a.labels })) return { notify: "never", why: "not routed" };
  const told = a.told[route.channel];
  return severityHold(told, a.finding.severity, severityHoldMs, now) ?? repeatDecision(told, a.finding.severity, route.repeatIntervalMs, now);
}
