import { type Route, routeTakes } from "../channel-routing.ts";
import type { AlertRecord } from "./engine-state.ts";
import { type Mute } from "./mute.ts";
import { type RepeatDecision, repeatDecision } from "./repeat.ts";

/**
 * For one firing alert and one channel: told now, later (at a known time, if nothing changes), or
 * never (not while the reason holds: a silence, an inhibiting alert, a route that does not take it).
 */
export type NotifyDecision = RepeatDecision | { notify: "never"; why: "silenced" | "inhibited" | "not routed" };

/**
 * The one place the engine decides whether a channel is told about a firing alert this tick: the
 * mute step (silences, then inhibition), the channel's route (severities and types), then the repeat
 * step. A resolve is not decided here: it goes to the channels that heard the alert fire.
 */
export function decideNotify(a: AlertRecord, route: Route, mute: Mute, now: number): NotifyDecision {
  if (mute.silencedBy.length > 0) return { notify: "never", why: "silenced" };
  if (mute.inhibitedBy !== undefined) return { notify: "never", why: "inhibited" };
  if (!routeTakes(route, a.finding.severity, a.finding.type)) return { notify: "never", why: "not routed" };
  return repeatDecision(a.told[route.channel], a.finding.severity, route.repeatIntervalMs, now);
}
