import type { Clock } from "../clock.ts";
import { releaseStartupPages } from "./startup-pages.ts";

/** When start-up is over (the first ticks, the first scrape): see `releaseStartupPages`. */
export const STARTUP_PAGES_AFTER_MS = 60_000;

/**
 * How often the JavaScript heap is collected whole, in collection intervals. Left to itself,
 * JavaScriptCore lets the old generation grow to about twice what is live before it collects it: at
 * 1 s the heap climbed from 10 to 17–19 MB over 12–15 minutes, and RSS by 5–10 MB with it, then fell
 * back (README, Performance). The garbage comes from the ticks, so the period is counted in them:
 * 120 ticks (2 minutes at 1 s) keep the heap within about 2 MB of what is live. One full collection
 * costs about 12 ms of CPU on the agent's heap: 0.01 % of a core.
 */
export const FULL_COLLECTION_EVERY_TICKS = 120;

export interface MemoryUpkeepDeps {
  clock: Clock;
  /** The collection interval now (ms): it may change on reload. */
  intervalMs: () => number;
  log: { debug(fields: object, message: string): void };
  /** A full, synchronous collection of the JavaScript heap. */
  collect?: () => void;
  release?: () => Promise<number>;
}

/**
 * Keeps the agent's resident memory at what it uses: the executable's pages only start-up needed are
 * given back once, a minute after start, and the heap is collected whole every 120 ticks so that its
 * garbage does not pile up to the next cycle. Returns the function that stops both.
 */
export function startMemoryUpkeep(deps: MemoryUpkeepDeps): () => void {
  const collect = deps.collect ?? (() => Bun.gc(true));
  const release = deps.release ?? (() => releaseStartupPages());
  const cancelRelease = deps.clock.setTimer(STARTUP_PAGES_AFTER_MS, () => {
    void release().then((bytes) => deps.log.debug({ bytes }, "Pages of the executable only start-up used given back"));
  });
  let cancelCollection = () => {};
  const schedule = () => {
    cancelCollection = deps.clock.setTimer(FULL_COLLECTION_EVERY_TICKS * deps.intervalMs(), () => {
      collect();
      schedule();
    });
  };
  schedule();
  return () => {
    cancelRelease();
    cancelCollection();
  };
}
