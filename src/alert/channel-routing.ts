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

/** True when a route takes an alert of this severity and type. */
export function routeTakes(route: Route, severity: Severity, type: string): boolean {
  return route.severities.includes(severity) && (route.types.length === 0 || route.types.includes(type));
}
