import { createHmac } from "node:crypto";
import type { Clock } from "../../clock.ts";
import type { ChannelOf } from "../../config/channels.ts";
import type { HttpClient } from "../http-client.ts";
import { sendHttp } from "../http-send.ts";
import type { AlertNotice, Notification, Notifier } from "../notifier.ts";
import { createScrubber, secretTexts } from "../scrub.ts";

/** What the webhook notifier needs beyond its channel config. */
export interface WebhookDeps {
  http: HttpClient;
  /** Times the attempt; its wall time dates what is sent and reads Retry-After. */
  clock: Clock;
}

/** Header of a signed webhook: receivers check `sha256=HMAC(secret, "<timestamp>.<body>")`. */
export const SIGNATURE_HEADER = "x-aiops-signature";
/** Header with the Unix time (seconds) that the signature covers, so receivers can refuse replays. */
export const TIMESTAMP_HEADER = "x-aiops-timestamp";

/**
 * The generic JSON webhook: POSTs the DESIGN.md body (`agent_name`, `environment`, `timestamp`,
 * `anomaly`) plus `status` and the alert's identity; `alerts` lists every alert of a grouped
 * notification. With a secret, each request is signed over its timestamp and body, so a receiver can
 * reject forgeries and replays.
 */
export function createWebhookNotifier(config: ChannelOf<"webhook">, deps: WebhookDeps): Notifier {
  const url = config.url;
  if (url === undefined) throw new Error(`channel ${config.name}: url is required`);
  const scrub = createScrubber(secretTexts([config.secret, ...Object.values(config.headers)], [url]));
  return {
    name: config.name,
    type: "webhook",
    async send(n, signal) {
      const body = JSON.stringify(webhookBody(n));
      const headers: Record<string, string> = {
        ...config.headers,
        "content-type": "application/json",
        "user-agent": "aiops-agent",
        "idempotency-key": n.idempotencyKey,
      };
      if (config.secret !== undefined) {
        const timestamp = String(Math.floor(deps.clock.wall().getTime() / 1000));
        headers[TIMESTAMP_HEADER] = timestamp;
        headers[SIGNATURE_HEADER] = `sha256=${signWebhook(config.secret, timestamp, body)}`;
      }
      return sendHttp(deps.http, { url, headers, body, timeoutMs: config.timeout * 1000, ...(signal ? { signal } : {}) }, deps.clock, scrub);
    },
    close: () => deps.http.close(),
  };
}

/** The HMAC-SHA256 hex digest a receiver recomputes to trust a body. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** The JSON body: the shape of DESIGN.md first (agent_name, environment, timestamp, anomaly), then what a lifecycle adds. */
export function webhookBody(n: Notification): Record<string, unknown> {
  return {
    agent_name: n.agentName,
    environment: n.environment,
    timestamp: n.createdAt,
    anomaly: n.finding,
    status: n.status,
    fingerprint: n.fingerprint,
    labels: n.labels,
    annotations: n.annotations,
    starts_at: n.startsAt,
    ...(n.endsAt ? { ends_at: n.endsAt } : {}),
    idempotency_key: n.idempotencyKey,
    test: n.test,
    ...(n.remediations ? { remediations: n.remediations } : {}),
    alerts: n.alerts.map(alertEntry),
  };
}

function alertEntry(a: AlertNotice): Record<string, unknown> {
  return {
    status: a.status,
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    starts_at: a.startsAt,
    ...(a.endsAt ? { ends_at: a.endsAt } : {}),
    anomaly: a.finding,
    ...(a.remediations ? { remediations: a.remediations } : {}),
  };
}
