import type { Finding } from "../../contracts/finding.ts";
import type { AlertNotice, AlertStatus } from "../notifier.ts";
import type { AlertRecord } from "./engine-state.ts";

/** An alert as a notification carries it: labels, annotations (summary, description), its times. */
export function noticeOf(a: AlertRecord, status: AlertStatus): AlertNotice {
  return {
    fingerprint: a.fingerprint,
    status,
    labels: { ...a.labels },
    annotations: annotationsOf(a.finding),
    finding: a.finding,
    startsAt: episodeStartOf(a),
    ...(status === "resolved" && a.resolvedAt !== undefined ? { endsAt: iso(a.resolvedAt) } : {}),
  };
}

/** When the alert's current episode started firing (ISO): what tells its notices from an earlier episode's. */
export function episodeStartOf(a: AlertRecord): string {
  return iso(a.firedAt ?? a.activeAt);
}

/**
 * The idempotency key of one notice: the agent, the alert and its episode (when it fired), the
 * channel, the status and which firing notice of the episode it is. Every attempt at the same notice
 * carries the same key, and a repeat or an escalation is a new one.
 */
export function noticeKeyOf(a: AlertRecord, agentName: string, channel: string, status: AlertStatus, seq: number, hash: (text: string) => string): string {
  return hash(JSON.stringify([agentName, a.fingerprint, channel, status, a.firedAt ?? a.activeAt, seq])).slice(0, 32);
}

function annotationsOf(f: Finding): Record<string, string> {
  return {
    summary: f.message,
    description: `${f.message} (value ${round(f.value)}, threshold ${round(f.threshold)}, detector ${f.detector}, score ${round(f.score)})`,
    value: String(f.value),
    threshold: String(f.threshold),
  };
}

function round(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
