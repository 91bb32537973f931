import { describe, expect, test } from "bun:test";
import type { Snapshot } from "../src/contracts/snapshot.ts";
import { ManualClock, systemClock } from "../src/clock.ts";
import { EventBus } from "../src/event-bus.ts";
import { finding } from "./support/findings.ts";

const snapshot = (i: number): Snapshot => ({ timestamp: `t${i}` });

describe("the event bus's replay buffer", () => {
  test("keeps only the newest snapshots, but every finding, so a reconnecting reader loses nothing that matters", () => {
    const bus = new EventBus(new ManualClock(0), { snapshotCapacity: 3 });
    bus.publish({ type: "finding", finding: finding() });
    for (let i = 0; i < 10; i++) bus.publish({ type: "snapshot", snapshot: snapshot(i) });
    const { events, complete } = bus.since(0);
    expect(complete).toBe(true);
    expect(events.map((e) => (e.type === "snapshot" ? e.snapshot.timestamp : e.type))).toEqual(["finding", "t7", "t8", "t9"]);
  });

  test("says when a finding a reader has not seen was dropped for capacity", () => {
    const bus = new EventBus(new ManualClock(0), { capacity: 5, snapshotCapacity: 5 });
    for (let i = 0; i < 8; i++) bus.publish({ type: "finding", finding: finding({ value: i }) });
    expect(bus.since(1).complete).toBe(false);
    expect(bus.since(3).complete).toBe(true);
    expect(bus.since(3).events.map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
  });

  test("a listener that throws is counted and does not stop the others", () => {
    const bus = new EventBus(systemClock);
    const seen: number[] = [];
    bus.subscribe(() => {
      throw new Error("bad reader");
    });
    bus.subscribe((e) => void seen.push(e.id));
    bus.publish({ type: "snapshot", snapshot: snapshot(0) });
    expect(seen).toEqual([1]);
    expect(bus.listenerErrors).toBe(1);
  });
});
