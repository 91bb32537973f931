import type { AlertView } from "../../contracts/alert.ts";
import type { AlertRecord } from "./engine-state.ts";
import type { Mute } from "./mute.ts";

/** One alert as the API, the TUI and the event stream show it, with why it is muted and whether it flaps. */
export function alertViewOf(a: AlertRecord, mute: Mute, flapping: boolean): AlertView {
  return {
    fingerprint: a.fingerprint,
    state: a.state,
    labels: { ...a.labels },
    severity: a.finding.severity,
    finding: a.finding,
    activeAt: iso(a.activeAt),
    ...(a.firedAt !== undefined ? { firedAt: iso(a.firedAt) } : {}),
    ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
    silencedBy: mute.silencedBy,
    ...(mute.inhibitedBy !== undefined ? { inhibitedBy: mute.inhibitedBy } : {}),
    flapping,
    // Told and gone out (in the outbox): a notice still in its group window may yet be taken back.
    notified: Object.entries(a.told).flatMap(([channel, told]) => (told.flushed ? [channel] : [])),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
