/**
 * Opens a store on the data directory given as argument, as the agent would, writes a tick, reads it
 * back and prints what happened as one JSON line. Tests run it in another process: as an unprivileged
 * user, or in a private mount namespace where the directory is on a read-only filesystem.
 */
import { ManualClock } from "../../../src/clock.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { createLogger } from "../../../src/log.ts";
import { createStore } from "../../../src/store/store.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: open-store-child.ts <data dir>");
const metrics = new SelfMetrics();
const warnings: string[] = [];
const now = Date.UTC(2025, 0, 1, 10);
const clock = new ManualClock(now);
const log = createLogger({
  level: "warning",
  clock,
  sink: { write: (line) => void warnings.push((JSON.parse(line) as { message: string }).message) },
});
const store = createStore({
  dataDir,
  settings: { raw_retention: 86_400, rollup_retention: 30 * 86_400, max_size_mb: 1024, maintenance_interval: 0 },
  log,
  metrics,
  clock,
});
const status = store.open();
const write = store.writeSamples(now, [{ metric: "aiops_cpu_usage_percent", labels: {}, value: 42.5 }]);
const read = store.latest({ metric: "aiops_cpu_usage_percent" });
const degradedGauge = metrics
  .all()
  .find((f) => f.name === "aiops_store_degraded")
  ?.samples()[0]?.value;
store.close();
console.log(JSON.stringify({ uid: process.getuid?.(), status, write, read, degradedGauge, warnings }));
