import type { Clock } from "../../clock.ts";
import type { DeliveryOutcome } from "../../contracts/delivery.ts";
import { type DeliveryAttemptRecord, recordDeliveryAttempt } from "../../store/delivery-attempts.ts";
import { type NotificationChanges, type NotificationRecord, releaseNextInOrder, updateNotification } from "../../store/notifications.ts";
import type { Store } from "../../store/store.ts";
import type { NotifyResult } from "../notifier.ts";
import type { Lane } from "./lane.ts";

/** An attempt that ended, with what it means for its row, waiting to be recorded. */
export interface EndedAttempt {
  lane: Lane;
  row: NotificationRecord;
  result: NotifyResult;
  outcome: DeliveryOutcome;
  changes: NotificationChanges;
  attempt: Omit<DeliveryAttemptRecord, "id">;
}

/** What the record step needs. */
export interface RecorderOptions {
  store: Store;
  clock: Clock;
  /**
   * Outcomes are committed at most this often (ms): a busy channel's outcomes share a commit (a
   * commit costs more than recording an attempt), a lone one is committed at once.
   */
  commitGapMs: number;
  /** After a commit, with the attempts it recorded. */
  recorded(batch: readonly EndedAttempt[]): void;
  /** After a commit failed (nothing of the batch was written), with the error. */
  failed(batch: readonly EndedAttempt[], cause: unknown): void;
}

/**
 * The record step: each ended attempt goes to the `delivery_attempts` log with its row's new state,
 * and a notification done with (delivered or given up) releases the next one of its alert on its
 * channel. Attempts that end close together share one transaction: all of them are written, or none.
 * Only the record waits for the commit, not the next attempt.
 */
export interface Recorder {
  /** Queues an ended attempt for the next commit. */
  add(ended: EndedAttempt): void;
  /** Commits what is queued now (the workers' stop, before the store closes). */
  flush(): void;
  /** Ended attempts not committed yet. */
  readonly waiting: number;
}

/** Creates the record step. */
export function createRecorder(options: RecorderOptions): Recorder {
  const { store, clock } = options;
  let ended: EndedAttempt[] = [];
  let flushQueued = false;
  let lastFlush = Number.NEGATIVE_INFINITY;

  function flush(): void {
    flushQueued = false;
    const batch = ended;
    ended = [];
    if (batch.length === 0) return;
    lastFlush = clock.now();
    try {
      store.transaction((db) => {
        for (const e of batch) {
          recordDeliveryAttempt(db, e.attempt);
          updateNotification(db, e.row.id, e.changes);
          // Done with it: the next notification of the same alert on this channel may go.
          if (e.outcome !== "retry") releaseNextInOrder(db, e.lane.name, e.row.alertFingerprint, e.attempt.ts);
        }
      });
    } catch (cause) {
      options.failed(batch, cause);
      return;
    }
    options.recorded(batch);
  }

  return {
    add(e) {
      ended.push(e);
      if (flushQueued) return;
      flushQueued = true;
      const wait = lastFlush + options.commitGapMs - clock.now();
      if (wait > 0) clock.setTimer(wait, flush);
      else setImmediate(flush);
    },
    flush,
    get waiting() {
      return ended.length;
    },
  };
}
