import type { Clock } from "../clock.ts";
import type { ActionConfig } from "../config/remediation.ts";
import { retryDelayMs } from "../alert/delivery/backoff.ts";
import type { HttpClient } from "../alert/http-client.ts";
import { createScrubber, secretTexts } from "../alert/scrub.ts";
import type { RemediationAction } from "./action.ts";

type HttpConfig = NonNullable<ActionConfig["http"]>;

export interface HttpActionDeps {
  /** The client to use (tests); by default the channels' undici client, made at the first run (TLS always verified). */
  http?: HttpClient;
  /** Extra certificate authorities to trust (the action's `ca_file`). */
  ca?: string;
  clock: Clock;
  /** Who calls, in the body. */
  agent: { name: string; environment: string };
  /** Jitter of the wait between attempts. */
  random?: () => number;
}

/** First wait between two attempts, and the longest. */
const BACKOFF = { baseMs: 1000, maxMs: 30_000 };

/**
 * Calls a runbook automation endpoint (AWX, Rundeck, StackStorm, a webhook) with the alert as JSON,
 * through the channels' own HTTP code: undici with TLS verified, the same reading of statuses (2xx done,
 * 5xx, 429 and network errors retried with backoff and Retry-After, other 4xx final), secrets struck
 * from every error. The HTTP library is loaded at the first run, not when the agent starts.
 */
export function createHttpAction(name: string, config: HttpConfig, deps: HttpActionDeps): RemediationAction {
  const url = config.url;
  if (url === undefined) throw new Error(`remediation action ${name}: url is required`);
  const scrub = createScrubber(secretTexts(Object.values(config.headers), [url]));
  const shown = (() => {
    try {
      const u = new URL(url);
      return `${u.protocol}//${u.host}/…`;
    } catch {
      return "the configured URL";
    }
  })();
  let client = deps.http;
  return {
    kind: "http",
    async prepare(alert) {
      return {
        plan: `POST the alert to ${shown} (at most ${config.attempts} attempts)`,
        async run(signal) {
          const body = JSON.stringify({
            agent_name: deps.agent.name,
            environment: deps.agent.environment,
            action: name,
            timestamp: deps.clock.wall().toISOString(),
            alert: { fingerprint: alert.fingerprint, labels: alert.labels },
          });
          const headers = { ...config.headers, "content-type": "application/json", "user-agent": "aiops-agent" };
          const lines: string[] = [];
          const { sendHttp } = await import("../alert/http-send.ts");
          client ??= (await import("../alert/http-client.ts")).createHttpClient({ clock: deps.clock, ...(deps.ca !== undefined ? { ca: deps.ca } : {}) });
          for (let attempt = 1; ; attempt++) {
            const result = await sendHttp(client, { url, headers, body, timeoutMs: config.timeout * 1000, signal }, deps.clock, scrub);
            if (result.delivered) {
              lines.push(`attempt ${attempt}: HTTP ${result.status ?? "?"}`);
              return { ok: true, reason: "", output: lines.join("\n") };
            }
            lines.push(`attempt ${attempt}: ${result.error}`);
            if (!result.retryable || attempt >= config.attempts || signal.aborted) {
              return { ok: false, reason: result.error, output: lines.join("\n") };
            }
            const wait = retryDelayMs(attempt, BACKOFF, deps.random ?? Math.random, result.retryAfterMs);
            await new Promise<void>((resolve) => {
              const cancel = deps.clock.setTimer(wait, resolve);
              signal.addEventListener("abort", () => (cancel(), resolve()), { once: true });
            });
          }
        },
      };
    },
  };
}
