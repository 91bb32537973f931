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

/** Notifications one member may have waiting behind the one in flight; past it the oldest waiting is skipped. */
const MEMBER_BACKLOG = 256;

/** One Alertmanager instance: its endpoint and the lane that sends to it, one request at a time, in order. */
interface Member {
  url: string;
  endpoint: string;
  tail: Promise<unknown>;
  waiting: number;
}

/**
 * Prometheus Alertmanager API v2: `POST /api/v2/alerts` with every alert of the notification, sent to
 * every configured instance, as Prometheus does: instances of a cluster gossip silences and what they
 * notified, not alerts, so each must receive them (the cluster then notifies once).
 *
 * Each instance has its own lane: its requests go one at a time, in order (a resolve never overtakes
 * its firing at an instance), and a down or slow instance delays nothing for the others. The
 * notification is delivered as soon as one instance took it (the cluster has the alert); the others
 * still receive it on their lanes. It fails, for the outbox to retry, only when no instance took it.
 * An instance that missed a firing alert gets it with the next repeat (every minute by default), and
 * one that missed a resolve resolves the alert by itself at its `endsAt`.
 */
export function createAlertmanagerNotifier(config: ChannelOf<"alertmanager">, deps: AlertmanagerDeps): Notifier {
  if (config.urls.length === 0) throw new Error(`channel ${config.name}: urls is required`);
  const scrub = createScrubber(secretTexts([], config.urls.filter((u) => new URL(u).password !== "")));
  const members: Member[] = config.urls.map((url) => ({ url, endpoint: `${url.replace(/\/+$/, "")}/api/v2/alerts`, tail: Promise.resolve(), waiting: 0 }));
  const closing = new AbortController();

  /** Queues one request on a member's lane; resolves with its outcome. */
  const onLane = (m: Member, body: string, key: string): Promise<NotifyResult> => {
    if (m.waiting >= MEMBER_BACKLOG) return Promise.resolve(failed(`${hostOf(m.url)}: ${MEMBER_BACKLOG} notifications already waiting for it`, true));
    m.waiting++;
    const headers = { "content-type": "application/json", "user-agent": "aiops-agent", "idempotency-key": key };
    const result = m.tail.then(() => {
      m.waiting--;
      if (closing.signal.aborted) return failed("cancelled: the channel is closing", true);
      return sendHttp(deps.http, { url: m.endpoint, headers, body, timeoutMs: config.timeout * 1000, signal: closing.signal }, deps.clock, scrub);
    });
    m.tail = result;
    return result;
  };

  return {
    name: config.name,
    type: "alertmanager",
    send(n, signal) {
      const body = JSON.stringify(alertmanagerAlerts(n, deps.clock.wall(), deps.endsAfterMs, deps.generatorUrl));
      const outcome = firstDelivered(members.map((m) => onLane(m, body, n.idempotencyKey)), config.urls);
      if (!signal) return outcome;
      // The outbox giving up on this attempt (shutdown) gets its answer now; the lanes go on.
      return Promise.race([
        outcome,
        new Promise<NotifyResult>((resolve) => {
          const cancel = () => resolve(failed("cancelled", true));
          if (signal.aborted) cancel();
          else signal.addEventListener("abort", cancel, { once: true });
        }),
      ]);
    },
    async close() {
      closing.abort(new Error("the channel is closing"));
      await Promise.allSettled(members.map((m) => m.tail));
      await deps.http.close();
    },
  };
}

/** Delivered once any member took it; otherwise, when all have answered, the failures combined. */
function firstDelivered(attempts: Array<Promise<NotifyResult>>, urls: readonly string[]): Promise<NotifyResult> {
  return new Promise((resolve) => {
    const results: NotifyResult[] = [];
    let settled = 0;
    attempts.forEach((attempt, i) => {
      void attempt.then((r) => {
        results[i] = r;
        settled++;
        if (r.delivered) resolve(r);
        else if (settled === attempts.length) resolve(combine(results, urls));
      });
    });
  });
}

/** A failure naming each instance that did not take it; retryable if any of those is. */
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
