import type { Silences } from "../silences.ts";
import type { AlertRecord } from "./engine-state.ts";
import type { Inhibition } from "./inhibition.ts";

/**
 * Why an alert notifies nobody right now: the silences matching it (maintenance windows of the
 * configuration, silences added through the API) and the critical alert inhibiting it. The same two
 * fields are on every AlertView, so anything acting on alerts (the API, the TUI, actions) reads there
 * whether an alert is muted, with `isMuted`.
 */
export interface Mute {
  /** Ids of the silences muting it now. */
  silencedBy: string[];
  /** Fingerprint of the critical alert hiding it, when inhibited. */
  inhibitedBy?: string;
}

/** The mute step of the engine: silences first, then inhibition. */
export function muteOf(a: AlertRecord, now: number, silences: Silences, inhibition: Inhibition): Mute {
  const silencedBy = silences.matching(a.labels, now);
  const inhibitedBy = inhibition.inhibitorOf(a);
  return { silencedBy, inhibitedBy };
}

/** True when a silence or an inhibiting alert keeps this alert from notifying (a Mute or an AlertView). */
export function isMuted(m: Readonly<Mute>): boolean {
  return m.silencedBy.length > 0 || m.inhibitedBy !== undefined;
}
