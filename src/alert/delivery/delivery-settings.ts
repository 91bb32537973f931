import type { Config } from "../../config/schema.ts";
import type { BackoffSettings } from "./backoff.ts";

/** How the workers deliver, from `alert.delivery` (times in ms). */
export interface DeliverySettings extends BackoffSettings {
  /** Attempts in flight at once per channel. */
  concurrency: number;
  /** A notification still undelivered this long after it was queued is dead-lettered. */
  maxAgeMs: number;
}

/** Delivery settings from the configuration. */
export function deliverySettingsOf(config: Config): DeliverySettings {
  const d = config.alert.delivery;
  return { concurrency: d.concurrency, baseMs: d.backoff_base * 1000, maxMs: d.backoff_max * 1000, maxAgeMs: d.max_age * 1000 };
}
