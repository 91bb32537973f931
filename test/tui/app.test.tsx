import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { ManualClock } from "../../src/clock.ts";
import { App } from "../../tui/app.tsx";
import type { SourceEvent } from "../../tui/source.ts";
import { INFO, SNAPSHOT, fakeSource, finding, plain } from "./support.ts";

afterEach(cleanup);

const START: SourceEvent[] = [
  { type: "info", info: INFO },
  { type: "connection", connection: { state: "in-process" } },
  { type: "snapshot", snapshot: SNAPSHOT },
];

/** The App on a manual clock; `settle` (the clock moving by 0) lets React and Ink flush a render. */
async function app(size: { columns: number; rows: number }, events = START) {
  const source = fakeSource(events);
  const clock = new ManualClock(Date.parse(SNAPSHOT.timestamp));
  const settle = () => clock.advance(0);
  let quits = 0;
  const r = render(<App source={source} onQuit={() => quits++} clock={clock} size={size} />);
  await settle();
  const frame = () => plain(r.lastFrame());
  const press = async (key: string) => {
    r.stdin.write(key);
    await settle();
  };
  return { ...r, source, clock, settle, frame, press, quits: () => quits };
}

function fits(frame: string, size: { columns: number; rows: number }) {
  const lines = frame.split("\n");
  expect(lines.length).toBeLessThanOrEqual(size.rows);
  for (const line of lines) expect(line.length).toBeLessThanOrEqual(size.columns);
}

describe("App", () => {
  test("80x24: header, gauges, both lists and the keys, all in view", async () => {
    const size = { columns: 80, rows: 24 };
    const { frame } = await app(size);
    const text = frame();
    fits(text, size);
    expect(text).toStartWith("web-1 · up 3d 4h │ agent web-1-agent (staging)");
    expect(text).toContain("CPU    ");
    expect(text).toContain("45.2%");
    expect(text).toContain("/boot");
    expect(text).toContain("No anomalies yet");
    expect(text).toContain("No alerts yet.");
    expect(text.split("\n").at(-1)).toStartWith("q quit  p pause  tab/←→ panel  ↑↓ scroll  ? help");
  });

  test("a narrow, short terminal shows one panel at a time; tab and arrows turn the page", async () => {
    const size = { columns: 40, rows: 12 };
    const { frame, press } = await app(size, [...START, { type: "finding", finding: finding() }]);
    fits(frame(), size);
    expect(frame()).toContain("CPU");
    expect(frame()).not.toContain("Anomalies ─");
    await press("\t");
    fits(frame(), size);
    expect(frame()).toContain("─ Anomalies ─");
    expect(frame()).toContain("WARN High CPU usage");
    expect(frame()).not.toContain("CPU    ");
    await press("\u001b[C");
    expect(frame()).toContain("─ Alerts & deliveries");
    await press("1");
    expect(frame()).toContain("CPU    ");
  });

  test("resizing, down to a tiny terminal and back, never breaks the screen", async () => {
    const { frame, rerender, source, clock, settle } = await app({ columns: 120, rows: 40 });
    for (const size of [{ columns: 30, rows: 8 }, { columns: 20, rows: 3 }, { columns: 200, rows: 60 }, { columns: 80, rows: 24 }]) {
      rerender(<App source={source} onQuit={() => {}} clock={clock} size={size} />);
      await settle();
      fits(frame(), { columns: Math.max(20, size.columns), rows: Math.max(1, size.rows) });
    }
    expect(frame()).toContain("45.2%");
  });

  test("p pauses the screen while data keeps coming, and p again shows the latest", async () => {
    const { frame, press, source, settle } = await app({ columns: 80, rows: 24 });
    await press("p");
    expect(frame()).toContain("PAUSED");
    source.push({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: "2026-11-26T17:00:01.000Z", cpu: { ...SNAPSHOT.cpu!, usage_percent: 77.7 } } });
    await settle();
    expect(frame()).toContain("45.2%");
    expect(frame()).not.toContain("77.7%");
    await press("p");
    expect(frame()).not.toContain("PAUSED");
    expect(frame()).toContain("77.7%");
  });

  test("? shows the help; q and Ctrl-C quit; unmounting stops the source", async () => {
    const { frame, press, quits, unmount, source } = await app({ columns: 80, rows: 24 });
    await press("?");
    expect(frame()).toContain("Keys");
    expect(frame()).toContain("pause the screen");
    await press("?");
    expect(frame()).not.toContain("pause the screen");
    await press("q");
    await press("\u0003");
    expect(quits()).toBe(2);
    unmount();
    expect(source.stopped).toBe(true);
  });

  test("the reconnect countdown moves with the clock between events", async () => {
    const retryAt = Date.parse(SNAPSHOT.timestamp) + 5000;
    const down: SourceEvent = { type: "connection", connection: { state: "disconnected", reason: "cannot connect (ECONNREFUSED)", attempt: 1, retryAt } };
    const { frame, clock } = await app({ columns: 120, rows: 24 }, [...START, down]);
    expect(frame()).toContain("✕ disconnected, retrying in 5s: cannot connect (ECONNREFUSED)");
    await clock.advance(999);
    expect(frame()).toContain("retrying in 5s");
    await clock.advance(1);
    expect(frame()).toContain("retrying in 4s");
    await clock.advance(3000);
    expect(frame()).toContain("retrying in 1s");
  });

  test("↑↓ scroll the focused list", async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ type: "finding", finding: finding({ message: `finding ${i}`, timestamp: `2026-11-26T17:00:${String(10 + i).padStart(2, "0")}.000Z` }) }) as SourceEvent);
    const { frame, press } = await app({ columns: 80, rows: 24 }, [...START, ...many]);
    await press("2");
    expect(frame()).toContain("1–5 of 30");
    expect(frame()).toContain("finding 29 ");
    await press("\u001b[B");
    await press("j");
    expect(frame()).toContain("3–7 of 30");
    expect(frame()).not.toContain("finding 29 ");
    expect(frame()).toContain("finding 27 ");
    await press("k");
    expect(frame()).toContain("finding 28 ");
  });
});
