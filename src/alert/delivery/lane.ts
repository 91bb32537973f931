import type { NotificationRecord } from "../../store/notifications.ts";
import type { DeliveryChannel } from "./delivery-channels.ts";

/** One channel's lane: its own queue and slots, so a stuck channel holds only itself. */
export interface Lane {
  name: string;
  channel: DeliveryChannel;
  /** Claimed rows waiting for a slot (claimed in memory: their rows stay pending in the database). */
  queue: NotificationRecord[];
  /** Ids claimed: queued, in flight, or ended and not recorded yet. */
  claimed: Set<number>;
  /** Attempts in flight by row id: `done` settles once the attempt ended and was handed to the record step. */
  inFlight: Map<number, { controller: AbortController; done: Promise<void> }>;
  /** The store refused to record an outcome: no claim before this time (ms), so a failure is no busy loop. */
  pausedUntil: number;
  /** The last attempt failed: log once when it starts failing and once when it recovers. */
  failing: boolean;
}

/** A lane for a channel, empty. */
export function createLane(name: string, channel: DeliveryChannel): Lane {
  return { name, channel, queue: [], claimed: new Set(), inFlight: new Map(), pausedUntil: 0, failing: false };
}
