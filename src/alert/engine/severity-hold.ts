import type { Severity } from "../../contracts/finding.ts";
import { heardCritical, severityToldAt, type Told } from "./engine-state.ts";

/** The channel is not told now: the alert's severity changed within the hold. */
export interface SeverityHeld {
  notify: "later";
  /** When the hold ends: the channel is told then if the severity still differs from what it heard (epoch ms). */
  at: number;
}

/**
 * Severity damping: an alert hovering around the critical level would otherwise page at every
 * crossing (warning, critical, warning...). A channel hears an alert move between warning and
 * critical at most once per `holdMs`, counted from the last time it was told a new severity (the
 * first notice included); the first escalation to critical in an episode is told at once. While held
 * no repeat goes either, since a repeat would carry the new severity. Undefined when the hold does
 * not apply: the repeat step decides.
 */
export function severityHold(told: Told | undefined, severity: Severity, holdMs: number, now: number): SeverityHeld | undefined {
  if (told === undefined || told.severity === severity) return undefined;
  if (severity === "critical" && !heardCritical(told)) return undefined;
  const since = severityToldAt(told);
  return now - since < holdMs ? { notify: "later", at: since + holdMs } : undefined;
}
