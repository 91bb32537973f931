import { expect, test } from "bun:test";
import { createFallbackCollector } from "../../src/collect/fallback.ts";
import { systemClock } from "../../src/clock.ts";

// The non-Linux collector runs systeminformation; systeminformation also works on Linux, so this runs
// it here for real. (On Linux the agent itself never uses it on the tick: it starts programs.) Its rates
// are systeminformation's own, over real time: the pause between the two readings is real too.
test("the systeminformation collector fills the Snapshot's sections from a real host", async () => {
  const collector = createFallbackCollector(systemClock);
  await collector.collect(0); // its rates need a first reading
  await Bun.sleep(300);
  const part = await collector.collect(300);
  expect(part.cpu!.count).toBeGreaterThan(0);
  expect(part.cpu!.per_cpu).toHaveLength(part.cpu!.count);
  expect(part.memory!.total).toBeGreaterThan(0);
  expect(part.memory!.used).toBe(part.memory!.total - part.memory!.available);
  expect(part.disks!.some((d) => d.mountpoint === "/")).toBe(true);
  expect(part.network!.interfaces.length).toBeGreaterThan(0);
  expect(part.network!.total.receive_errors_per_second).toBe(0);
  expect(part.uptime_seconds).toBeGreaterThan(0);
}, 30_000);
