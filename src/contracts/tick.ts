import type { Config } from "../config/schema.ts";
import type { AlertChange } from "./alert.ts";
import type { Finding } from "./finding.ts";
import type { Sample } from "./sample.ts";
import type { Snapshot } from "./snapshot.ts";

/**
 * A stage the tick feeds after collection (detection, history, alerting). Stages run in the order
 * given, each after the one before; one that throws is logged and counted, and the tick goes on.
 */
export interface TickStage {
  readonly name: string;
  run(tick: TickContext): void | Promise<void>;
  /** Why the stage is not ready or is degraded, if it is; shown by /readyz. */
  problem?(): string | undefined;
  /** Takes a new configuration (SIGHUP); what the stage learned is kept. */
  reload?(config: Config): void;
  /** Called once when the agent stops; safe to call twice. */
  close?(): void | Promise<void>;
}

/** What one tick produced, handed to every stage. */
export interface TickContext {
  snapshot: Snapshot;
  samples: Sample[];
  /** Wall-clock milliseconds of the tick, the time stamped on its points. */
  time: number;
  /** Findings that hold this tick; the detection stage fills it for the stages after it. */
  findings: Finding[];
  /** Those of `findings` that did not hold at the tick before: each episode is told once. */
  startedFindings: Finding[];
  /** Alerts that changed state this tick, as committed; the alert stage fills it for the stages after it. */
  alertChanges: AlertChange[];
}
