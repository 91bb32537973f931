import type { Config } from "../../config/schema.ts";
import { channelsOf } from "../../config/resolved-channels.ts";
import type { Notifier } from "../notifier.ts";

/** A channel the workers deliver to: its notifier and the time-out of one attempt. */
export interface DeliveryChannel {
  notifier: Notifier;
  timeoutMs: number;
}

/** The channels of a configuration with their notifiers (as `createNotifiers` made them, by name). */
export function deliveryChannelsOf(config: Config, notifiers: ReadonlyMap<string, Notifier>): Map<string, DeliveryChannel> {
  const out = new Map<string, DeliveryChannel>();
  for (const c of channelsOf(config)) {
    const notifier = notifiers.get(c.name);
    if (notifier) out.set(c.name, { notifier, timeoutMs: c.timeout * 1000 });
  }
  return out;
}
