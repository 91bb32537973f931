import type { Clock } from "../../clock.ts";
import type { ChannelOf } from "../../config/channels.ts";
import { relatedLine, seriesOf, topProcessesLine } from "../notification-text.ts";
import { noteText } from "../../contracts/remediation.ts";
import type { HttpClient } from "../http-client.ts";
import { sendHttp } from "../http-send.ts";
import type { AlertNotice, Notification, Notifier, NotifyResult } from "../notifier.ts";
import { createScrubber, secretTexts } from "../scrub.ts";

/** What the PagerDuty notifier needs beyond its channel config. */
export interface PagerDutyDeps {
  http: HttpClient;
  /** Times the attempt; its wall time dates what is sent and reads Retry-After. */
  clock: Clock;
}

/**
 * PagerDuty Events API v2. Each alert is one event (PagerDuty takes one per request): `trigger` while
 * firing, `resolve` once resolved, both under the same `dedup_key`, stable for the life of the alert,
 * so a retry or a repeat updates the open incident instead of opening another. A failure of any event
 * fails the notification; re-sending the others is harmless for the same reason.
 */
export function createPagerDutyNotifier(config: ChannelOf<"pagerduty">, deps: PagerDutyDeps): Notifier {
  const routingKey = config.routing_key;
  if (routingKey === undefined) throw new Error(`channel ${config.name}: routing_key is required`);
  const scrub = createScrubber(secretTexts([routingKey], []));
  return {
    name: config.name,
    type: "pagerduty",
    async send(n, signal) {
      let last: NotifyResult = { delivered: true };
      for (const [i, alert] of n.alerts.entries()) {
        const body = JSON.stringify(pagerDutyEvent(alert, n, routingKey));
        const headers = { "content-type": "application/json", "user-agent": "aiops-agent" };
        const result = await sendHttp(
          deps.http,
          { url: config.events_url, headers, body, timeoutMs: config.timeout * 1000, ...(signal ? { signal } : {}) },
          deps.clock,
          scrub,
        );
        if (!result.delivered) {
          return n.alerts.length > 1 ? { ...result, error: `event ${i + 1} of ${n.alerts.length}: ${result.error}` } : result;
        }
        last = result;
      }
      return last;
    },
    close: () => deps.http.close(),
  };
}

/** The dedup_key of an alert: the same for its trigger, its repeats and its resolve, unique per host. */
export function pagerDutyDedupKey(agentName: string, fingerprint: string): string {
  return `aiops-agent/${agentName}/${fingerprint}`.slice(0, 255);
}

/** One Events API v2 event. */
export function pagerDutyEvent(a: AlertNotice, n: Notification, routingKey: string): Record<string, unknown> {
  const dedup_key = pagerDutyDedupKey(n.agentName, a.fingerprint);
  if (a.status === "resolved") return { routing_key: routingKey, event_action: "resolve", dedup_key };
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key,
    client: "aiops-agent",
    payload: {
      summary: `${n.test ? "[TEST] " : ""}${a.finding.message} on ${n.agentName}`.slice(0, 1024),
      source: n.agentName,
      severity: a.finding.severity,
      timestamp: a.startsAt,
      component: a.finding.metric,
      group: n.environment,
      class: a.finding.type,
      custom_details: {
        value: a.finding.value,
        threshold: a.finding.threshold,
        series: seriesOf(a),
        detector: a.finding.detector,
        score: a.finding.score,
        labels: a.labels,
        fingerprint: a.fingerprint,
        environment: n.environment,
        test: n.test,
        ...(topProcessesLine(a) ? { top_processes: topProcessesLine(a) } : {}),
        ...(relatedLine(a) ? { related: relatedLine(a) } : {}),
        ...(a.remediations?.length ? { remediation: a.remediations.map(noteText) } : {}),
      },
    },
  };
}
