import { expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import type { Collector, SnapshotPart } from "../../src/collect/collector.ts";
import { createSnapshotter } from "../../src/collect/snapshotter.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";

const LOAD = { load1: 1, load5: 1, load15: 1 };

const sample = (metrics: SelfMetrics, name: string, collector: string) =>
  metrics
    .all()
    .find((f) => f.name === name)
    ?.samples()
    .find((s) => s.labels.collector === collector)?.value;

test("a collector slower than the time-out costs only its own section, and is not started again while it hangs", async () => {
  const clock = new ManualClock(Date.parse("2026-01-10T08:00:00Z"));
  const metrics = new SelfMetrics();
  let calls = 0;
  let answer = (_: SnapshotPart) => {};
  const hanging: Collector = {
    name: "load",
    collect: () => {
      calls++;
      return calls === 1 ? new Promise((resolve) => (answer = resolve)) : Promise.resolve({ load: LOAD });
    },
  };
  const uptime: Collector = { name: "uptime", collect: (now) => ({ uptime_seconds: now / 1000 }) };
  const snapshotter = createSnapshotter([hanging, uptime], { timeoutMs: 2000, metrics, clock });

  let first: unknown;
  const collecting = snapshotter.collect().then((s) => (first = s));
  await clock.advance(1999);
  expect(first).toBeUndefined();
  await clock.advance(1);
  expect(await collecting).toEqual({ timestamp: "2026-01-10T08:00:00.000Z", uptime_seconds: 0, errors: { load: "timed out after 2000 ms" } });

  // Still hanging at the next tick: skipped without a new call, the tick does not wait for it.
  expect(await snapshotter.collect()).toEqual({
    timestamp: "2026-01-10T08:00:02.000Z",
    uptime_seconds: 2,
    errors: { load: "still running since an earlier tick" },
  });
  expect(calls).toBe(1);
  expect(sample(metrics, "aiops_collector_errors_total", "load")).toBe(2);
  expect(sample(metrics, "aiops_collector_success", "load")).toBe(0);

  // Once the late call ends, the collector runs again.
  answer({ load: LOAD });
  await clock.advance(1000);
  expect(await snapshotter.collect()).toEqual({ timestamp: "2026-01-10T08:00:03.000Z", load: LOAD, uptime_seconds: 3 });
  expect(calls).toBe(2);
  expect(sample(metrics, "aiops_collector_success", "load")).toBe(1);
  expect(clock.pendingTimers).toBe(0);
});
