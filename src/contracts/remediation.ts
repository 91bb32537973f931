import type { Labels } from "./sample.ts";

/**
 * Where one remediation run is. Every decision is a run, so the record says why nothing happened too:
 * - `skipped`: matched, but not acted on (the reason says why: silenced, inhibited, rate limit, budget,
 *   already running, a label that fails its pattern);
 * - `dry_run`: what would have run (the plan), nothing done;
 * - `awaiting_approval` → `running` after an approval, or `denied`, or `expired`;
 * - `running` → `verifying` (the action ended well; the alert must now resolve) or `failed`;
 * - `verifying` → `succeeded` (the alert resolved within verify_within) or `failed` (still firing);
 * - `interrupted`: the agent stopped (even kill -9) while the action ran; it is never re-run blindly.
 */
export type RemediationOutcome =
  | "skipped"
  | "dry_run"
  | "awaiting_approval"
  | "denied"
  | "expired"
  | "running"
  | "verifying"
  | "succeeded"
  | "failed"
  | "interrupted";

/** Outcomes after which a run changes no more. */
export const FINAL_OUTCOMES: readonly RemediationOutcome[] = ["skipped", "dry_run", "denied", "expired", "succeeded", "failed", "interrupted"];

/** One remediation run as the store keeps it and the API, the event stream and the TUI show it (times in ms). */
export interface RemediationRun {
  id: number;
  /** The action's name in the configuration. */
  action: string;
  kind: "exec" | "signal" | "systemd" | "http" | "cleanup";
  mode: "dry_run" | "approve" | "auto";
  /** The alert that matched: its fingerprint and labels. */
  alert: { fingerprint: string; labels: Labels };
  outcome: RemediationOutcome;
  /** Why it was skipped, denied, expired or failed; empty otherwise. */
  reason: string;
  /** What it does (or would do): the command line, the processes to signal, the files to delete... */
  plan: string;
  /** Exit code of an `exec` program, when it exited. */
  exitCode: number | null;
  /** Signal that ended an `exec` program (its time-out), when one did. */
  signal: string | null;
  /** Output of the action, cut to its cap. */
  output: string;
  /** Who approved or denied it (the API token's name, or `tui`). */
  decidedBy: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** The alert must resolve before this for the run to succeed. */
  verifyBy: number | null;
  updatedAt: number;
}

/** What an alert's notification says of the remediation tried for it: one line per run, newest first. */
export interface RemediationNote {
  action: string;
  outcome: RemediationOutcome;
  /** Why it was skipped or failed; empty otherwise. */
  reason: string;
  /** What it did or would do. */
  plan: string;
  /** ISO time of the run's last change. */
  at: string;
}

/** A note as one line of text, for chat and email: `stop-runaway: failed (the alert still fires 2m after the action)`. */
export function noteText(note: RemediationNote): string {
  return `${note.action}: ${note.outcome.replace("_", " ")}${note.reason ? ` (${note.reason})` : ""}`;
}
