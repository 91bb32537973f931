import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { FULL_COLLECTION_EVERY_TICKS, STARTUP_PAGES_AFTER_MS, startMemoryUpkeep } from "../../src/commands/memory-upkeep.ts";

describe("startMemoryUpkeep", () => {
  test("gives the start-up pages back once, a minute in, collects the heap every 120 ticks (of the interval now), and stops doing both", async () => {
    const clock = new ManualClock();
    let intervalMs = 1000;
    const told: object[] = [];
    let releases = 0;
    let collections = 0;
    const stop = startMemoryUpkeep({
      clock,
      intervalMs: () => intervalMs,
      log: { debug: (fields) => told.push(fields) },
      collect: () => collections++,
      release: async () => {
        releases++;
        return 4096;
      },
    });
    await clock.advance(STARTUP_PAGES_AFTER_MS - 1);
    expect(releases).toBe(0);
    await clock.advance(1);
    expect(releases).toBe(1);
    expect(told).toEqual([{ bytes: 4096 }]);
    await clock.advance(2 * FULL_COLLECTION_EVERY_TICKS * 1000 - STARTUP_PAGES_AFTER_MS);
    expect(collections).toBe(2);
    expect(releases).toBe(1);
    // A reload to 10 s: the collection after the next one comes 120 ticks of 10 s later.
    intervalMs = 10_000;
    await clock.advance(FULL_COLLECTION_EVERY_TICKS * 1000);
    expect(collections).toBe(3);
    await clock.advance(FULL_COLLECTION_EVERY_TICKS * 10_000 - 1);
    expect(collections).toBe(3);
    await clock.advance(1);
    expect(collections).toBe(4);
    stop();
    await clock.advance(10 * FULL_COLLECTION_EVERY_TICKS * 10_000);
    expect(collections).toBe(4);
  });

  test("stopped before start-up is over, it gives nothing back", async () => {
    const clock = new ManualClock();
    let releases = 0;
    const stop = startMemoryUpkeep({ clock, intervalMs: () => 1000, log: { debug: () => {} }, collect: () => {}, release: async () => ++releases });
    stop();
    await clock.advance(STARTUP_PAGES_AFTER_MS * 2);
    expect(releases).toBe(0);
  });
});
