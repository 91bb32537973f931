import type { Database } from "bun:sqlite";
import type { Store } from "../store/store.ts";

/** One push waiting in the queue. */
export interface QueuedPush {
  id: number;
  createdAt: number;
  samples: number;
  /** The stored body (the protobuf message, compressed with snappy). */
  body: Uint8Array;
}

/** What the queue holds for one target. */
export interface QueueStats {
  pushes: number;
  samples: number;
  bytes: number;
  /** When the oldest waiting push was taken (ms), null when none waits. */
  oldestCreatedAt: number | null;
}

/** What making room dropped. */
export interface Dropped {
  pushes: number;
  samples: number;
}

/**
 * The durable queue of one export target, in the agent's SQLite store (`export_queue`): pushes go in
 * at the end and leave from the front once their receiver took them, so a restart (even kill -9) or a
 * receiver that is down loses nothing within `maxBytes`. Past the bound the oldest pushes are dropped
 * first (the newest data is what a dashboard needs when the receiver is back).
 */
export interface PushQueue {
  readonly target: string;
  /** Appends a push, then drops the oldest while the queue is over its bound. */
  append(push: { createdAt: number; samples: number; body: Uint8Array }): Dropped;
  /** The oldest pushes, in order, up to `maxSamples` samples (always at least one when any waits). */
  peek(maxSamples: number, maxPushes?: number): QueuedPush[];
  /** Removes every push up to and including `lastId` (they were delivered, or refused for good). */
  removeThrough(lastId: number): void;
  stats(): QueueStats;
}

/** Most pushes one peek looks at. */
const PEEK_LIMIT = 1000;

/** Creates the queue of `target` over the store (`store.transaction` and `store.read` survive a fall back to memory). */
export function createPushQueue(store: Store, target: string, maxBytes: number): PushQueue {
  const totals = (db: Database) =>
    db
      .query<{ pushes: number; samples: number | null; bytes: number | null; oldest: number | null }, [string]>(
        "SELECT count(*) AS pushes, sum(samples) AS samples, sum(bytes) AS bytes, min(created_at) AS oldest FROM export_queue WHERE target = ?",
      )
      .get(target)!;

  return {
    target,
    append(push) {
      return store.transaction((db) => {
        db.run("INSERT INTO export_queue (target, created_at, samples, bytes, body) VALUES (?, ?, ?, ?, ?)", [
          target,
          push.createdAt,
          push.samples,
          push.body.length,
          push.body,
        ]);
        const excess = (totals(db).bytes ?? 0) - maxBytes;
        if (excess <= 0) return { pushes: 0, samples: 0 };
        // Oldest first until enough is freed.
        const rows = db
          .query<{ id: number; bytes: number; samples: number }, [string]>("SELECT id, bytes, samples FROM export_queue WHERE target = ? ORDER BY id")
          .all(target);
        let freed = 0;
        let lastId = 0;
        const dropped: Dropped = { pushes: 0, samples: 0 };
        for (const row of rows) {
          freed += row.bytes;
          lastId = row.id;
          dropped.pushes++;
          dropped.samples += row.samples;
          if (freed >= excess) break;
        }
        db.run("DELETE FROM export_queue WHERE target = ? AND id <= ?", [target, lastId]);
        return dropped;
      });
    },
    peek(maxSamples, maxPushes = Number.MAX_SAFE_INTEGER) {
      return store.read((db) => {
        // Sizes first (small rows), then only the bodies that go out.
        const heads = db
          .query<{ id: number; created_at: number; samples: number }, [string, number]>(
            "SELECT id, created_at, samples FROM export_queue WHERE target = ? ORDER BY id LIMIT ?",
          )
          .all(target, Math.min(maxPushes, PEEK_LIMIT));
        const picked: typeof heads = [];
        let samples = 0;
        for (const head of heads) {
          if (picked.length > 0 && samples + head.samples > maxSamples) break;
          picked.push(head);
          samples += head.samples;
        }
        if (picked.length === 0) return [];
        const bodies = db
          .query<{ body: Uint8Array }, [string, number, number]>("SELECT body FROM export_queue WHERE target = ? AND id BETWEEN ? AND ? ORDER BY id")
          .all(target, picked[0]!.id, picked.at(-1)!.id);
        return picked.map((h, i) => ({ id: h.id, createdAt: h.created_at, samples: h.samples, body: bodies[i]!.body }));
      });
    },
    removeThrough(lastId) {
      store.transaction((db) => db.run("DELETE FROM export_queue WHERE target = ? AND id <= ?", [target, lastId]));
    },
    stats() {
      const t = store.read(totals);
      return { pushes: t.pushes, samples: t.samples ?? 0, bytes: t.bytes ?? 0, oldestCreatedAt: t.oldest };
    },
  };
}
