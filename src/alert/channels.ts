import type { ChannelConfig } from "../config/channels.ts";
import type { Config } from "../config/schema.ts";

/** Name of the implicit channel made from the seed's `alert.webhook_url`. */
export const SEED_WEBHOOK_CHANNEL = "webhook";

/** Alertmanager expects alerts to be re-sent often; it resolves one by itself past its `endsAt`. */
const ALERTMANAGER_REPEAT_SECONDS = 60;

/**
 * Every channel of a configuration, in order: the seed's `alert.webhook_url` first (as a webhook
 * channel named `webhook` taking every alert), then `alert.channels`.
 */
export function channelsOf(config: Config): ChannelConfig[] {
  const out: ChannelConfig[] = [];
  if (config.alert.webhook_url !== undefined) {
    out.push({
      type: "webhook",
      name: SEED_WEBHOOK_CHANNEL,
      url: config.alert.webhook_url,
      severities: ["warning", "critical"],
      types: [],
      send_resolved: true,
      timeout: 10,
      headers: {},
    });
  }
  return [...out, ...config.alert.channels];
}

/**
 * How often a still-firing alert is re-sent on a channel: its own `repeat_interval`, else one
 * minute for Alertmanager (as Prometheus re-sends), else `alert.repeat_interval`.
 */
export function repeatSecondsOf(channel: ChannelConfig, config: Config): number {
  return channel.repeat_interval ?? (channel.type === "alertmanager" ? ALERTMANAGER_REPEAT_SECONDS : config.alert.repeat_interval);
}
