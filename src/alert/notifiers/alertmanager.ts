import type { Clock } from "../../clock.ts";
import type { ChannelOf } from "../../config/channels.ts";
import { hostOf, type HttpClient } from "../http-client.ts";
import { sendHttp } from "../http-send.ts";
import type { AlertNotice, Notification, Notifier, NotifyResult } from "../notifier.ts";
import { failed } from "../notifier.ts";
import { createScrubber, secretTexts } from "../scrub.ts";

/** What the Alertmanager notifier needs beyond its channel config. */
export interface AlertmanagerDeps {
  http: HttpClient;
  /** Times the attempt; its wall time dates what is sent and reads Retry-After. */
  clock: Clock;
  /** How far ahead a firing alert's `endsAt` is set: Alertmanager resolves it by itself if the agent goes quiet. */
  endsAfterMs: number;
  /** Base URL of this agent for `generatorURL`. */
  generatorUrl: string;
}

/**
 * Prometheus Alertmanager API v2: `POST /api/v2/alerts` with every alert of the notification, sent to
 * every configured instance (instances of a cluster gossip silences and notifications, not alerts, so
 * each must receive them, as Prometheus does). Delivered only when all instances took it; a retry
 * re-sends to all, which Alertmanager merges by labels.
 */
export function createAlertmanagerNotifier(config: ChannelOf<"alertmanager">, deps: AlertmanagerDeps): Notifier {
  if (config.urls.length === 0) throw new Error(`channel ${config.name}: urls is required`);
  const scrub = createScrubber(secretTexts([], config.urls.filter((u) => new URL(u).password !== "")));
  const endpoints = config.urls.map((u) => `${u.replace(/\/+$/, "")}/api/v2/alerts`);
  return {
    name: config.name,
    type: "alertmanager",
    async send(n, signal) {
      const body = JSON.stringify(alertmanagerAlerts(n, deps.clock.wall(), deps.endsAfterMs, deps.generatorUrl));
      const headers = { "content-type": "application/json", "user-agent": "aiops-agent", "idempotency-key": n.idempotencyKey };
      const results = await Promise.all(
        endpoints.map((url) =>
          sendHttp(deps.http, { url, headers, body, timeoutMs: config.timeout * 1000, ...(signal ? { signal } : {}) }, deps.clock, scrub),
        ),
      );
      return combine(results, config.urls);
    },
    close: () => deps.http.close(),
  };
}

/** All delivered, or a failure naming each instance that did not take it; retryable if any of those is. */
function combine(results: NotifyResult[], urls: readonly string[]): NotifyResult {
  const failures = results.flatMap((r, i) => (r.delivered ? [] : [{ r, i }]));
  if (failures.length === 0) return results[0] ?? { delivered: true };
  if (results.length === 1) return failures[0]!.r;
  const error = failures.map(({ r, i }) => `urls[${i}] ${hostOf(urls[i]!)}: ${r.delivered ? "" : r.error}`).join("; ");
  const retryable = failures.some(({ r }) => !r.delivered && r.retryable);
  const retryAfters = failures.flatMap(({ r }) => (!r.delivered && r.retryAfterMs !== undefined ? [r.retryAfterMs] : []));
  const status = failures[0]!.r.delivered ? undefined : failures[0]!.r.status;
  return failed(error, retryable, status, retryAfters.length > 0 ? Math.max(...retryAfters) : undefined);
}

/** The postable alerts of a notification, as the v2 API's `PostableAlerts` schema wants them. */
export function alertmanagerAlerts(n: Notification, now: Date, endsAfterMs: number, generatorUrl: string): Array<Record<string, unknown>> {
  return n.alerts.map((a) => ({
    labels: cleanLabels(a, n),
    annotations: { ...a.annotations },
    startsAt: a.startsAt,
    endsAt: a.status === "resolved" ? resolvedEnd(a, now) : new Date(now.getTime() + endsAfterMs).toISOString(),
    generatorURL: `${generatorUrl.replace(/\/+$/, "")}/api/v1/alerts?fingerprint=${a.fingerprint}`,
  }));
}

/** Alertmanager refuses an end before the start ("start time must be before end time"). */
function resolvedEnd(a: AlertNotice, now: Date): string {
  const start = Date.parse(a.startsAt);
  const end = Date.parse(a.endsAt ?? now.toISOString());
  return new Date(Math.max(end, start + 1)).toISOString();
}

/** Alertmanager accepts only `[a-zA-Z_][a-zA-Z0-9_]*` label names, and reads an empty value as no label. */
function cleanLabels(a: AlertNotice, n: Notification): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.labels)) {
    if (v === "") continue;
    out[k.replace(/[^a-zA-Z0-9_]/g, "_").replace(/^([0-9])/, "_$1")] = v;
  }
  if (n.test) out.test = "true";
  return out;
}
