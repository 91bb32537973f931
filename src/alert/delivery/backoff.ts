/** How long the outbox waits between attempts at one notification (ms). */
export interface BackoffSettings {
  /** The first retry comes within this. */
  baseMs: number;
  /** No wait is longer, a receiver's Retry-After included. */
  maxMs: number;
}

/**
 * The wait before the next attempt after `failures` failed ones (1 after the first), exponential with
 * full jitter: uniform in [0, min(max, base × 2^(failures − 1))], so agents and channels that failed
 * together do not retry together. `random` returns [0, 1) and is injected so tests can seed it.
 *
 * A receiver's `Retry-After` is honoured: the wait is never shorter than it asked, nor shorter than
 * the backoff (a receiver answering `Retry-After: 0` to every attempt must not get a tight loop). Both
 * are bounded by `maxMs`: an alert delivered hours late is of little use, and a receiver that is
 * still not ready at the cap simply answers 429 again.
 */
export function retryDelayMs(failures: number, settings: BackoffSettings, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 52)));
  const jittered = random() * ceiling;
  const wanted = retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
  // At least a millisecond: a random source stuck at 0 must not make a busy loop either.
  return Math.max(1, Math.min(settings.maxMs, Math.round(wanted)));
}

