import type { Labels } from "../contracts/sample.ts";

/** The alert an action answers. */
export interface ActionAlert {
  fingerprint: string;
  labels: Labels;
}

/** How one action run ended. `ok` means the action did what it was asked; whether it helped is verified after. */
export interface ActionResult {
  ok: boolean;
  /** Why it failed; empty when ok. */
  reason: string;
  /** Exit code of a program, when it exited. */
  exitCode?: number | null;
  /** Signal that ended a program, when one did. */
  signal?: string | null;
  /** What it printed or did, cut to a cap. */
  output: string;
}

/**
 * What one run of an action will do, worked out before anything is done: the plan is what a dry run
 * records and an approver sees; `run` does it. A plan that cannot be made (no matching process, a label
 * that fails its pattern) is `refused` with the reason, and nothing runs.
 */
export type PreparedAction = { plan: string; run(signal: AbortSignal): Promise<ActionResult> } | { refused: string };

/** One configured action of one kind (exec, signal, systemd, http, cleanup). */
export interface RemediationAction {
  readonly kind: "exec" | "signal" | "systemd" | "http" | "cleanup";
  prepare(alert: ActionAlert): Promise<PreparedAction>;
}

/** Keeps the first `limit` bytes of a text, saying how much was cut. */
export function capText(text: string, limit: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= limit) return text;
  const kept = Buffer.from(text).subarray(0, limit).toString("utf8").replace(/\uFFFD$/, "");
  return `${kept}\n[… ${bytes - Buffer.byteLength(kept)} more bytes cut]`;
}
