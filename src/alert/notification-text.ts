import { noteText } from "../contracts/remediation.ts";
import type { AlertNotice, Notification } from "./notifier.ts";

/** `FIRING` or `RESOLVED`, with the count when several alerts travel together. */
export function statusTag(n: Notification): string {
  const firing = n.alerts.filter((a) => a.status === "firing").length;
  const resolved = n.alerts.length - firing;
  const parts: string[] = [];
  if (firing > 0) parts.push(n.alerts.length > 1 ? `FIRING:${firing}` : "FIRING");
  if (resolved > 0) parts.push(n.alerts.length > 1 ? `RESOLVED:${resolved}` : "RESOLVED");
  return `${n.test ? "TEST " : ""}${parts.join(" ")}`;
}

/** One line for a subject or a chat title: `[FIRING] critical: High CPU usage: 97.00% (host-a)`. */
export function titleOf(n: Notification): string {
  const more = n.alerts.length > 1 ? ` (+${n.alerts.length - 1} more)` : "";
  return `[${statusTag(n)}] ${n.finding.severity}: ${n.finding.message}${more} on ${n.agentName}`;
}

/** The value against its threshold, in the finding's own units: `value 97.5, threshold 95`. */
export function valueLine(a: AlertNotice): string {
  return `value ${formatNumber(a.finding.value)}, threshold ${formatNumber(a.finding.threshold)}`;
}

/** The series an alert is about: `aiops_disk_used_percent{mount="/"}`. */
export function seriesOf(a: AlertNotice): string {
  const labels = Object.entries(a.finding.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
  return labels ? `${a.finding.metric}{${labels}}` : a.finding.metric;
}

/** Plain text of every alert in a notification, one block each (email body, Slack fallback). */
export function plainText(n: Notification): string {
  const lines = [titleOf(n), "", `Agent: ${n.agentName} (${n.environment})`, ""];
  for (const a of n.alerts) {
    lines.push(`${a.status === "firing" ? "FIRING" : "RESOLVED"} ${a.finding.severity} ${a.labels.alertname ?? a.finding.type}: ${a.finding.message}`);
    lines.push(`  ${valueLine(a)}`);
    lines.push(`  series: ${seriesOf(a)}`);
    lines.push(`  detector: ${a.finding.detector}, score ${formatNumber(a.finding.score)}`);
    lines.push(`  since: ${a.startsAt}${a.endsAt ? `, resolved: ${a.endsAt}` : ""}`);
    lines.push(`  fingerprint: ${a.fingerprint}`);
    for (const note of a.remediations ?? []) lines.push(`  remediation: ${noteText(note)}`);
    lines.push("");
  }
  if (n.test) lines.push("This is a test notification sent by `aiops-agent test-alert`.");
  return lines.join("\n");
}

/** A number as people read it: at most two decimals, no trailing zeros. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Math.round(v * 100) / 100);
}
