import type { Notification } from "./notifier.ts";

/**
 * The alert's name and summary out of a queued notification's payload, for readers that show
 * deliveries (the API's outbox listing, the TUI): "cpu_high: High CPU usage: 91.20%", not a fingerprint.
 */
export function alertNamesOf(payload: unknown): { alertname?: string; summary?: string } {
  const n = payload as Partial<Notification> | null;
  const alertname = n?.labels?.alertname;
  const summary = n?.annotations?.summary;
  return { ...(typeof alertname === "string" ? { alertname } : {}), ...(typeof summary === "string" ? { summary } : {}) };
}
