import type { Clock } from "../clock.ts";
import { releaseStartupPages } from "./startup-pages.ts";

/** When start-up is over (the first ticks, the first scrape): see `releaseStartupPages`. */
export const STARTUP_PAGES_AFTER_MS = 60_000;

/**
 * How often the JavaScript heap is collected whole. Left to itself, JavaScriptCore lets the old
 * generation grow to about twice what is live before it collects it: at 1 s the heap climbed from 10
 * to 17–19 MB over 12–15 minutes, and RSS by 5–10 MB with it, then fell back (README, Performance).
 * One full collection costs about 12 ms of CPU on the agent's heap: every 5 minutes, 0.004 % of a core.
 */
export const FULL_COLLECTION_EVERY_MS = 5 * 60_000;

export interface MemoryUpkeepDeps {
  clock: Clock;
  log: { debug(fields: object, message: string): void };
  /** A full, synchronous collection of the JavaScript heap. */
  collect?: () => void;
  release?: () => Promise<number>;
}

/**
 * Keeps the agent's resident memory at what it uses: the executable's pages only start-up needed are
 * given back once, a minute after start, and the heap is collected whole every few minutes so that
 * its garbage does not pile up to the next cycle. Returns the function that stops both.
 */
export function startMemoryUpkeep(deps: MemoryUpkeepDeps): () => void {
  const collect = deps.collect ?? (() => Bun.gc(true));
  const release = deps.release ?? (() => releaseStartupPages());
  const cancelRelease = deps.clock.setTimer(STARTUP_PAGES_AFTER_MS, () => {
    void release().then((bytes) => deps.log.debug({ bytes }, "Pages of the executable only start-up used given back"));
  });
  const stopCollections = deps.clock.setRepeating(FULL_COLLECTION_EVERY_MS, collect);
  return () => {
    cancelRelease();
    stopCollections();
  };
}
