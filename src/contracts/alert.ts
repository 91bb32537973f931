import type { Finding, Severity } from "./finding.ts";
import type { Labels } from "./sample.ts";

/** Where an alert is in its life. `inactive` (in a change) means it is not, or no longer, tracked. */
export type AlertState = "pending" | "firing" | "resolved";

/** One alert as the engine shows it (API, TUI, events). */
export interface AlertView {
  fingerprint: string;
  state: AlertState;
  labels: Labels;
  severity: Severity;
  finding: Finding;
  /** ISO times: first seen in this episode, started firing, resolved. */
  activeAt: string;
  firedAt?: string;
  resolvedAt?: string;
  /** Ids of the silences muting it now. */
  silencedBy: string[];
  /** Fingerprint of the critical alert hiding it, when inhibited. */
  inhibitedBy?: string;
  /** Changing state too often: held firing until it has been quiet for the flap window. */
  flapping: boolean;
  /** Channels told it is firing: the notice left its group window, so it is in the outbox (sent, or to be sent after a restart). */
  notified: string[];
}

/**
 * A change of state of one alert in a tick: what the store records and the event stream shows. On the
 * event stream, `from` equal to `to` is a change of severity alone (an escalation or de-escalation).
 */
export interface AlertChange {
  fingerprint: string;
  from: AlertState | "inactive";
  to: AlertState | "inactive";
  /** ISO time of the tick. */
  at: string;
  alert: AlertView;
}
