import type { DeliveryOutcome } from "../../contracts/delivery.ts";
import type { NotificationChanges, NotificationRecord } from "../../store/notifications.ts";
import type { NotifyResult } from "../notifier.ts";
import { CANCELLED_BY_STOP } from "./attempt.ts";
import { retryDelayMs } from "./backoff.ts";
import type { DeliverySettings } from "./delivery-settings.ts";

/** What an ended attempt means for its notification: the outcome and the row's new state. */
export interface AttemptOutcome {
  outcome: DeliveryOutcome;
  changes: NotificationChanges;
}

/**
 * Decides what becomes of a notification after an attempt that ended at `at` (ms): delivered; tried
 * again later (a retryable failure: after the backoff with jitter, never before the receiver's
 * Retry-After, the last try falling on the max age); or never again (a refusal, or past the max age:
 * dead-lettered with its last error). An attempt cut short by a stop is due again at once.
 */
export function attemptOutcomeOf(row: NotificationRecord, result: NotifyResult, at: number, settings: DeliverySettings, random: () => number): AttemptOutcome {
  const attempts = row.attempts + 1;
  if (result.delivered) {
    return { outcome: "delivered", changes: { status: "delivered", attempts, deliveredAt: at, lastError: null, updatedAt: at } };
  }
  if (result.error === CANCELLED_BY_STOP) {
    // Cut short by a stop, not by the receiver: due again at once after the restart.
    return { outcome: "retry", changes: { attempts, nextAttemptAt: at, lastError: result.error, updatedAt: at } };
  }
  const deadline = row.createdAt + settings.maxAgeMs;
  if (!result.retryable || at >= deadline) {
    return { outcome: "failed", changes: { status: "dead", attempts, deadLetteredAt: at, lastError: result.error, updatedAt: at } };
  }
  // The last retry falls on the deadline, so a notification is given up only once it is that old.
  const next = Math.min(at + retryDelayMs(attempts, settings, random, result.retryAfterMs), deadline);
  return { outcome: "retry", changes: { attempts, nextAttemptAt: next, lastError: result.error, updatedAt: at } };
}
