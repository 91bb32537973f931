import type { DeliveryAttempt } from "../contracts/delivery.ts";
import type { Finding } from "../contracts/finding.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";
import type { EventBus } from "../event-bus.ts";

/** The finding type (and so the alert name) of a channel that has failed for a while. */
export const DELIVERY_FAILING = "delivery_failing";

/** How long a channel must have failed every attempt before the agent says so through its other channels. */
export const DELIVERY_FAILING_AFTER_MS = 5 * 60_000;

/** What is known of a channel that has failed since its last delivery. */
interface Failing {
  since: number;
  attempts: number;
  lastError: string;
}

/** The stage, and what it knows (for tests and the API). */
export interface DeliveryFailingStage extends TickStage {
  /** Channels failing now, with the time of their first failure since their last delivery. */
  failing(): ReadonlyMap<string, { since: number; attempts: number; lastError: string }>;
}

/**
 * The agent's meta-alert (Alertmanager users know it as the watchdog pattern): a channel whose every
 * delivery attempt has failed for `afterMs` (5 minutes) becomes a `delivery_failing` finding, so the
 * alert engine tells the other channels that alerts are not reaching this one. It follows the delivery
 * attempts on the event bus; the channel's next delivery ends the finding, and the alert resolves.
 * Runs after detection and history (it is not a host anomaly) and before the alert stage.
 */
export function createDeliveryFailingStage(events: EventBus, afterMs = DELIVERY_FAILING_AFTER_MS): DeliveryFailingStage {
  const failing = new Map<string, Failing>();
  const unsubscribe = events.subscribe((event) => {
    if (event.type === "delivery") note(event.delivery);
  });

  function note(d: DeliveryAttempt): void {
    if (d.outcome === "delivered") {
      failing.delete(d.channel);
      return;
    }
    const known = failing.get(d.channel);
    const error = d.error ?? (d.httpStatus !== null ? `HTTP ${d.httpStatus}` : "failed");
    if (known) {
      known.attempts++;
      known.lastError = error;
    } else {
      failing.set(d.channel, { since: d.ts, attempts: 1, lastError: error });
    }
  }

  return {
    name: "delivery-failing",
    run(tick: TickContext): void {
      for (const [channel, f] of failing) {
        const forMs = tick.time - f.since;
        if (forMs < afterMs) continue;
        tick.findings.push(findingOf(channel, f, forMs, afterMs, tick.time));
      }
    },
    failing: () => failing,
    close() {
      unsubscribe();
    },
  };
}

function findingOf(channel: string, f: Failing, forMs: number, afterMs: number, time: number): Finding {
  return {
    type: DELIVERY_FAILING,
    severity: "critical",
    message: `Alert channel ${channel} has failed every delivery for ${minutes(forMs)} (${f.attempts} attempts): ${f.lastError}`,
    value: Math.round(forMs / 1000),
    threshold: afterMs / 1000,
    metric: "aiops_notifications_failed_total",
    labels: { channel },
    detector: "delivery",
    score: 1,
    timestamp: new Date(time).toISOString(),
  };
}

function minutes(ms: number): string {
  const m = Math.floor(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m}m`;
}
