import type { Config } from "../config/schema.ts";
import type { Severity } from "../contracts/finding.ts";
import { channelsOf, repeatSecondsOf } from "../config/resolved-channels.ts";

/** Which alerts a channel receives and how often it is reminded. */
export interface Route {
  channel: string;
  /** Severities it receives. */
  severities: readonly Severity[];
  /** Alert types (finding types) it receives; empty for all. */
  types: readonly string[];
  /** Also told when an alert resolves. */
  sendResolved: boolean;
  /** Re-send a still-firing alert this often. */
  repeatIntervalMs: number;
}

/** The routes of every configured channel, in configuration order. */
export function routesOf(config: Config): Route[] {
  return channelsOf(config).map((c) => ({
    channel: c.name,
    severities: c.severities as Severity[],
    types: c.types,
    sendResolved: c.send_resolved,
    repeatIntervalMs: repeatSecondsOf(c, config) * 1000,
  }));
}

/**
 * The label naming the channel an alert is about (`delivery_failing` carries it). Such an alert never
 * goes to that channel: it says the channel is not delivering, so it would only wait in its queue and
 * arrive, if ever, once the channel works again, after the news is stale.
 */
export const ABOUT_CHANNEL_LABEL = "channel";

/** What routing reads of an alert. */
export interface Routable {
  severity: Severity;
  /** Its finding type (`cpu_high`, `delivery_failing`). */
  type: string;
  labels: Readonly<Record<string, string>>;
}

/** True when a route takes the alert: its severity, its type, and it is not about this very channel. */
export function routeTakes(route: Route, alert: Routable): boolean {
  if (alert.labels[ABOUT_CHANNEL_LABEL] === route.channel) return false;
  return route.severities.includes(alert.severity) && (route.types.length === 0 || route.types.includes(alert.type));
}
