import { type ChannelConfig, channelSchema } from "./channels.ts";
import type { Config } from "./schema.ts";

/** Name of the implicit webhook channel made from `alert.webhook_url` (`AIOPS_WEBHOOK_URL`). */
export const IMPLICIT_WEBHOOK_CHANNEL = "webhook";

/** Alertmanager expects alerts to be re-sent often; it resolves one by itself past its `endsAt`. */
const ALERTMANAGER_REPEAT_SECONDS = 60;

/** Resolved once per configuration object: a reload brings a new object, and with it a new list. */
const resolved = new WeakMap<Config, readonly ChannelConfig[]>();

/**
 * Every channel of a configuration, in order: `alert.webhook_url` first, as a webhook channel named
 * `webhook` with every default of a configured webhook channel (it takes every alert), then
 * `alert.channels`. The one list the notifiers, the routing, the workers and `test-alert` all use.
 */
export function channelsOf(config: Config): readonly ChannelConfig[] {
  let channels = resolved.get(config);
  if (!channels) {
    const implicit =
      config.alert.webhook_url !== undefined ? [channelSchema().parse({ type: "webhook", name: IMPLICIT_WEBHOOK_CHANNEL, url: config.alert.webhook_url })] : [];
    channels = Object.freeze([...implicit, ...config.alert.channels]);
    resolved.set(config, channels);
  }
  return channels;
}

/**
 * How often a still-firing alert is re-sent on a channel: its own `repeat_interval`, else one
 * minute for Alertmanager (as Prometheus re-sends), else `alert.repeat_interval`.
 */
export function repeatSecondsOf(channel: ChannelConfig, config: Config): number {
  return channel.repeat_interval ?? (channel.type === "alertmanager" ? ALERTMANAGER_REPEAT_SECONDS : config.alert.repeat_interval);
}
