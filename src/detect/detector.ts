import type { Finding } from "../contracts/finding.ts";

/** What a detector says of one point. */
export interface DetectorResult {
  /** 0 (ordinary) .. 1 (as anomalous as it gets). */
  score: number;
  /** Present while the detector's condition holds. */
  finding?: Finding;
}

/** A point with nothing to say: one shared result, frozen, so that an ordinary point allocates nothing. */
export const ORDINARY: DetectorResult = Object.freeze({ score: 0 });

/**
 * A streaming detector of one series: O(1) amortised per point, bounded memory, and a state that
 * survives a restart (`snapshot()` gives JSON-serialisable state that the factory accepts back).
 * The same code runs live on every tick and in `replay` over a CSV.
 */
export interface Detector {
  readonly name: string;
  /** `ts` is milliseconds since the epoch; `value` may be NaN (a missing point). */
  update(ts: number, value: number): DetectorResult;
  /** JSON-serialisable learned state. */
  snapshot(): unknown;
}
