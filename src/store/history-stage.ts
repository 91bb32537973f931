import type { Clock } from "../clock.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";
import type { Detection } from "../detect/detection.ts";
import type { Store } from "./store.ts";

/** Detector states are saved under this detector name: one row per series, the ensemble's whole state. */
const ENSEMBLE = "ensemble";

/**
 * How often learned baselines are saved (and always at stop). The state is about 24 KB per series, so
 * saving every tick would write more than the history itself; an hour lost to `kill -9` is relearned
 * quickly, a day of seasonality is not lost.
 */
export const SAVE_STATE_EVERY_MS = 3_600_000;

export interface HistoryStageOptions {
  store: Store;
  /** The detection engine whose learned state is saved and restored (it changes on reload). */
  detection?: () => Detection;
  /** Times the periodic save of learned state. */
  clock: Clock;
}

/**
 * The history stage of the tick: every sample goes to the store (into memory, written every few
 * minutes as one block: see `raw-buffer.ts`), each finding is
 * recorded once, when it starts (the anomalies table lists episodes, not every tick they held),
 * and the detectors' learned state is saved periodically and at stop, and restored at start.
 */
export function createHistoryStage(options: HistoryStageOptions): TickStage & { restoreDetectorState(): number } {
  const { store } = options;
  const { clock } = options;
  let lastSaved = clock.now();
  let closed = false;

  function saveState(): void {
    const detection = options.detection?.();
    if (!detection) return;
    const entries = Object.entries(detection.exportState()).map(([key, state]) => ({ seriesKey: key, detector: ENSEMBLE, state }));
    store.saveDetectorStates(entries);
    lastSaved = clock.now();
  }

  return {
    name: "history",
    restoreDetectorState(): number {
      const detection = options.detection?.();
      if (!detection) return 0;
      const saved = store.loadDetectorStates(ENSEMBLE);
      detection.importState(Object.fromEntries(saved.map((r) => [r.seriesKey, r.state])));
      return saved.length;
    },
    run(tick: TickContext): void {
      store.writeSamples(tick.time, tick.samples);
      if (tick.startedFindings.length > 0) store.recordFindings(tick.startedFindings);
      if (clock.now() - lastSaved >= SAVE_STATE_EVERY_MS) saveState();
    },
    problem(): string | undefined {
      return store.degraded?.reason;
    },
    close(): void {
      if (closed) return;
      closed = true;
      saveState();
      store.close();
    },
  };
}
