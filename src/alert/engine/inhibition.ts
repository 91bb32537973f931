import type { AlertRecord } from "./engine-state.ts";

/**
 * Inhibition: while a critical alert of a series fires, the warning alerts of that same series (its
 * metric and labels, whatever detector raised them) notify nobody: the critical one already says it.
 * They are still tracked and listed, with the critical alert that hides them.
 */
export interface Inhibition {
  /** The fingerprint of the firing critical alert hiding this one, or undefined when none does. */
  inhibitorOf(a: AlertRecord): string | undefined;
}

/** The inhibition of the moment, from the tracked alerts; with `enabled` false nothing is hidden. */
export function inhibitionOf(alerts: Iterable<AlertRecord>, enabled: boolean): Inhibition {
  /** Series with a firing critical alert: series key → that alert's fingerprint. */
  const criticals = new Map<string, string>();
  if (enabled) for (const a of alerts) if (a.state === "firing" && a.finding.severity === "critical") criticals.set(a.seriesKey, a.fingerprint);
  return {
    inhibitorOf(a) {
      if (!enabled || a.finding.severity !== "warning") return undefined;
      const critical = criticals.get(a.seriesKey);
      return critical !== undefined && critical !== a.fingerprint ? critical : undefined;
    },
  };
}
