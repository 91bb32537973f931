import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { EventBus } from "../../src/event-bus.ts";
import { createLogger } from "../../src/log.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { createHttpServer } from "../../src/server/server.ts";

/** The Snapshots of the captured fixture hosts (test/collect/linux/fixtures.test.ts keeps them equal to the trees). */
const SNAPSHOTS = join(import.meta.dir, "../golden/snapshots");
const GOLDEN = join(import.meta.dir, "../golden/metrics");

/** The first scrape of a fresh agent server over one fixture host, with a self metric of each kind. */
async function scrape(snapshot: Snapshot, accept?: string): Promise<string> {
  const metrics = new SelfMetrics();
  metrics.counter("aiops_ticks_total", "Collection ticks completed.").inc({}, 42);
  metrics.gauge("aiops_interval_seconds", "Configured collection interval.", () => [{ labels: {}, value: 10 }]);
  const ticks = metrics.histogram("aiops_tick_duration_seconds", "Time from the start of a tick to the end of its last stage.", [0.001, 0.01, 0.1]);
  for (const seconds of [0.0004, 0.002, 0.05]) ticks.observe(seconds);
  const clock = new ManualClock();
  const server = createHttpServer({
    agent: { health: () => ({ live: true, ready: true, reasons: [], ticks: 1 }), latest: () => snapshot },
    config: () => loadConfig({ env: {} }),
    metrics,
    events: new EventBus(clock),
    log: createLogger({ level: "critical", clock, sink: { write() {} } }),
    clock,
    version: "0.0.0-golden",
  });
  const response = await server.fetch(new Request("http://agent/metrics", accept ? { headers: { accept } } : {}));
  expect(response.status).toBe(200);
  return response.text();
}

describe("/metrics of each captured fixture host matches its golden exposition", () => {
  for (const file of readdirSync(SNAPSHOTS).filter((f) => f.endsWith(".json"))) {
    const name = file.replace(/\.json$/, "");
    const snapshot = JSON.parse(readFileSync(join(SNAPSHOTS, file), "utf8")) as Snapshot;
    for (const [format, accept, ext] of [
      ["Prometheus text", undefined, "prom"],
      ["OpenMetrics", "application/openmetrics-text;version=1.0.0", "openmetrics"],
    ] as const) {
      test(`${name}, ${format}`, async () => {
        const body = await scrape(snapshot, accept);
        const golden = join(GOLDEN, `${name}.${ext}`);
        // Regenerate with UPDATE_GOLDEN=1 after a deliberate change, then review the diff; never edit by hand.
        if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, body);
        expect(body).toBe(readFileSync(golden, "utf8"));
      });
    }
  }
});
