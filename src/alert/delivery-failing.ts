import { channelsOf } from "../config/resolved-channels.ts";
import type { Config } from "../config/schema.ts";
import type { DeliveryAttempt } from "../contracts/delivery.ts";
import type { Finding } from "../contracts/finding.ts";
import type { SelfFindingSource } from "../detect/self-findings-stage.ts";
import type { EventBus } from "../event-bus.ts";
import { componentLogger, type Logger } from "../log.ts";
import { failingChannels } from "../store/delivery-attempts.ts";
import type { Store } from "../store/store.ts";
import { ABOUT_CHANNEL_LABEL } from "./channel-routing.ts";

/** The finding type (and so the alert name) of a channel that has failed for a while. */
export const DELIVERY_FAILING = "delivery_failing";

/** How long a channel must have failed every attempt before the agent says so through its other channels. */
export const DELIVERY_FAILING_AFTER_MS = 5 * 60_000;

/** What is known of a channel that has failed since its last delivery. */
export interface ChannelFailing {
  /** When its first failed attempt since its last delivery ended (ms). */
  since: number;
  attempts: number;
  lastError: string;
}

/** What the watch works with. */
export interface DeliveryFailingOptions {
  /** Where the delivery workers publish each attempt as it ends. */
  events: EventBus;
  /** The channels configured now: only they are followed (a removed channel delivers nothing more). */
  config: Config;
  /** The outbox's attempt log, read once at creation so that a restart keeps what was failing. */
  store: Store;
  /** The root logger; the watch logs as `aiops_agent.alert`. */
  log: Logger;
  afterMs?: number;
}

/** The watch, and what it knows (for tests and the API). */
export interface DeliveryFailingWatch extends SelfFindingSource {
  /** Channels failing now, by name. */
  failing(): ReadonlyMap<string, ChannelFailing>;
}

/**
 * The agent's meta-alert (Alertmanager users know it as the watchdog pattern): a channel whose every
 * delivery attempt has failed for `afterMs` (5 minutes) becomes a `delivery_failing` finding labelled
 * with the channel's name, which the routing step never sends to that channel, so the alert engine
 * tells the other channels that alerts are not reaching this one. It follows the delivery attempts on
 * the event bus; the channel's next delivery ends the finding, and the alert resolves.
 *
 * At creation it rebuilds what was failing from the attempts the outbox recorded in the store, so a
 * restart neither restarts the 5 minutes nor resolves an alert that was firing. The agent asks it once a
 * tick, through the self-findings stage, before the alert stage.
 */
export function createDeliveryFailingWatch(options: DeliveryFailingOptions): DeliveryFailingWatch {
  const { events } = options;
  const log = componentLogger(options.log, "alert");
  const afterMs = options.afterMs ?? DELIVERY_FAILING_AFTER_MS;
  let configured = channelNames(options.config);
  const failing = new Map<string, ChannelFailing>();

  // Read and subscribe with nothing between: no attempt is missed or counted twice.
  try {
    for (const r of options.store.read((db) => failingChannels(db))) {
      if (configured.has(r.channel)) failing.set(r.channel, { since: r.since, attempts: r.attempts, lastError: errorText(r.lastError, r.lastHttpStatus) });
    }
  } catch (cause) {
    log.error({ err: cause }, "Could not read the delivery attempts of the last run: channels failing before the restart count their 5 minutes again");
  }
  const unsubscribe = events.subscribe((event) => {
    if (event.type === "delivery") note(event.delivery);
  });

  function note(d: DeliveryAttempt): void {
    if (!configured.has(d.channel)) return;
    if (d.outcome === "delivered") {
      failing.delete(d.channel);
      return;
    }
    const known = failing.get(d.channel);
    const error = errorText(d.error, d.httpStatus);
    if (known) {
      known.attempts++;
      known.lastError = error;
    } else {
      failing.set(d.channel, { since: d.ts, attempts: 1, lastError: error });
    }
  }

  return {
    findings(time) {
      const out: Finding[] = [];
      for (const [channel, f] of failing) {
        const forMs = time - f.since;
        if (forMs >= afterMs) out.push(findingOf(channel, f, forMs, afterMs, time));
      }
      return out;
    },
    reload(config) {
      configured = channelNames(config);
      for (const channel of failing.keys()) if (!configured.has(channel)) failing.delete(channel);
    },
    failing: () => failing,
    close() {
      unsubscribe();
    },
  };
}

function channelNames(config: Config): Set<string> {
  return new Set(channelsOf(config).map((c) => c.name));
}

function errorText(error: string | null, httpStatus: number | null): string {
  return error ?? (httpStatus !== null ? `HTTP ${httpStatus}` : "failed");
}

function findingOf(channel: string, f: ChannelFailing, forMs: number, afterMs: number, time: number): Finding {
  return {
    type: DELIVERY_FAILING,
    severity: "critical",
    message: `Alert channel ${channel} has failed every delivery for ${minutes(forMs)} (${f.attempts} attempts): ${f.lastError}`,
    value: Math.round(forMs / 1000),
    threshold: afterMs / 1000,
    metric: "aiops_notifications_failed_total",
    labels: { [ABOUT_CHANNEL_LABEL]: channel },
    detector: "delivery",
    score: 1,
    timestamp: new Date(time).toISOString(),
  };
}

function minutes(ms: number): string {
  const m = Math.floor(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m}m`;
}
