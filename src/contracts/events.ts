import type { AgentIdentity } from "./agent-identity.ts";
import type { AlertChange } from "./alert.ts";
import type { DeliveryAttempt } from "./delivery.ts";
import type { Finding } from "./finding.ts";
import type { RemediationRun } from "./remediation.ts";
import type { Snapshot } from "./snapshot.ts";

/** A tick finished: the host as it was collected. */
export interface SnapshotTaken {
  type: "snapshot";
  snapshot: Snapshot;
}

/** A finding started to hold (each episode is told once). */
export interface FindingOpened {
  type: "finding";
  finding: Finding;
}

/** An alert changed state (pending, firing, resolved). */
export interface AlertChanged {
  type: "alert";
  alert: AlertChange;
}

/** A delivery attempt finished. */
export interface DeliveryAttempted {
  type: "delivery";
  delivery: DeliveryAttempt;
}

/** The agent took a new configuration: its identity, interval or levels may have changed. */
export interface AgentReloaded {
  type: "agent";
  agent: AgentIdentity;
}

/** A remediation run was recorded or changed (matched, ran, verified...). */
export interface RemediationChanged {
  type: "remediation";
  remediation: RemediationRun;
}

/**
 * What the agent tells its readers (the server's event stream, the TUI, tests) as it happens. The
 * `type` is also the SSE event name; the other field carries the payload under the same name.
 */
export type AgentEventBody = SnapshotTaken | FindingOpened | AlertChanged | DeliveryAttempted | AgentReloaded | RemediationChanged;

/** An event's type name: `snapshot`, `finding`, `alert`, `delivery`. */
export type AgentEventType = AgentEventBody["type"];

/** Every event type, in the order the API documents them. */
export const AGENT_EVENT_TYPES: readonly AgentEventType[] = ["snapshot", "finding", "alert", "delivery", "agent", "remediation"];

/** An event with its sequence number (the SSE `id`, so a reader can resume with Last-Event-ID). */
export type AgentEvent = AgentEventBody & { id: number; time: string };
