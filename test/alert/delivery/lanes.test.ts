import { describe, expect, test } from "bun:test";
import { createLanes } from "../../../src/alert/delivery/lanes.ts";
import { delivered } from "../../../src/alert/notifier.ts";
import type { NotificationRecord } from "../../../src/store/notifications.ts";
import { quietLog } from "../outbox/support.ts";
import { channels, fakeNotifier, settle } from "./support.ts";

describe("lanes", () => {
  test("one lane per channel; each new lane is announced (its metrics start at 0)", () => {
    const added: string[] = [];
    const lanes = createLanes(channels(fakeNotifier("a", [delivered()]), fakeNotifier("b", [delivered()])), quietLog().log, (n) => added.push(n));
    expect(lanes.names()).toEqual(["a", "b"]);
    expect(added).toEqual(["a", "b"]);
    expect([...lanes].map((l) => [l.name, l.inFlight.size, l.queue.length])).toEqual([
      ["a", 0, 0],
      ["b", 0, 0],
    ]);
  });

  test("a reload keeps an unchanged lane, swaps a changed notifier (closed after its attempt), drops a removed channel, adds a new one", async () => {
    const same = fakeNotifier("same", [delivered()]);
    const old = fakeNotifier("changed", [delivered()]);
    const gone = fakeNotifier("gone", [delivered()]);
    const added: string[] = [];
    const lanes = createLanes(channels(same, old, gone), quietLog().log, (n) => added.push(n));
    const changed = lanes.get("changed")!;
    // One attempt in flight on the old notifier, one row claimed and queued behind it.
    let finish!: () => void;
    changed.inFlight.set(1, { controller: new AbortController(), done: new Promise<void>((resolve) => (finish = resolve)) });
    changed.claimed.add(1).add(2);
    changed.queue.push({ id: 2 } as NotificationRecord);
    const replacement = fakeNotifier("changed", [delivered()]);
    lanes.reload(channels(same, replacement, fakeNotifier("new", [delivered()])));
    expect(lanes.names()).toEqual(["same", "changed", "new"]);
    expect(added).toEqual(["same", "changed", "gone", "new"]);
    expect(lanes.get("changed")).toBe(changed);
    expect(changed.channel.notifier).toBe(replacement);
    // The queued row goes back to the store (claimed again later); the one in flight stays claimed.
    expect(changed.queue).toEqual([]);
    expect([...changed.claimed]).toEqual([1]);
    await settle();
    expect(gone.closed).toBe(1);
    expect(old.closed).toBe(0);
    finish();
    await settle();
    expect(old.closed).toBe(1);
    expect(same.closed).toBe(0);
  });

  test("counts attempts in flight per channel and in all; close closes every notifier once", async () => {
    const a = fakeNotifier("a", [delivered()]);
    const b = fakeNotifier("b", [delivered()]);
    const lanes = createLanes(channels(a, b), quietLog().log, () => {});
    lanes.get("a")!.inFlight.set(1, { controller: new AbortController(), done: Promise.resolve() });
    lanes.get("b")!.inFlight.set(2, { controller: new AbortController(), done: Promise.resolve() });
    lanes.get("b")!.inFlight.set(3, { controller: new AbortController(), done: Promise.resolve() });
    expect([lanes.inFlight("a"), lanes.inFlight("b"), lanes.inFlight("nope"), lanes.inFlight()]).toEqual([1, 2, 0, 3]);
    expect(lanes.flights()).toHaveLength(3);
    await lanes.close();
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  test("a notifier that fails to close is logged, and the others still close", async () => {
    const { log, lines } = quietLog();
    const broken = { ...fakeNotifier("broken", [delivered()]), close: () => Promise.reject(new Error("socket already gone")) };
    const fine = fakeNotifier("fine", [delivered()]);
    await createLanes(channels(broken, fine), log, () => {}).close();
    expect(fine.closed).toBe(1);
    expect(lines.find((l) => l.message === "Closing a notifier failed")).toMatchObject({ channel: "broken" });
  });
});
