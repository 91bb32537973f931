import { dueForChannel, nextDueAfter, type NotificationRecord } from "../../store/notifications.ts";
import type { Store } from "../../store/store.ts";
import type { Lane } from "./lane.ts";

/**
 * The claim step: which notification a channel sends next. It reads the rows due on the channel (an
 * alert's next notification is due only once the one before it was delivered or given up, so each
 * receiver hears an alert's changes in order) and claims them in memory, a batch per query. Claimed
 * rows stay pending in SQLite: if the agent dies before their outcome is recorded, they are due again
 * at the next start (at least once), and a row claimed is never sent twice by one run.
 */
export interface Claim {
  /** Claims and returns the lane's next due row, or undefined when nothing more is due at `at` (ms). */
  next(lane: Lane, at: number): NotificationRecord | undefined;
  /** When the lane's next row falls due after `at`, or null when none waits. */
  nextDueAfter(lane: Lane, at: number): number | null;
  /** True when a row of the lane is due at `at` (claimed or not). */
  anyDue(lane: Lane, at: number): boolean;
}

/** Creates the claim step over an open store, reading up to `batchSize` new rows per query. */
export function createClaim(store: Store, batchSize: number): Claim {
  return {
    next(lane, at) {
      if (lane.queue.length === 0) {
        const rows = store.read((db) => dueForChannel(db, lane.name, at, batchSize + lane.claimed.size));
        for (const r of rows) {
          if (lane.claimed.has(r.id)) continue;
          lane.claimed.add(r.id);
          lane.queue.push(r);
        }
      }
      return lane.queue.shift();
    },

    nextDueAfter(lane, at) {
      return store.read((db) => nextDueAfter(db, lane.name, at));
    },

    anyDue(lane, at) {
      return store.read((db) => dueForChannel(db, lane.name, at, 1)).length > 0;
    },
  };
}
