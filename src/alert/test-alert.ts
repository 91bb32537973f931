import type { ChannelType } from "../config/channels.ts";
import type { Config } from "../config/schema.ts";
import type { Finding } from "../contracts/finding.ts";
import { channelsOf } from "../config/resolved-channels.ts";
import { type NotifierDeps, createNotifiers } from "./create-notifiers.ts";
import { sha256 } from "./engine/fingerprint.ts";
import type { AlertNotice, Notification, NotifyResult } from "./notifier.ts";

/** The outcome of `test-alert` on one channel. */
export interface TestAlertResult {
  channel: string;
  type: ChannelType;
  /** True when the test notification (and its resolve, where one is sent) was delivered. */
  ok: boolean;
  /** The firing test notification. */
  result: NotifyResult;
  /** The resolve that closes what the test opened (PagerDuty incident, Alertmanager alert, ServiceNow alert). */
  resolve?: NotifyResult;
}

/** Channels where a test leaves something open unless it is resolved straight after. */
const STATEFUL: ReadonlySet<ChannelType> = new Set(["pagerduty", "alertmanager", "servicenow"]);

/**
 * `aiops-agent test-alert [--channel NAME]`: sends a test notification through every configured
 * channel, or the one named, and says per channel whether it was delivered or exactly why not.
 * Channels that keep alert state (PagerDuty, Alertmanager, ServiceNow) get a resolve right after,
 * so the test leaves nothing open. Throws when `channel` names no configured channel.
 */
export async function testAlert(
  config: Config,
  deps: NotifierDeps,
  options: { channel?: string; signal?: AbortSignal } = {},
): Promise<TestAlertResult[]> {
  const all = channelsOf(config);
  const chosen = options.channel === undefined ? all : all.filter((c) => c.name === options.channel);
  if (options.channel !== undefined && chosen.length === 0) {
    const names = all.map((c) => c.name);
    throw new Error(`no channel named ${JSON.stringify(options.channel)}; configured: ${names.length > 0 ? names.join(", ") : "none"}`);
  }
  const notifiers = createNotifiers(config, deps);
  try {
    return await Promise.all(
      chosen.map(async (c) => {
        const notifier = notifiers.get(c.name)!;
        const firing = testNotification(config, c.name, deps.clock.wall(), "firing");
        const result = await notifier.send(firing, options.signal);
        if (!result.delivered || !STATEFUL.has(c.type)) return { channel: c.name, type: c.type, ok: result.delivered, result };
        const resolve = await notifier.send(testNotification(config, c.name, deps.clock.wall(), "resolved", firing.startsAt), options.signal);
        return { channel: c.name, type: c.type, ok: resolve.delivered, result, resolve };
      }),
    );
  } finally {
    await Promise.all([...notifiers.values()].map((n) => n.close()));
  }
}

/** One line per channel for the CLI: `ok  pd (pagerduty): delivered (HTTP 202)` or the failure. */
export function describeTestAlertResult(r: TestAlertResult): string {
  const describe = (x: NotifyResult) =>
    x.delivered
      ? `delivered${x.status !== undefined ? ` (${r.type === "email" ? "SMTP" : "HTTP"} ${x.status})` : ""}`
      : `failed${x.retryable ? " (retryable)" : ""}: ${x.error}${x.retryAfterMs !== undefined ? ` (retry after ${Math.ceil(x.retryAfterMs / 1000)}s)` : ""}`;
  const resolve = r.resolve ? `; resolve ${describe(r.resolve)}` : "";
  return `${r.ok ? "ok  " : "FAIL"} ${r.channel} (${r.type}): ${describe(r.result)}${resolve}`;
}

/** The synthetic notification of a test: alert type `aiops_test`, severity warning, marked `test`. */
export function testNotification(config: Config, channel: string, at: Date, status: "firing" | "resolved", startsAt?: string): Notification {
  const { name: agentName, environment } = config.agent;
  const finding: Finding = {
    type: "aiops_test",
    severity: "warning",
    message: "Test notification from aiops-agent",
    value: 0,
    threshold: 0,
    metric: "aiops_test",
    labels: {},
    detector: "test-alert",
    score: 0,
    timestamp: at.toISOString(),
  };
  const fingerprint = sha256(`aiops_test/${agentName}`).slice(0, 16);
  const alert: AlertNotice = {
    fingerprint,
    status,
    labels: { alertname: "aiops_test", metric: "aiops_test", severity: "warning", agent: agentName, environment },
    annotations: { summary: finding.message, description: "Sent by `aiops-agent test-alert` to check this channel." },
    finding,
    startsAt: startsAt ?? at.toISOString(),
    ...(status === "resolved" ? { endsAt: at.toISOString() } : {}),
  };
  return {
    ...alert,
    idempotencyKey: sha256(`${agentName}/${channel}/test/${status}/${at.toISOString()}`).slice(0, 32),
    channel,
    agentName,
    environment,
    test: true,
    createdAt: at.toISOString(),
    alerts: [alert],
  };
}
