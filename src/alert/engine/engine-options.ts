import type { Config } from "../../config/schema.ts";
import { type Route, routesOf } from "../channel-routing.ts";
import type { SilenceInput } from "../silences.ts";

/** Settings of the engine; `engineOptionsOf(config)` makes them from the configuration. */
export interface EngineOptions {
  agentName: string;
  environment: string;
  /** A finding must hold this long before its alert fires. */
  forMs: number;
  /** A burst of changes within this window becomes one notification per channel (0: per tick). */
  groupWaitMs: number;
  /** A channel hears an alert move between warning and critical at most once per this hold, except its first escalation to critical (0: every change). */
  severityHoldMs: number;
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

/** Engine settings from the configuration. */
export function engineOptionsOf(config: Config): EngineOptions {
  return {
    agentName: config.agent.name,
    environment: config.agent.environment,
    forMs: config.alert.for * 1000,
    groupWaitMs: config.alert.group_wait * 1000,
    severityHoldMs: config.alert.severity_hold * 1000,
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
