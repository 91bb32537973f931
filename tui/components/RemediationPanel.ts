import type { RemediationOutcome, RemediationRun } from "../../src/contracts/remediation.ts";
import { formatClock } from "../format.ts";
import { type Colour, type Line, line, span } from "../line.ts";
import { PanelTitle } from "./PanelTitle.ts";

/** A line under the panel's title: a question (approve run 12?), what came of a decision, or a hint. */
export interface RemediationNotice {
  text: string;
  /** `ask`: waits for y; `ok` and `error`: what the agent answered; `info`: under way, or a hint. */
  tone: "ask" | "ok" | "error" | "info";
}

export interface RemediationPanelProps {
  /** Newest first. */
  runs: readonly RemediationRun[];
  width: number;
  /** Lines, title included. */
  height: number;
  focused?: boolean;
  /** Index of the selected run: the one `a` and `d` act on, marked when the panel has the focus. */
  selected?: number;
  notice?: RemediationNotice | undefined;
}

/** Width of the outcome column: its longest word, `awaiting approval`. */
const OUTCOME_WIDTH = 17;

const OUTCOME_COLOURS: Record<RemediationOutcome, Colour | undefined> = {
  awaiting_approval: "yellow",
  running: "cyan",
  verifying: "cyan",
  succeeded: "green",
  failed: "red",
  interrupted: "red",
  dry_run: undefined,
  skipped: "gray",
  denied: "gray",
  expired: "gray",
};

const NOTICE_STYLES = { ask: { color: "yellow", bold: true }, ok: { color: "green" }, error: { color: "red" }, info: { dim: true } } as const;

/** An outcome as words: `awaiting approval`, `dry run`. */
export function outcomeWords(outcome: RemediationOutcome): string {
  return outcome.replace("_", " ");
}

/** The alert a run is for, by name. */
export function alertNameOf(run: RemediationRun): string {
  return run.alert.labels.alertname ?? `alert ${run.alert.fingerprint.slice(0, 8)}`;
}

/** What a run did or why not: the reason when there is one (skipped, denied, failed), else the plan; then exit code, signal, who decided. */
function detailOf(run: RemediationRun): string {
  const parts = [run.reason || run.plan];
  if (run.exitCode !== null) parts.push(`exit ${run.exitCode}`);
  if (run.signal !== null) parts.push(`killed by ${run.signal}`);
  if (run.decidedBy && !run.reason.includes(run.decidedBy)) parts.push(`${run.outcome === "denied" ? "denied" : "approved"} by ${run.decidedBy}`);
  return parts.filter(Boolean).join(" · ");
}

function runRow(run: RemediationRun, marked: boolean, marks: boolean): Line {
  const waiting = run.outcome === "awaiting_approval";
  return line(
    marks ? span(marked ? "› " : "  ", { color: "cyan", bold: true }) : null,
    span(formatClock(run.createdAt), { dim: true }),
    "  ",
    span(outcomeWords(run.outcome).padEnd(OUTCOME_WIDTH), { color: OUTCOME_COLOURS[run.outcome], bold: waiting }),
    "  ",
    span(run.action, { bold: true }),
    "  ",
    alertNameOf(run),
    span(`  ${detailOf(run)}`, { dim: !waiting }),
  );
}

/** Lines the panel would like, its title included: a notice line when it has one, then every run (or the line that says there is none). */
export function remediationPanelLength(runs: number, notice: boolean): number {
  return 1 + (notice ? 1 : 0) + Math.max(1, runs);
}

/**
 * The agent's remediation runs, newest first: when, the outcome (coloured: awaiting approval yellow,
 * running cyan, succeeded green, failed red, skipped, denied and expired grey), the action, the alert by
 * name, and what it runs or why it did not. With the focus, the selected run is marked and a line under
 * the title asks to confirm a decision or says what came of it.
 */
export function RemediationPanel({ runs, width, height, focused = false, selected = 0, notice }: RemediationPanelProps): Line[] {
  const waiting = runs.filter((r) => r.outcome === "awaiting_approval").length;
  const note = waiting > 0 ? `${waiting} awaiting approval` : runs.length > 0 ? `${runs.length}` : "";
  const lines: Line[] = [PanelTitle({ title: "Remediation", width, focused, note })];
  if (notice) lines.push([span(notice.text, NOTICE_STYLES[notice.tone])]);
  const rows = Math.max(0, height - lines.length);
  if (runs.length === 0) {
    lines.push([span("No remediation runs: each time an alert matches an action of remediation.actions, the run shows here.", { dim: true })]);
    return lines.slice(0, height);
  }
  const chosen = Math.max(0, Math.min(selected, runs.length - 1));
  // Scrolled so that the selected run is in view.
  const start = Math.max(0, chosen - rows + 1);
  runs.slice(start, start + rows).forEach((run, i) => lines.push(runRow(run, focused && start + i === chosen, focused)));
  return lines.slice(0, height);
}
