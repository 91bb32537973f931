import { describe, expect, test } from "bun:test";
import { ProcessPanel, processPanelLength } from "../../../tui/components/ProcessPanel.ts";
import { formatClock } from "../../../tui/format.ts";
import type { ProcessQuery } from "../../../tui/process-reader.ts";
import type { ProcessesView } from "../../../tui/tui-model.ts";
import { PROCESSES, colourOf, frameText, processInfo, styleOf } from "../support.ts";

const QUERY: ProcessQuery = { sort: "cpu", filter: "", limit: 100 };
const VIEW: ProcessesView = { query: QUERY, total: 5, matched: 5, items: PROCESSES };

describe("ProcessPanel", () => {
  test("one row per process under the column headings: pid, user, CPU %, resident memory, read and write per second, threads, state, command", () => {
    const lines = frameText(ProcessPanel({ view: VIEW, sort: "cpu", filter: "", width: 140, height: 8 })).split("\n");
    expect(lines[0]).toStartWith("─ Processes ──");
    expect(lines[0]).toEndWith("─ by CPU · 5");
    expect(lines[1]).toBe("    PID USER      ▼CPU%      RES  READ/s  WRITE/s  THR S COMMAND");
    expect(lines[2]).toBe("   4242 alice      99.5 5.00 MiB     0 B      0 B    1 R stress-ng --cpu 1 --timeout 600");
    expect(lines[3]).toBe("    812 postgres   12.3 1.50 GiB 2.50 MB   120 kB    9 S /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main");
    // A user name longer than its column is cut with a +, as top does; I/O the agent may not read is a dash, never a zero.
    expect(lines[4]).toBe("   3001 backup-+    4.0  300 MiB       –        –   14 D restic backup /srv");
    expect(lines[5]).toBe("      2 root        0.0      0 B     0 B      0 B    1 S [kthreadd]");
    expect(lines[6]).toBe("   5150 alice       0.0      0 B     0 B      0 B    1 Z [defunct]");
    expect(lines).toHaveLength(7);
  });

  test("the title says when the agent read the list, as processes are read less often than the tick", () => {
    const readAt = "2026-12-05T14:02:11.000Z";
    const [title] = frameText(ProcessPanel({ view: { ...VIEW, readAt }, sort: "cpu", filter: "", width: 140, height: 8 })).split("\n");
    expect(title).toEndWith(`─ by CPU · 5 · read ${formatClock(readAt)}`);
    expect(formatClock(readAt)).toMatch(/^\d\d:02:11$/);
  });

  test("the sorted column is marked ▼ in cyan and its values bold; states coloured: running green, disk sleep yellow, zombie red; kernel threads dim", () => {
    const lines = ProcessPanel({ view: VIEW, sort: "memory", filter: "", width: 120, height: 8 });
    expect(frameText(lines).split("\n")[1]).toBe("    PID USER       CPU%     ▼RES  READ/s  WRITE/s  THR S COMMAND");
    expect(styleOf(lines[1]!, "▼RES")).toMatchObject({ color: "cyan", bold: true });
    expect(styleOf(lines[1]!, "CPU%")?.color).toBeUndefined();
    expect(styleOf(lines[3]!, "1.50 GiB")?.bold).toBe(true);
    expect(lines[2]!.find((s) => s.text === "R")?.style?.color).toBe("green");
    expect(lines[4]!.find((s) => s.text === "D")?.style?.color).toBe("yellow");
    expect(lines[6]!.find((s) => s.text === "Z")?.style).toMatchObject({ color: "red", bold: true });
    expect(styleOf(lines[5]!, "[kthreadd]")?.dim).toBe(true);
    expect(styleOf(lines[3]!, "postgres -D")?.dim).toBeUndefined();
    // By I/O both rates are the sorted columns.
    const io = frameText(ProcessPanel({ view: VIEW, sort: "io", filter: "", width: 120, height: 3 })).split("\n");
    expect(io[0]).toEndWith("─ by I/O · 1–1 of 5");
    expect(io[1]).toBe("    PID USER       CPU%      RES ▼READ/s ▼WRITE/s  THR S COMMAND");
  });

  test("80 columns: the command is cut to the width; narrower, threads, state, user and I/O give way before the command, never the sorted column", () => {
    const at80 = frameText(ProcessPanel({ view: VIEW, sort: "cpu", filter: "", width: 80, height: 4 })).split("\n");
    expect(at80[3]).toBe("    812 postgres   12.3 1.50 GiB 2.50 MB   120 kB    9 S /usr/lib/postgresql/15…");
    expect(at80[3]).toHaveLength(80);
    for (const line of at80) expect(line.length).toBeLessThanOrEqual(80);
    const at50 = frameText(ProcessPanel({ view: VIEW, sort: "cpu", filter: "", width: 50, height: 4 })).split("\n");
    expect(at50[1]).toBe("    PID  ▼CPU%      RES COMMAND");
    expect(at50[2]).toBe("   4242   99.5 5.00 MiB stress-ng --cpu 1 --timeo…");
    const ioAt40 = frameText(ProcessPanel({ view: VIEW, sort: "io", filter: "", width: 40, height: 3 })).split("\n");
    expect(ioAt40[1]).toBe("    PID   CPU% ▼READ/s ▼WRITE/s COMMAND");
  });

  test("scrolled: the rows from the offset, and the title says which of how many", () => {
    const many = Array.from({ length: 40 }, (_, i) => processInfo({ pid: 1000 + i, command: `worker ${i}`, cpu_percent: 40 - i }));
    const view: ProcessesView = { query: QUERY, total: 300, matched: 300, items: many };
    const lines = frameText(ProcessPanel({ view, sort: "cpu", filter: "", width: 100, height: 7, focused: true, offset: 10 })).split("\n");
    expect(lines[0]).toEndWith("─ by CPU · 11–15 of 300");
    expect(lines[2]).toContain(" worker 10");
    expect(lines[6]).toContain(" worker 14");
    // Past the end the last rows stay in view.
    const end = frameText(ProcessPanel({ view: { ...view, matched: 40 }, sort: "cpu", filter: "", width: 100, height: 7, offset: 99 })).split("\n");
    expect(end[0]).toEndWith("36–40 of 40");
    expect(end.at(-1)).toContain(" worker 39");
  });

  test("a filter: in the title with how many match of how many in all; one that matches nothing says so", () => {
    const view: ProcessesView = { query: { ...QUERY, filter: "post" }, total: 5, matched: 1, items: [PROCESSES[1]!] };
    const frame = frameText(ProcessPanel({ view, sort: "cpu", filter: "post", width: 100, height: 4 }));
    expect(frame.split("\n")[0]).toEndWith("─ by CPU · /post · 1 matching, 5 in all");
    expect(frame).toContain(" 812 postgres");
    const none = frameText(ProcessPanel({ view: { ...view, query: { ...QUERY, filter: "xyzzy" }, matched: 0, items: [] }, sort: "cpu", filter: "xyzzy", width: 100, height: 4 }));
    expect(none).toContain('No process matches "xyzzy" (/ changes the filter, Esc clears it).');
  });

  test("while a filter is typed, a line under the title shows it and the keys that apply or clear it", () => {
    const lines = ProcessPanel({ view: VIEW, sort: "cpu", filter: "", editing: "stre", width: 100, height: 6, focused: true });
    const text = frameText(lines).split("\n");
    expect(text[1]).toBe("Filter: stre▏  Enter applies, Esc clears (name, command, user or pid)");
    expect(text[2]).toStartWith("    PID USER");
    expect(text).toHaveLength(6);
    expect(colourOf(lines[1]!, "stre")).toBe("cyan");
  });

  test("an agent with no list (an older one: 404; the collector off: 503) is one line saying why, never a crash; rows already read stay under it", () => {
    const problem = "this agent has no process list (no /api/v1/processes: an older version)";
    const lines = ProcessPanel({ view: { query: QUERY, total: 0, matched: 0, items: [], problem }, sort: "cpu", filter: "", width: 100, height: 6 });
    expect(frameText(lines).split("\n")[1]).toBe(`No process list: ${problem}`);
    expect(colourOf(lines[1]!, "No process list")).toBe("yellow");
    expect(frameText(lines)).not.toContain("No process listed");
    const stale = frameText(ProcessPanel({ view: { ...VIEW, problem: "cannot connect (ECONNREFUSED)" }, sort: "cpu", filter: "", width: 100, height: 6 }));
    expect(stale.split("\n")[1]).toBe("Not refreshed: cannot connect (ECONNREFUSED)");
    expect(stale).toContain("stress-ng");
  });

  test("before the first answer it says the list is being read; text from the agent cannot move the cursor", () => {
    expect(frameText(ProcessPanel({ sort: "cpu", filter: "", width: 80, height: 4 }))).toContain("Reading the process list…");
    const evil = processInfo({ command: "sh -c \u001b[2J\u001b]0;owned\u0007 echo", user: "ro\not" });
    const frame = frameText(ProcessPanel({ view: { ...VIEW, items: [evil] }, sort: "cpu", filter: "", width: 100, height: 3 }));
    for (const line of frame.split("\n")) expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(frame).toContain("sh -c  [2J ]0;owned  echo");
  });

  test("the lines it would like: title, headings, a notice, every match", () => {
    expect(processPanelLength(undefined, false)).toBe(3);
    expect(processPanelLength(VIEW, false)).toBe(7);
    expect(processPanelLength(VIEW, true)).toBe(8);
  });
});
