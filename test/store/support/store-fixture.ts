import { ManualClock } from "../../../src/clock.ts";
import type { Labels, Sample } from "../../../src/contracts/sample.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { createStore, type Store, type StoreSettings } from "../../../src/store/store.ts";
import { afterThisTest, captureLog, T0, tempDir } from "./temp.ts";

export { cleanUp, T0, tempDir } from "./temp.ts";

/** Settings as the defaults have them, without the maintenance timer (tests call `maintain()`). */
export const SETTINGS: StoreSettings = { raw_retention: 86_400, rollup_retention: 30 * 86_400, max_size_mb: 1024, maintenance_interval: 0 };

/** A store on a temporary directory (or the one given) on a manual clock at `now` (T0); closed after the test. */
export function testStore(options: { dataDir?: string; settings?: Partial<StoreSettings>; now?: number; encodeSeriesPerTick?: number } = {}) {
  const clock = new ManualClock(options.now ?? T0);
  const metrics = new SelfMetrics();
  const { log, lines } = captureLog();
  const dataDir = options.dataDir ?? tempDir();
  const store: Store = createStore({ dataDir, settings: { ...SETTINGS, ...options.settings }, log, metrics, clock, encodeSeriesPerTick: options.encodeSeriesPerTick });
  afterThisTest(() => store.close());
  return { store, clock, metrics, lines, dataDir };
}

/** The value of a self metric sample, or undefined. */
export function metricValue(metrics: SelfMetrics, name: string, labels: Labels = {}, suffix?: string): number | undefined {
  const family = metrics.all().find((f) => f.name === name);
  const key = JSON.stringify(labels);
  return family?.samples().find((s) => JSON.stringify(s.labels) === key && s.suffix === suffix)?.value;
}

/** A sample. */
export function sample(metric: string, value: number, labels: Labels = {}): Sample {
  return { metric, labels, value };
}
