import type { Logger } from "../../log.ts";
import type { Notifier } from "../notifier.ts";
import type { DeliveryChannel } from "./delivery-channels.ts";
import { createLane, type Lane } from "./lane.ts";

/**
 * The workers' lanes, one per configured channel. A reload keeps the lane of a channel whose notifier
 * is the same, gives a changed channel its new notifier (its queued rows go back to the store, its
 * attempts in flight finish on the old one, which is closed after them), and drops removed channels.
 */
export interface Lanes extends Iterable<Lane> {
  get(name: string): Lane | undefined;
  has(name: string): boolean;
  names(): string[];
  /** Takes the channels of a new configuration. */
  reload(channels: ReadonlyMap<string, DeliveryChannel>): void;
  /** Attempts in flight, on one channel or all. */
  inFlight(channel?: string): number;
  /** Every attempt in flight, on every lane. */
  flights(): Array<{ controller: AbortController; done: Promise<void> }>;
  /** Empties the queues (the rows stay pending in the store) and closes every notifier, those retired by a reload too. */
  close(): Promise<void>;
}

/** Creates the lanes of these channels; `added` is called with each new lane's name (its metrics start at 0). */
export function createLanes(channels: ReadonlyMap<string, DeliveryChannel>, log: Logger, added: (name: string) => void): Lanes {
  const lanes = new Map<string, Lane>();
  /** Notifiers replaced by a reload, closed once their attempts end. */
  const retiring = new Set<Promise<void>>();

  const add = (name: string, channel: DeliveryChannel) => {
    added(name);
    lanes.set(name, createLane(name, channel));
  };
  for (const [name, channel] of channels) add(name, channel);

  async function closeAfter(notifier: Notifier, attempts: Array<Promise<void>>): Promise<void> {
    await Promise.allSettled(attempts);
    try {
      await notifier.close();
    } catch (cause) {
      log.warning({ err: cause, channel: notifier.name }, "Closing a notifier failed");
    }
  }

  return {
    [Symbol.iterator]: () => lanes.values(),
    get: (name) => lanes.get(name),
    has: (name) => lanes.has(name),
    names: () => [...lanes.keys()],

    reload(next) {
      for (const [name, lane] of lanes) {
        const replacement = next.get(name);
        if (replacement?.notifier === lane.channel.notifier) {
          lane.channel = replacement;
          continue;
        }
        // Attempts in flight finish on the old notifier; queued rows go back to the database.
        const attempts = [...lane.inFlight.values()].map((f) => f.done);
        const closing = closeAfter(lane.channel.notifier, attempts);
        retiring.add(closing);
        void closing.finally(() => retiring.delete(closing));
        if (replacement) {
          lane.channel = replacement;
          for (const r of lane.queue) lane.claimed.delete(r.id);
          lane.queue = [];
        } else {
          lanes.delete(name);
        }
      }
      for (const [name, channel] of next) if (!lanes.has(name)) add(name, channel);
    },

    inFlight(channel) {
      if (channel !== undefined) return lanes.get(channel)?.inFlight.size ?? 0;
      let n = 0;
      for (const lane of lanes.values()) n += lane.inFlight.size;
      return n;
    },

    flights() {
      return [...lanes.values()].flatMap((l) => [...l.inFlight.values()]);
    },

    async close() {
      for (const lane of lanes.values()) lane.queue = [];
      await Promise.allSettled([...retiring, ...[...lanes.values()].map((l) => closeAfter(l.channel.notifier, []))]);
    },
  };
}
