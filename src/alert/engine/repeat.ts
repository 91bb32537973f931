import type { Severity } from "../../contracts/finding.ts";
import { heardCritical, severityToldAt, type Told } from "./engine-state.ts";

/** Whether a channel that takes a firing, unmuted alert is told about it this tick, and why. */
export type RepeatDecision =
  | {
      notify: "now";
      /**
       * First notice of this episode, its first escalation to critical, another change of severity
       * (past the severity hold), or the repeat interval passed.
       */
      why: "first" | "escalation" | "severity" | "repeat";
      /** Which firing notice of the episode this is: part of the idempotency key. */
      seq: number;
    }
  | {
      notify: "later";
      /** When the channel is reminded if nothing changes (epoch ms). */
      at: number;
    };

/**
 * The repeat step: a channel hears a firing alert once, again when its severity changes, and again
 * every `repeatIntervalMs` of the channel while it keeps firing; not in between. Each notice is a new
 * message (its `seq` is part of the idempotency key). Changes of severity are damped before this step
 * (`severityHold`).
 */
export function repeatDecision(told: Told | undefined, severity: Severity, repeatIntervalMs: number, now: number): RepeatDecision {
  if (told && told.severity === severity && now - told.at < repeatIntervalMs) return { notify: "later", at: told.at + repeatIntervalMs };
  const why = told === undefined ? "first" : told.severity === severity ? "repeat" : severity === "critical" && !heardCritical(told) ? "escalation" : "severity";
  return { notify: "now", why, seq: (told?.seq ?? 0) + 1 };
}

/**
 * What a channel knows of an alert once told at `now`: whether an earlier notice already left its
 * group stays; a new severity (or the first notice) restarts the severity hold.
 */
export function toldNow(told: Told | undefined, severity: Severity, seq: number, now: number): Told {
  return {
    at: now,
    severity,
    seq,
    flushed: told?.flushed ?? false,
    severityAt: told !== undefined && told.severity === severity ? severityToldAt(told) : now,
    heardCritical: (told !== undefined && heardCritical(told)) || severity === "critical",
  };
}
