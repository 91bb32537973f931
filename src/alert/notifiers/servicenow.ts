import type { Clock } from "../../clock.ts";
import type { ChannelOf } from "../../config/channels.ts";
import { seriesOf, valueLine } from "../notification-text.ts";
import type { HttpClient } from "../http-client.ts";
import { sendHttp } from "../http-send.ts";
import type { AlertNotice, Notification, Notifier } from "../notifier.ts";
import { createScrubber, secretTexts } from "../scrub.ts";

/** What the ServiceNow notifier needs beyond its channel config. */
export interface ServiceNowDeps {
  http: HttpClient;
  /** Times the attempt; its wall time dates what is sent and reads Retry-After. */
  clock: Clock;
}

/** The Event Management endpoint that takes a batch of em_event records. */
export const SERVICENOW_EVENTS_PATH = "/api/global/em/jsonv2";

/** em_event severities: 1 critical, 4 warning; 0 clears the alert the earlier events opened. */
const SEVERITY = { critical: "1", warning: "4", clear: "0" } as const;

/**
 * ServiceNow Event Management: one POST of `{ records: [...] }`, an em_event per alert. Every event of
 * an alert has the same `message_key`, so ServiceNow folds its repeats and its clear into one alert.
 * Basic authentication (username, password) or an OAuth bearer token.
 */
export function createServiceNowNotifier(config: ChannelOf<"servicenow">, deps: ServiceNowDeps): Notifier {
  if (config.url === undefined) throw new Error(`channel ${config.name}: url is required`);
  const endpoint = `${config.url.replace(/\/+$/, "")}${SERVICENOW_EVENTS_PATH}`;
  let authorization: string;
  if (config.token !== undefined) authorization = `Bearer ${config.token}`;
  else if (config.username !== undefined && config.password !== undefined) {
    authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`;
  } else throw new Error(`channel ${config.name}: token, or username and password, is required`);
  const scrub = createScrubber(secretTexts([config.token, config.password, authorization, authorization.replace(/^\w+ /, "")], []));
  return {
    name: config.name,
    type: "servicenow",
    send(n, signal) {
      const body = JSON.stringify({ records: n.alerts.map((a) => serviceNowEvent(a, n, config.source, config.event_class)) });
      const headers = {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "aiops-agent",
        authorization,
        "idempotency-key": n.idempotencyKey,
      };
      return sendHttp(deps.http, { url: endpoint, headers, body, timeoutMs: config.timeout * 1000, ...(signal ? { signal } : {}) }, deps.clock, scrub);
    },
    close: () => deps.http.close(),
  };
}

/** One em_event record. */
export function serviceNowEvent(a: AlertNotice, n: Notification, source: string, eventClass: string): Record<string, string> {
  const resolved = a.status === "resolved";
  return {
    source,
    event_class: eventClass,
    node: n.agentName,
    resource: seriesOf(a),
    metric_name: a.finding.metric,
    type: a.finding.type,
    severity: resolved ? SEVERITY.clear : SEVERITY[a.finding.severity],
    message_key: `aiops-agent/${n.agentName}/${a.fingerprint}`,
    description: `${n.test ? "[TEST] " : ""}${resolved ? "Resolved: " : ""}${a.finding.message} (${valueLine(a)})`,
    time_of_event: serviceNowTime(a.endsAt ?? a.startsAt),
    additional_info: JSON.stringify({
      environment: n.environment,
      labels: a.labels,
      value: a.finding.value,
      threshold: a.finding.threshold,
      detector: a.finding.detector,
      score: a.finding.score,
      fingerprint: a.fingerprint,
      test: n.test,
    }),
  };
}

/** ServiceNow's event time: `yyyy-MM-dd HH:mm:ss` in UTC. */
function serviceNowTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace("T", " ");
}
