import type { Severity } from "../../contracts/finding.ts";
import type { Told } from "./engine-state.ts";

/** Whether a channel that takes a firing, unmuted alert is told about it this tick, and why. */
export type RepeatDecision =
  | {
      notify: "now";
      /** First notice of this episode, a change of severity (escalation or easing), or the repeat interval passed. */
      why: "first" | "severity" | "repeat";
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
 * message (its `seq` is part of the idempotency key).
 */
export function repeatDecision(told: Told | undefined, severity: Severity, repeatIntervalMs: number, now: number): RepeatDecision {
  if (told && told.severity === severity && now - told.at < repeatIntervalMs) return { notify: "later", at: told.at + repeatIntervalMs };
  const why = told === undefined ? "first" : told.severity !== severity ? "severity" : "repeat";
  return { notify: "now", why, seq: (told?.seq ?? 0) + 1 };
}

/** What a channel knows of an alert once told at `now` (whether an earlier notice already left its group stays). */
export function toldNow(told: Told | undefined, severity: Severity, seq: number, now: number): Told {
  return { at: now, severity, seq, flushed: told?.flushed ?? false };
}
