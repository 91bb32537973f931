import { finding } from "../support/findings.ts";
import type { AlertNotice, Notification } from "../../src/alert/notifier.ts";

export { finding };


/** A notification of one alert (or of the given alerts) for notifier tests. */
export function notification(over: Partial<Notification> = {}, alerts?: AlertNotice[]): Notification {
  const f = over.finding ?? finding();
  const alert: AlertNotice = {
    fingerprint: over.fingerprint ?? "0123456789abcdef",
    status: over.status ?? "firing",
    labels: over.labels ?? { alertname: f.type, metric: f.metric, severity: f.severity, agent: "host-a", environment: "test" },
    annotations: over.annotations ?? { summary: f.message, description: `${f.message} (value 85.5, threshold 80)` },
    finding: f,
    startsAt: over.startsAt ?? "2026-01-10T08:00:00.000Z",
    ...(over.endsAt ? { endsAt: over.endsAt } : {}),
  };
  const list = alerts ?? [alert];
  return {
    ...alert,
    ...list[0]!,
    idempotencyKey: "key-0001",
    channel: "test",
    agentName: "host-a",
    environment: "test",
    test: false,
    createdAt: "2026-01-10T08:00:05.000Z",
    ...over,
    alerts: list,
  };
}

import type { ChannelOf, ChannelType } from "../../src/config/channels.ts";
import { type Config, configSchema } from "../../src/config/schema.ts";

/** A channel as the configuration would give it, defaults filled by the real schema. */
export function channel<T extends ChannelType>(raw: { type: T } & Record<string, unknown>): ChannelOf<T> {
  return configFor({ channels: [{ name: "test", ...raw }] }).alert.channels[0] as ChannelOf<T>;
}

/** A whole configuration with the given `alert` section (agent host-a, environment test). */
export function configFor(alert: Record<string, unknown>, extra: Record<string, unknown> = {}): Config {
  return configSchema().parse({ agent: { name: "host-a", environment: "test" }, alert, ...extra });
}
