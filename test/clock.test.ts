import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ManualClock, settle } from "../src/clock.ts";

describe("ManualClock", () => {
  test("starts at monotonic 0 and the wall time given, and moves both together", async () => {
    const clock = new ManualClock(Date.parse("2026-01-10T08:00:00Z"));
    expect(clock.now()).toBe(0);
    expect(clock.wall().toISOString()).toBe("2026-01-10T08:00:00.000Z");
    await clock.advance(1500);
    expect(clock.now()).toBe(1500);
    expect(clock.wallMs()).toBe(Date.parse("2026-01-10T08:00:01.500Z"));
    await clock.advanceTo(Date.parse("2026-01-10T08:01:00Z"));
    expect(clock.now()).toBe(60_000);
  });

  test("fires due timers in order, each at its own time, and never one that was cancelled", async () => {
    const clock = new ManualClock(0);
    const fired: Array<[string, number]> = [];
    clock.setTimer(300, () => fired.push(["c", clock.now()]));
    clock.setTimer(100, () => fired.push(["a", clock.now()]));
    const cancel = clock.setTimer(200, () => fired.push(["never", clock.now()]));
    clock.setTimer(100, () => fired.push(["b", clock.now()]));
    cancel();
    await clock.advance(250);
    expect(fired).toEqual([["a", 100], ["b", 100]]);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt).toBe(300);
    await clock.advance(0);
    expect(fired).toHaveLength(2);
    await clock.advance(50);
    expect(fired).toEqual([["a", 100], ["b", 100], ["c", 300]]);
    expect(clock.pendingTimers).toBe(0);
  });

  test("a repeating timer fires every period until cancelled, even from inside itself", async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const cancel = clock.setRepeating(1000, () => {
      at.push(clock.now());
      if (at.length === 3) cancel();
    });
    await clock.advance(10_000);
    expect(at).toEqual([1000, 2000, 3000]);
    expect(clock.pendingTimers).toBe(0);
  });

  test("the work a timer starts runs before time moves on, and may set the next timer", async () => {
    const clock = new ManualClock(0);
    const steps: number[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await wait(100);
        // A chain of promises and a turn of the event loop after each timer: still done before the next.
        await Promise.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        steps.push(clock.now());
      }
    })();
    await clock.advance(1000);
    expect(steps).toEqual([100, 200, 300]);
  });

  test("settle lets promise chains and what they queue for the next turn run, without time passing", async () => {
    let done = false;
    void Promise.resolve()
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => (done = true));
    await settle();
    expect(done).toBe(true);
  });
});

/** Files under `dir` with source code, relative to the repository. */
function sources(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** Reading the time or setting a timer without the clock. */
const RAW_TIME = /\b(Date\.now\b|new Date\(\)|performance\.now\(|setTimeout\(|setInterval\(|Bun\.sleep\()/;


/** Picking the real clock: main.ts's choice alone, so nothing falls back to it when a test forgets its own. */
const SYSTEM_CLOCK = /\bsystemClock\b/;

test("no module of the agent or the TUI reads the time or sets a timer but through the Clock it is given", () => {
  const root = resolve(import.meta.dir, "..");
  const found = [...sources(root, "src"), ...sources(root, "tui")]
    .filter((file) => file !== "src/clock.ts")
    .flatMap((file) =>
      readFileSync(join(root, file), "utf8")
        .split("\n")
        .flatMap((line, i) => (RAW_TIME.test(line) || (SYSTEM_CLOCK.test(line) && file !== "src/main.ts") ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
  expect(found).toEqual([]);
});
