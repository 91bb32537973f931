import type { Clock } from "../../clock.ts";
import type { ChannelOf } from "../../config/channels.ts";
import { formatNumber, relatedLine, seriesOf, titleOf, topProcessesLine } from "../notification-text.ts";
import { noteText } from "../../contracts/remediation.ts";
import type { HttpClient } from "../http-client.ts";
import { sendHttp } from "../http-send.ts";
import type { AlertNotice, Notification, Notifier } from "../notifier.ts";
import { createScrubber, secretTexts } from "../scrub.ts";

/** What the Slack notifier needs beyond its channel config. */
export interface SlackDeps {
  http: HttpClient;
  /** Times the attempt; its wall time dates what is sent and reads Retry-After. */
  clock: Clock;
}

/** Attachment colours: red for critical, amber for warning, green once resolved. */
export const SLACK_COLOURS = { critical: "#d00000", warning: "#daa038", resolved: "#2eb886" } as const;

/** Slack shows at most this many attachments readably; the rest are counted in the last one. */
const MAX_ATTACHMENTS = 20;

/**
 * A Slack incoming webhook: one message per notification, one coloured attachment per alert with
 * its value, threshold, series and host. Slack answers 200 `ok`, or 4xx with a reason
 * (`invalid_payload`, `no_service`, `channel_is_archived`) that becomes the error.
 */
export function createSlackNotifier(config: ChannelOf<"slack">, deps: SlackDeps): Notifier {
  const url = config.url;
  if (url === undefined) throw new Error(`channel ${config.name}: url is required`);
  const scrub = createScrubber(secretTexts([], [url]));
  return {
    name: config.name,
    type: "slack",
    send(n, signal) {
      const body = JSON.stringify(slackMessage(n));
      // Slack ignores it, but a proxy or a recording receiver in between can drop duplicates by it.
      const headers = { "content-type": "application/json", "user-agent": "aiops-agent", "idempotency-key": n.idempotencyKey };
      return sendHttp(deps.http, { url, headers, body, timeoutMs: config.timeout * 1000, ...(signal ? { signal } : {}) }, deps.clock, scrub);
    },
    close: () => deps.http.close(),
  };
}

/** The Slack message of a notification (exported for tests and for a preview in the TUI). */
export function slackMessage(n: Notification): Record<string, unknown> {
  const shown = n.alerts.slice(0, MAX_ATTACHMENTS);
  const attachments = shown.map((a) => attachment(a, n));
  const hidden = n.alerts.length - shown.length;
  if (hidden > 0) attachments.push({ color: "#808080", text: `…and ${hidden} more alerts`, fields: [], mrkdwn_in: [] });
  return { text: titleOf(n), attachments };
}

function attachment(a: AlertNotice, n: Notification): Record<string, unknown> {
  const colour = a.status === "resolved" ? SLACK_COLOURS.resolved : SLACK_COLOURS[a.finding.severity];
  const state = a.status === "resolved" ? "Resolved" : a.finding.severity === "critical" ? "Critical" : "Warning";
  return {
    color: colour,
    fallback: `${state}: ${a.finding.message} on ${n.agentName}`,
    title: `${state}: ${a.finding.message}`,
    text: `\`${seriesOf(a)}\` on *${n.agentName}* (${n.environment})${n.test ? " — test notification" : ""}`,
    fields: [
      { title: "Value", value: formatNumber(a.finding.value), short: true },
      { title: "Threshold", value: formatNumber(a.finding.threshold), short: true },
      { title: "Type", value: a.finding.type, short: true },
      { title: a.status === "resolved" ? "Resolved" : "Since", value: a.endsAt ?? a.startsAt, short: true },
      ...topProcessesField(a),
      ...relatedField(a),
      ...(a.remediations?.length ? [{ title: "Remediation", value: a.remediations.map(noteText).join("\n"), short: false }] : []),
    ],
    footer: `aiops-agent · ${a.finding.detector} · ${a.fingerprint}`,
    ts: Math.floor(Date.parse(a.endsAt ?? a.startsAt) / 1000),
    mrkdwn_in: ["text"],
  };
}

/** The series that deviated with the alert's own, when it stands for several. */
function relatedField(a: AlertNotice): Array<Record<string, unknown>> {
  const line = relatedLine(a);
  return line ? [{ title: "Related series", value: line, short: false }] : [];
}

/** The root-cause line, when the alert has one. */
function topProcessesField(a: AlertNotice): Array<Record<string, unknown>> {
  const line = topProcessesLine(a);
  return line ? [{ title: "Top processes", value: line, short: false }] : [];
}
