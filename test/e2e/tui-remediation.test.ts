import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { findPeer } from "../support/peers.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { waitForScreen } from "../support/screen-wait.ts";

/**
 * Deciding remediation runs from the terminal UI, in a real terminal (tmux): an agent whose memory alert
 * fires at once (any host uses more than 1 % of its memory) matches two `approve`-mode `exec` actions,
 * each touching a file; `tui --url`, with the agent's token, shows both runs awaiting approval. The keys
 * 4, a, y approve one (its file appears), and in a plain terminal 4, d, y deny the other (nothing runs);
 * the agent records both decisions as the TUI's.
 */
const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const work = mkdtempSync(join(tmpdir(), "aiops-tui-remediation-"));
const SOCKET = `aiops-tui-remediation-${process.pid}`;
const TOKEN = "tui-remediation-e2e-token-0123456789";
const tmuxPath = findPeer("tmux", ["/usr/bin/tmux", "/usr/local/bin/tmux"]);

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([tmuxPath!, "-u", "-L", SOCKET, "-f", "/dev/null", ...args]);
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

let agent: AgentProcess | undefined;
afterAll(async () => {
  if (tmuxPath) Bun.spawnSync([tmuxPath, "-L", SOCKET, "kill-server"]);
  await agent?.stop();
  rmSync(work, { recursive: true, force: true });
});

type Run = { id: number; action: string; outcome: string; decidedBy: string | null; reason: string };
const FIRST = join(work, "touched-by-first");
const SECOND = join(work, "touched-by-second");

/** The runs as the API lists them, newest first. */
async function runs(): Promise<Run[]> {
  const response = await fetch(agent!.url("/api/v1/remediations"), { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { items: Run[] }).items;
}

let sessions = 0;
/** `tui --url` with the agent's token in a new tmux session of the given size and environment. */
function viewer(size: { columns: number; rows: number }, env: Record<string, string> = {}) {
  const name = `v${++sessions}`;
  const vars = Object.entries({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, LANG: "C.UTF-8", TERM: "xterm-256color", AIOPS_API_TOKEN: TOKEN, ...env }).map(([k, v]) => `${k}=${quote(v)}`);
  tmux("new-session", "-d", "-s", name, "-x", String(size.columns), "-y", String(size.rows), `env -i ${vars.join(" ")} ${quote(process.execPath)} ${quote(MAIN)} tui --url ${quote(agent!.url(""))}; sleep 60`);
  const screen = () => tmux("capture-pane", "-p", "-t", name);
  return {
    screen,
    keys: (...keys: string[]) => tmux("send-keys", "-t", name, ...keys),
    showing: (what: string, check: (s: string) => boolean) => waitForScreen(what, screen, check),
    close: () => tmux("kill-session", "-t", name),
  };
}

beforeAll(async () => {
  if (!tmuxPath) return;
  tmux("new-session", "-d", "-s", "keep", "sleep 3600");
  const config = join(work, "agent.yaml");
  writeFileSync(
    config,
    `agent:
  interval: 1
thresholds:
  memory: 1
  cpu: 94
  disk: 94
detect:
  statistical: false
alert:
  for: 0
  group_wait: 0
remediation:
  actions:
    - name: touch-first
      match: ["alertname=memory_high"]
      mode: approve
      exec: { path: /usr/bin/touch, args: ["${FIRST}"] }
    - name: touch-second
      match: ["alertname=memory_high"]
      mode: approve
      exec: { path: /usr/bin/touch, args: ["${SECOND}"] }
`,
  );
  agent = await startAgentProcess({ AIOPS_CONFIG: config, AIOPS_DATA_DIR: join(work, "data"), AIOPS_API_TOKEN: TOKEN }, await freePort());
  // Recorded before any viewer attaches: they must show from the list, not only from the events after.
  await waitFor("two runs awaiting approval", async () => ((await runs()).filter((r) => r.outcome === "awaiting_approval").length === 2 ? true : undefined), 30_000);
}, 60_000);

describe.skipIf(!tmuxPath)("tui --url: remediation runs decided by key", () => {
  test("120x40: the runs awaiting approval show at attach; 4, a, y approve the newest through the API; the action runs", async () => {
    const [second] = await runs();
    expect(second).toMatchObject({ action: "touch-second", outcome: "awaiting_approval" });
    const v = viewer({ columns: 120, rows: 40 });
    await v.showing("the runs awaiting approval", (s) => /awaiting approval {2}touch-second {2}memory_high {2}\/usr\/bin\/touch/.test(s) && / 4 Remediation 2/.test(s));
    v.keys("4");
    await v.showing("the newest waiting run selected", (s) => /› .*touch-second/.test(s) && s.includes("a approves, d denies"));
    v.keys("a");
    await v.showing("the question", (s) => s.includes(`Approve run ${second!.id}, touch-second for memory_high? y confirms`));
    expect(existsSync(SECOND)).toBe(false);
    v.keys("y");
    await v.showing("the agent's answer", (s) => s.includes(`Run ${second!.id} approved: now running`));
    await waitFor("the action to run", async () => (existsSync(SECOND) ? true : undefined), 15_000);
    const after = (await runs()).find((r) => r.id === second!.id)!;
    expect(after.decidedBy).toBe("tui");
    await v.showing("the run's next outcome, from the event stream", (s) => /(verifying|succeeded|failed) +touch-second/.test(s) && / 4 Remediation 1/.test(s));
    expect(existsSync(FIRST)).toBe(false);
    v.keys("q");
    v.close();
  }, 90_000);

  test("80x24, NO_COLOR and TERM=dumb: the other run denied by d, y; nothing runs", async () => {
    const first = (await runs()).find((r) => r.action === "touch-first")!;
    expect(first.outcome).toBe("awaiting_approval");
    const v = viewer({ columns: 80, rows: 24 }, { NO_COLOR: "1", TERM: "dumb" });
    await v.showing("the waiting run's count", (s) => / 4 Remed(iation)? 1/.test(s));
    v.keys("4");
    await v.showing("the waiting run selected", (s) => /› .*awaiting approval {2}touch-first/.test(s));
    v.keys("d");
    await v.showing("the question", (s) => s.includes(`Deny run ${first.id}, touch-first for memory_high? y confirms`));
    v.keys("y");
    await v.showing("the agent's answer", (s) => s.includes(`Run ${first.id} denied: now denied (denied by tui)`));
    expect((await runs()).find((r) => r.id === first.id)).toMatchObject({ outcome: "denied", decidedBy: "tui" });
    expect(existsSync(FIRST)).toBe(false);
    for (const line of v.screen().replace(/\n+$/, "").split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    v.keys("q");
    v.close();
  }, 90_000);
});
