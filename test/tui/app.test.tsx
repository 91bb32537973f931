import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { ManualClock } from "../../src/clock.ts";
import { waitFor } from "../support/ports.ts";
import { App } from "../../tui/app.tsx";
import type { ProcessQuery } from "../../tui/process-reader.ts";
import type { SourceEvent } from "../../tui/source.ts";
import { INFO, PROCESSES, SNAPSHOT, fakeSource, finding, processInfo, remediationRun, testScreen } from "./support.ts";

afterEach(cleanup);

const START: SourceEvent[] = [
  { type: "info", info: INFO },
  { type: "connection", connection: { state: "in-process" } },
  { type: "snapshot", snapshot: SNAPSHOT },
];

/** The App on a manual clock, drawing on a test screen; `settle` (the clock moving by 0) lets React flush a render. */
async function app(size: { columns: number; rows: number }, events = START, answer?: Parameters<typeof fakeSource>[2]) {
  const source = fakeSource(events, "in-process", answer);
  const clock = new ManualClock(Date.parse(SNAPSHOT.timestamp));
  const screen = testScreen();
  const settle = () => clock.advance(0);
  let quits = 0;
  const r = render(<App source={source} screen={screen} onQuit={() => quits++} clock={clock} size={size} />);
  await settle();
  const frame = () => screen.frame();
  const press = async (key: string) => {
    r.stdin.write(key);
    await settle();
  };
  return { ...r, source, clock, screen, settle, frame, press, quits: () => quits };
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
    const { frame, rerender, source, clock, screen, settle } = await app({ columns: 120, rows: 40 });
    for (const size of [{ columns: 30, rows: 8 }, { columns: 20, rows: 3 }, { columns: 200, rows: 60 }, { columns: 80, rows: 24 }]) {
      rerender(<App source={source} screen={screen} onQuit={() => {}} clock={clock} size={size} />);
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
    // Taller than the screen: the arrows scroll it.
    expect(frame()).toMatch(/↓ \d+ more lines/);
    expect(frame()).not.toContain("The agent running in this process.");
    for (let i = 0; i < 20; i++) await press("j");
    expect(frame()).toContain("The agent running in this process.");
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

describe("App drawing", () => {
  test("events that arrive together are drawn once", async () => {
    const { screen, source, settle, frame } = await app({ columns: 120, rows: 40 });
    const before = screen.draws;
    source.push({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: "2026-11-26T17:00:01.000Z", cpu: { ...SNAPSHOT.cpu!, usage_percent: 66.6 } } });
    source.push({ type: "finding", finding: finding({ message: "one" }) });
    source.push({ type: "finding", finding: finding({ message: "two", timestamp: "2026-11-26T17:00:01.000Z" }) });
    await settle();
    expect(screen.draws).toBe(before + 1);
    expect(frame()).toContain("66.6%");
    expect(frame()).toContain("two");
  });
});

describe("App: remediation runs", () => {
  const WAITING = remediationRun({ id: 7, action: "touch-flag", alert: { fingerprint: "f1", labels: { alertname: "memory_high" } }, plan: "/usr/bin/touch /tmp/flag" });
  const DONE = remediationRun({ id: 6, outcome: "succeeded", action: "stop-runaway" });
  const WITH_RUNS: SourceEvent[] = [...START, { type: "remediations", runs: [WAITING, DONE] }];

  test("the tab counts the runs awaiting approval; the panel is in view once there are runs, and 4 focuses it", async () => {
    const { frame, press } = await app({ columns: 120, rows: 40 }, WITH_RUNS);
    expect(frame().split("\n")[1]).toMatch(/ 4 Remediation 1  5 Processes$/);
    expect(frame()).toContain("─ Remediation ─");
    expect(frame()).toMatch(/awaiting approval {2}touch-flag {2}memory_high {2}\/usr\/bin\/touch \/tmp\/flag/);
    await press("4");
    expect(frame()).toContain("› ");
    expect(frame()).toContain("a approves, d denies the selected run");
    // Without runs the panel gives its lines to the others, until it has the focus.
    const empty = await app({ columns: 120, rows: 40 });
    expect(empty.frame()).not.toContain("─ Remediation");
    await empty.press("4");
    expect(empty.frame()).toContain("No remediation runs");
  });

  test("a, then y: the selected run is approved through the source, and the agent's answer shows", async () => {
    const { frame, press, source, settle } = await app({ columns: 120, rows: 40 }, WITH_RUNS, async (id) => ({ ...WAITING, id, outcome: "running", decidedBy: "tui" }));
    await press("4");
    await press("a");
    expect(frame()).toContain("Approve run 7, touch-flag for memory_high? y confirms, any other key cancels");
    expect(source.decisions).toEqual([]);
    await press("y");
    await settle();
    expect(source.decisions).toEqual([[7, "approve"]]);
    expect(frame()).toContain("Run 7 approved: now running");
  });

  test("d, then any other key: cancelled, nothing sent; a run not awaiting approval is refused here with the reason", async () => {
    const { frame, press, source } = await app({ columns: 120, rows: 40 }, WITH_RUNS);
    await press("4");
    await press("d");
    expect(frame()).toContain("Deny run 7");
    await press("n");
    expect(frame()).toContain("Not denied: cancelled.");
    await press("j");
    await press("a");
    expect(frame()).toContain("Run 6 is succeeded: only a run awaiting approval can be approved.");
    expect(source.decisions).toEqual([]);
  });

  test("a refusal by the agent (no write permission, a run no longer waiting) shows in the panel; the UI goes on", async () => {
    const refuse = async () => {
      throw new Error("HTTP 403: changing state needs a token with write scope");
    };
    const { frame, press, settle, source } = await app({ columns: 120, rows: 40 }, WITH_RUNS, refuse);
    await press("4");
    await press("a");
    await press("y");
    await settle();
    expect(frame()).toContain("Run 7 not approved: HTTP 403: changing state needs a token with write scope");
    source.push({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: "2026-11-26T17:00:01.000Z", cpu: { ...SNAPSHOT.cpu!, usage_percent: 12.3 } } });
    await settle();
    expect(frame()).toContain("12.3%");
  });

  test("a run that changes state arrives as an event and takes its new outcome in place", async () => {
    const { frame, source, settle } = await app({ columns: 120, rows: 40 }, WITH_RUNS);
    source.push({ type: "remediation", run: { ...WAITING, outcome: "verifying", decidedBy: "ops", updatedAt: WAITING.updatedAt + 1 } });
    await settle();
    expect(frame()).toMatch(/verifying {10}touch-flag/);
    expect(frame().split("\n")[1]).not.toContain("Remediation 1");
  });
});

