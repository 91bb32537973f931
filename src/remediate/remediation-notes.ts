import type { Database } from "bun:sqlite";
import type { AlertNotice } from "../alert/notifier.ts";
import type { RemediationNote } from "../contracts/remediation.ts";
import { remediationRunsOfAlert } from "../store/remediation-runs.ts";

/** Most runs a notification lists for one alert. */
const MAX_NOTES = 5;

/**
 * Adds to an alert's notice what remediation tried for it in this episode (since it started firing):
 * so the next notification of an alert whose action failed says what was tried and how it went.
 */
export function annotateWithRemediation(db: Database, notice: AlertNotice): AlertNotice {
  const since = Date.parse(notice.startsAt);
  const runs = remediationRunsOfAlert(db, notice.fingerprint, Number.isFinite(since) ? since : 0, MAX_NOTES);
  if (runs.length === 0) return notice;
  const remediations: RemediationNote[] = runs.map((r) => ({ action: r.action, outcome: r.outcome, reason: r.reason, plan: r.plan, at: new Date(r.updatedAt).toISOString() }));
  return { ...notice, remediations };
}
