import type { AlertRecord } from "./engine-state.ts";

/** The flap settings of the engine (ms and a count). */
export interface FlapSettings {
  /** Changes are counted over this window; a held alert resolves once quiet this long. */
  flapWindowMs: number;
  /** More changes than this within the window make an alert flapping. */
  flapMaxChanges: number;
}

/**
 * Flap damping: an alert that keeps changing between firing and resolved would page someone every
 * few minutes. Once it changes more than `flapMaxChanges` times within the window, it is held firing
 * until its finding has been away for a whole window, then resolved as of when it went away: one
 * page and one resolve instead of a storm.
 */
export interface FlapDamping {
  /** Remembers a change into firing or resolved, keeping only what the window can still count. */
  recordChange(a: AlertRecord, now: number): void;
  /** Its finding is reported again: it is not quiet any more. */
  heard(a: AlertRecord): void;
  /**
   * The finding of a firing alert is away at `now`: true to keep the alert firing (it flaps and has
   * not been quiet for a window yet), false to let it resolve.
   */
  holdsFiring(a: AlertRecord, now: number): boolean;
  /** When an alert let go at `now` resolved: when its finding went away if it was held, else now. */
  resolvedAt(a: AlertRecord, now: number): number;
  /** Changing state too often now (the API's `flapping`): held, or over the limit within the window. */
  isFlapping(a: AlertRecord, now: number): boolean;
}

/** Creates the flap damping step. */
export function createFlapDamping(settings: FlapSettings): FlapDamping {
  /** More than `flapMaxChanges` changes within the window, counting `pending` changes about to happen. */
  const overLimit = (a: AlertRecord, now: number, pending = 0): boolean => {
    const from = now - settings.flapWindowMs;
    let n = pending;
    for (const t of a.changes) if (t > from) n++;
    return n > settings.flapMaxChanges;
  };

  return {
    recordChange(a, now) {
      a.changes.push(now);
      const from = now - settings.flapWindowMs;
      while (a.changes.length > 0 && (a.changes[0]! <= from || a.changes.length > settings.flapMaxChanges + 1)) a.changes.shift();
    },

    heard(a) {
      a.quietSince = undefined;
    },

    holdsFiring(a, now) {
      a.quietSince ??= now;
      // Resolving now would be one change too many: hold it.
      if (!a.held && overLimit(a, now, 1)) a.held = true;
      return a.held && now - a.quietSince < settings.flapWindowMs;
    },

    resolvedAt(a, now) {
      return a.held ? a.quietSince! : now;
    },

    isFlapping(a, now) {
      return a.held || overLimit(a, now);
    },
  };
}