describe("App: processes", () => {
  const page = (query: ProcessQuery, items = PROCESSES, total = items.length): SourceEvent => ({ type: "processes", page: { query, total, matched: items.length, items } });

  test("5 focuses the panel: it stands under the host's gauges, and only then is the list read, with the sort, filter and rows asked for", async () => {
    const size = { columns: 80, rows: 24 };
    const { frame, press, source } = await app(size);
    expect(source.watched).toEqual([undefined]);
    // At 80 columns the tabs take their short names so that the interval stays in view.
    expect(frame().split("\n")[1]).toContain("every 1s");
    expect(frame().split("\n")[1]).toEndWith(" 5 Procs");
    await press("5");
    expect(source.watched.at(-1)).toEqual({ sort: "cpu", filter: "", limit: 100 });
    expect(frame()).toContain("Reading the process list…");
    source.push(page({ sort: "cpu", filter: "", limit: 100 }));
    await press("");
    const text = frame();
    fits(text, size);
    expect(text).toContain("CPU    ");
    expect(text).toContain("─ Processes ─");
    expect(text).toContain("    PID USER      ▼CPU%      RES  READ/s  WRITE/s  THR S COMMAND");
    expect(text).toContain("   4242 alice      99.5 5.00 MiB     0 B      0 B    1 R stress-ng --cpu 1 --ti…");
    expect(text).not.toContain("─ Anomalies");
    expect(text.split("\n").at(-1)).toBe("q quit  p pause  tab/←→ panel  ↑↓ scroll  ? help  c/m/i sort  / filter");
    // Out of view (another panel, or the help over it), nothing is read.
    await press("1");
    expect(source.watched.at(-1)).toBeUndefined();
    expect(frame()).toContain("─ Anomalies");
    await press("5");
    await press("?");
    expect(source.watched.at(-1)).toBeUndefined();
    await press("?");
    expect(source.watched.at(-1)).toEqual({ sort: "cpu", filter: "", limit: 100 });
  });

  test("c, m and i sort by CPU, memory and I/O, only while the panel has the focus", async () => {
    const { frame, press, source } = await app({ columns: 120, rows: 40 });
    await press("2");
    await press("m");
    expect(source.watched).toEqual([undefined]);
    await press("5");
    await press("m");
    expect(source.watched.at(-1)).toEqual({ sort: "memory", filter: "", limit: 100 });
    expect(frame()).toContain("─ by memory");
    expect(frame()).toContain("▼RES");
    await press("i");
    expect(source.watched.at(-1)).toMatchObject({ sort: "io" });
    expect(frame()).toContain("▼READ/s ▼WRITE/s");
    await press("c");
    expect(source.watched.at(-1)).toMatchObject({ sort: "cpu" });
  });

  test("/ types a filter (every key goes to it, q and digits too); Enter applies it, Esc clears it", async () => {
    const { frame, press, source, quits, stdin, settle } = await app({ columns: 100, rows: 30 });
    /** A lone Escape reaches the UI only after Ink has waited (20 ms of real time) for the rest of a sequence that does not come. */
    const escape = async (done: () => boolean) => {
      stdin.write("\u001b");
      await waitFor("Ink to pass the Escape key on", async () => {
        await settle();
        return done() || undefined;
      }, 2000, 5);
    };
    await press("5");
    await press("/");
    for (const key of ["s", "q", "1", "x"]) await press(key);
    expect(frame()).toContain("Filter: sq1x▏  Enter applies, Esc clears");
    expect(quits()).toBe(0);
    await press("\u007f");
    await press("\u007f");
    await press("\u007f");
    await press("tress");
    expect(source.watched.at(-1)).toEqual({ sort: "cpu", filter: "", limit: 100 });
    await press("\r");
    expect(source.watched.at(-1)).toEqual({ sort: "cpu", filter: "stress", limit: 100 });
    source.push(page({ sort: "cpu", filter: "stress", limit: 100 }, [PROCESSES[0]!], 5));
    await press("");
    expect(frame()).toContain("─ by CPU · /stress · 1 matching, 5 in all");
    expect(frame()).not.toContain("Filter:");
    // / again edits the filter applied; Esc clears it, typed or applied.
    await press("/");
    expect(frame()).toContain("Filter: stress▏");
    await escape(() => source.watched.at(-1)?.filter === "");
    expect(source.watched.at(-1)).toEqual({ sort: "cpu", filter: "", limit: 100 });
    await press("/");
    await press("post\r");
    expect(source.watched.at(-1)).toMatchObject({ filter: "post" });
    await escape(() => source.watched.at(-1)?.filter === "");
    expect(source.watched.at(-1)).toMatchObject({ filter: "" });
    // Not typing, q quits again.
    await press("q");
    expect(quits()).toBe(1);
  });

  test("↑↓ scroll the list; past the first hundred rows the next hundred are asked for; a new sort starts at the top", async () => {
    const many = Array.from({ length: 100 }, (_, i) => processInfo({ pid: 1000 + i, command: `worker ${i}`, cpu_percent: 100 - i }));
    const { frame, press, source } = await app({ columns: 100, rows: 30 });
    await press("5");
    source.push({ type: "processes", page: { query: { sort: "cpu", filter: "", limit: 100 }, total: 250, matched: 250, items: many } });
    await press("");
    expect(frame()).toContain(" worker 0");
    await press("\u001b[B");
    await press("j");
    expect(frame()).not.toContain(" worker 1\n");
    expect(frame()).toMatch(/by CPU · 3–\d+ of 250/);
    for (let i = 0; i < 7; i++) await press("\u001b[6~");
    expect(source.watched.at(-1)).toEqual({ sort: "cpu", filter: "", limit: 200 });
    await press("m");
    expect(source.watched.at(-1)).toEqual({ sort: "memory", filter: "", limit: 100 });
  });

  test("an agent without the route (an older one) or with the collector off: one line in the panel, the UI goes on", async () => {
    const { frame, press, source } = await app({ columns: 80, rows: 24 });
    await press("5");
    source.push({ type: "processes-unavailable", query: { sort: "cpu", filter: "", limit: 100 }, reason: "this agent has no process list (no /api/v1/processes: an older version)" });
    await press("");
    expect(frame()).toContain("No process list: this agent has no process list (no /api/v1/processes: an older…");
    await press("m");
    await press("1");
    expect(frame()).toContain("CPU    ");
  });
});
