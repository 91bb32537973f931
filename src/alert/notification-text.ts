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
    const top = topProcessesLine(a);
    if (top) lines.push(`  top processes: ${top}`);
    const related = relatedLine(a);
    if (related) lines.push(`  with: ${related}`);
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

/**
 * The series that deviated together with an alert's own (one event, one alert), on one line:
 * `aiops_load1 3.9; aiops_pressure_stalled_percent{resource="cpu",kind="some",window="10s"} 37.88`.
 */
export function relatedLine(a: AlertNotice): string | undefined {
  const related = a.finding.related;
  if (!related || related.length === 0) return undefined;
  return related
    .map((r) => {
      const labels = Object.entries(r.labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",");
      return `${labels ? `${r.metric}{${labels}}` : r.metric} ${formatNumber(r.value)}`;
    })
    .join("; ");
}

/**
 * The processes that weighed most on an alert's resource when it fired, on one line:
 * `4242 stress (alice) 98.5% CPU 1.2 GiB; 17 postgres (postgres) 12% CPU 3.4 GiB writes 2.1 MB/s`.
 */
export function topProcessesLine(a: AlertNotice): string | undefined {
  const top = a.finding.top_processes;
  if (!top || top.length === 0) return undefined;
  return top
    .map((p) => {
      const io = [
        p.read_bytes_per_second ? `reads ${formatRate(p.read_bytes_per_second)}` : "",
        p.write_bytes_per_second ? `writes ${formatRate(p.write_bytes_per_second)}` : "",
      ].filter(Boolean);
      return [`${p.pid} ${p.name} (${p.user})`, `${formatNumber(p.cpu_percent)}% CPU`, formatBytes(p.memory_bytes), ...io].join(" ");
    })
    .join("; ");
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function formatRate(bytesPerSecond: number): string {
  const units = ["B/s", "kB/s", "MB/s", "GB/s"];
  let v = bytesPerSecond;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
