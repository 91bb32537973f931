import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { findPeer } from "../support/peers.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { waitForScreen } from "../support/screen-wait.ts";

/**
 * The processes panel in a real terminal (tmux): three processes with recognisable command lines (their
 * argv[0] carries a tag of this run) run beside the agent, one busy on the CPU, one holding 150 MB, one
 * writing to disk. `5` shows the panel, `/`, the tag and Enter filter the list down to them, and `c`,
 * `m` and `i` put each of them first; Esc clears the filter. In colour at 120x40 with the agent in the
 * same process (`run --tui`), and attached (`tui --url`) at 80x24 on a dumb terminal.
 */
const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const work = mkdtempSync(join(tmpdir(), "aiops-tui-processes-"));
const SOCKET = `aiops-tui-processes-${process.pid}`;
const TAG = `tui${process.pid}`;
const tmuxPath = findPeer("tmux", ["/usr/bin/tmux", "/usr/local/bin/tmux"]);

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([tmuxPath!, "-u", "-L", SOCKET, "-f", "/dev/null", ...args]);
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

const workload: Array<ReturnType<typeof Bun.spawn>> = [];
let agent: AgentProcess | undefined;

afterAll(async () => {
  if (tmuxPath) Bun.spawnSync([tmuxPath, "-L", SOCKET, "kill-server"]);
  for (const p of workload) p.kill("SIGKILL");
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

type Row = { pid: number; command: string; cpu_percent: number; memory_bytes: number; write_bytes_per_second: number | null };

/** The tagged processes as the agent lists them. */
async function tagged(): Promise<Row[]> {
  const response = await fetch(agent!.url(`/api/v1/processes?filter=${TAG}`));
  return response.ok ? ((await response.json()) as { items: Row[] }).items : [];
}

beforeAll(async () => {
  if (!tmuxPath) return;
  tmux("new-session", "-d", "-s", "keep", "sleep 3600");
  // Esc reaches the UI at once, not after tmux waited to see whether a sequence follows.
  tmux("set-option", "-s", "escape-time", "0");
  const file = join(work, "written.bin");
  workload.push(
    Bun.spawn(["/bin/sh", "-c", "while :; do :; done"], { argv0: `${TAG}-cpu` }),
    Bun.spawn([process.execPath, "-e", "const held = Buffer.alloc(150e6, 1); setInterval(() => held[0]++, 1000)"], { argv0: `${TAG}-mem` }),
    Bun.spawn(
      [process.execPath, "-e", `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(file)}, "w"); const chunk = Buffer.alloc(256 * 1024, 7); setInterval(() => { fs.writeSync(fd, chunk, 0, chunk.length, 0); fs.fsyncSync(fd); }, 100)`],
      { argv0: `${TAG}-io` },
    ),
  );
  agent = await startAgentProcess({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: join(work, "data-agent") }, await freePort());
  // The agent sees each of the three lead in its own order before any screen is looked at.
  await waitFor("the agent to see the workload", async () => {
    const rows = await tagged();
    const by = (key: (r: Row) => number) => [...rows].sort((a, b) => key(b) - key(a))[0]?.command ?? "";
    const ready = rows.length === 3 && by((r) => r.cpu_percent).startsWith(`${TAG}-cpu`) && by((r) => r.memory_bytes).startsWith(`${TAG}-mem`) && by((r) => r.write_bytes_per_second ?? 0).startsWith(`${TAG}-io`);
    return ready || undefined;
  }, 30_000);
}, 60_000);

let sessions = 0;
/** A UI in a new tmux session of the given size and environment. */
function terminal(argv: string[], size: { columns: number; rows: number }, env: Record<string, string> = {}) {
  const name = `p${++sessions}`;
  const vars = Object.entries({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, LANG: "C.UTF-8", TERM: "xterm-256color", ...env }).map(([k, v]) => `${k}=${quote(v)}`);
  tmux("new-session", "-d", "-s", name, "-x", String(size.columns), "-y", String(size.rows), `env -i ${vars.join(" ")} ${argv.map(quote).join(" ")}; sleep 60`);
  const screen = () => tmux("capture-pane", "-p", "-t", name);
  return {
    screen,
    /** The screen with its colours and styles, as escape sequences. */
    styled: () => tmux("capture-pane", "-p", "-e", "-t", name),
    keys: (...keys: string[]) => tmux("send-keys", "-t", name, ...keys),
    showing: (what: string, check: (s: string) => boolean) => waitForScreen(what, screen, check),
    close: () => tmux("kill-session", "-t", name),
  };
}

/** The first process row under the column headings. */
const firstRow = (screen: string) => {
  const lines = screen.split("\n");
  return lines[lines.findIndex((l) => /^\s+PID /.test(l)) + 1] ?? "";
};

/** 5, then the filter typed key by key, then the sort keys: each puts its process first. */
async function sortAndFilter(v: ReturnType<typeof terminal>, columns: number) {
  await v.showing("the tabs", (s) => / 5 Proc(esse)?s/.test(s) && s.includes("CPU "));
  v.keys("5");
  await v.showing("the panel, by CPU", (s) => s.includes("─ Processes ─") && s.includes("▼CPU%"));
  v.keys("/");
  await v.showing("the filter line", (s) => s.includes("Filter: ▏"));
  v.keys("-l", TAG);
  await v.showing("the filter typed", (s) => s.includes(`Filter: ${TAG}▏`));
  v.keys("Enter");
  const filtered = await v.showing("the three tagged processes, the CPU burner first", (s) => s.includes(`/${TAG} · 3 matching`) && firstRow(s).includes(`${TAG}-cpu`));
  expect(filtered).not.toContain("Filter:");
  for (const line of filtered.replace(/\n+$/, "").split("\n")) expect(line.length).toBeLessThanOrEqual(columns);
  v.keys("m");
  await v.showing("by memory: the holder first", (s) => s.includes("▼RES") && s.includes("by memory") && firstRow(s).includes(`${TAG}-mem`));
  v.keys("i");
  await v.showing("by I/O: the writer first", (s) => s.includes("▼WRITE/s") && s.includes("by I/O") && firstRow(s).includes(`${TAG}-io`));
  v.keys("c");
  await v.showing("by CPU again", (s) => s.includes("by CPU") && firstRow(s).includes(`${TAG}-cpu`));
  v.keys("Escape");
  await v.showing("the filter cleared: every process", (s) => !s.includes("matching") && /─ by CPU · 1–\d+ of \d+/.test(s));
}

describe.skipIf(!tmuxPath)("the processes panel in a terminal: sorted and filtered by key", () => {
  test("run --tui at 120x40 in colour: the sorted column cyan", async () => {
    const v = terminal([process.execPath, MAIN, "run", "--tui"], { columns: 120, rows: 40 }, { AIOPS_LISTEN: "127.0.0.1:0", AIOPS_DATA_DIR: join(work, "data-run") });
    await sortAndFilter(v, 120);
    const heading = v.styled().split("\n").find((l) => l.includes("▼CPU%"))!;
    // Cyan (36) and bold (1) on the sorted column's heading.
    expect(heading).toMatch(/\u001b\[[0-9;]*36[0-9;]*m[^\u001b]*▼CPU%/);
    v.keys("q");
    await waitFor("the agent to stop", async () => (v.screen().includes("aiops-agent: stopped") ? true : undefined), 20_000);
    v.close();
  }, 120_000);

  test("tui --url at 80x24 on a dumb terminal: the same keys, plain text", async () => {
    const v = terminal([process.execPath, MAIN, "tui", "--url", agent!.url("")], { columns: 80, rows: 24 }, { TERM: "dumb" });
    await sortAndFilter(v, 80);
    expect(v.styled()).not.toContain("\u001b");
    v.keys("q");
    v.close();
  }, 120_000);
});
