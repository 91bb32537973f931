import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

/**
 * Remediation through the whole agent, with real processes: an alert fires from the host's real
 * readings, the action matches it, and the runs are read back through the API.
 */
const work = mkdtempSync(join(tmpdir(), "aiops-remediation-e2e-"));
const agents: AgentProcess[] = [];
const children: Array<ReturnType<typeof Bun.spawn>> = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop("SIGKILL");
  for (const c of children.splice(0)) c.kill("SIGKILL");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TOKEN = "remediation-e2e-token-0123456789";
type Run = { id: number; action: string; outcome: string; reason: string; plan: string; output: string; decidedBy: string | null; alert: { fingerprint: string; labels: Record<string, string> } };

/** A process whose command line carries `marker`; `burn` makes it spin a CPU. */
function startMarked(marker: string, burn = false): ReturnType<typeof Bun.spawn> {
  const child = Bun.spawn([process.execPath, "-e", burn ? "for (;;) {}" : "setInterval(() => {}, 1e6)", marker], { stdout: "ignore", stderr: "ignore" });
  children.push(child);
  return child;
}

async function start(yaml: string): Promise<AgentProcess> {
  const dir = mkdtempSync(join(work, "agent-"));
  const file = join(dir, "agent.yaml");
  writeFileSync(file, yaml);
  const agent = await startAgentProcess({ AIOPS_CONFIG: file, AIOPS_DATA_DIR: join(dir, "data"), AIOPS_API_TOKEN: TOKEN }, freePort());
  agents.push(agent);
  return agent;
}

async function runs(agent: AgentProcess, query = ""): Promise<Run[]> {
  const response = await fetch(agent.url(`/api/v1/remediations${query}`), { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { items: Run[] }).items;
}

/** Waits for the runs of an action to satisfy `check`, and returns them. */
function waitForRuns(agent: AgentProcess, what: string, check: (runs: Run[]) => boolean, timeoutMs = 30_000): Promise<Run[]> {
  return waitFor(what, async () => {
    const all = await runs(agent);
    return check(all) ? all : undefined;
  }, timeoutMs);
}

/** Busy share of all CPUs over `ms`, from /proc/stat, as the agent computes it. */
async function cpuBusyPercent(ms: number): Promise<number> {
  const read = async () => {
    const [, ...fields] = (await Bun.file("/proc/stat").text()).split("\n")[0]!.trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
    const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
    return { total, idle: idle! + iowait! };
  };
  const a = await read();
  await Bun.sleep(ms);
  const b = await read();
  return 100 * (1 - (b.idle - a.idle) / Math.max(1, b.total - a.total));
}

/** A memory alert that fires at once and keeps firing: any host uses more than 1 % of its memory. */
const MEMORY_ALERT = `agent:
  interval: 0.5
thresholds:
  memory: 1
  cpu: 94
  disk: 94
detect:
  statistical: false
alert:
  for: 0
  group_wait: 0
`;

describe("remediation in a running agent", () => {
  test("a CPU-burning process raises cpu_high; a signal action in auto mode stops it; the alert resolves and the run succeeds", async () => {
    // The level sits above what the machine is doing anyway (a CI machine may be busy with other work),
    // so the alert is the burners' and clears once they are stopped.
    let busiest = 0;
    for (let i = 0; i < 3; i++) busiest = Math.max(busiest, await cpuBusyPercent(1000));
    const level = Math.min(94, Math.max(50, Math.ceil(busiest) + 8));
    const marker = `aiops-e2e-burner-${process.pid}`;
    const burners = cpus().map(() => startMarked(marker, true));
    const agent = await start(`agent:
  interval: 1
thresholds:
  cpu: ${level}
  critical: 99.9
  hysteresis: 1
detect:
  statistical: false
alert:
  for: 0
  group_wait: 0
remediation:
  actions:
    - name: stop-runaway
      match: ["alertname=cpu_high"]
      mode: auto
      signal: { name: SIGTERM, process: "${marker}$" }
      verify_within: 45s
`);
    const done = await waitForRuns(agent, "the run to succeed", (r) => r.some((x) => x.outcome === "succeeded" || x.outcome === "failed"), 75_000).catch(async (e) => {
      console.log(JSON.stringify(await runs(agent)), JSON.stringify(agent.lines.slice(-20)));
      throw e;
    });
    const run = done.find((x) => x.outcome === "succeeded" || x.outcome === "failed")!;
    expect(run).toMatchObject({ action: "stop-runaway", outcome: "succeeded", alert: { labels: { alertname: "cpu_high" } } });
    expect(run.plan).toStartWith(`send SIGTERM to ${burners.length} process`);
    for (const b of burners) {
      await b.exited;
      expect(b.signalCode).toBe("SIGTERM");
    }
    const alerts = (await (await fetch(agent.url("/api/v1/alerts?fingerprint=" + run.alert.fingerprint), { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { items: Array<{ state: string }> };
    expect(alerts.items[0]!.state).toBe("resolved");
  }, 120_000);

  test("the same in dry_run (the default) leaves the process alive and records what would have run", async () => {
    const marker = `aiops-e2e-sleeper-${process.pid}`;
    const sleeper = startMarked(marker);
    const agent = await start(`${MEMORY_ALERT}remediation:
  actions:
    - name: stop-it
      match: ["alertname=memory_high"]
      signal: { name: SIGKILL, process: "${marker}$" }
`);
    const [run] = await waitForRuns(agent, "the dry run", (r) => r.length > 0);
    expect(run).toMatchObject({ action: "stop-it", outcome: "dry_run" });
    expect(run!.plan).toMatch(new RegExp(`^send SIGKILL to 1 process: ${sleeper.pid} `));
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.killed).toBe(false);
  }, 60_000);

  test("approve mode waits; the API's approval (token required) runs it", async () => {
    const flag = join(work, `approved-${Date.now()}`);
    const agent = await start(`${MEMORY_ALERT}remediation:
  actions:
    - name: mark
      match: ["alertname=memory_high"]
      mode: approve
      exec: { path: /usr/bin/touch, args: ["${flag}"] }
`);
    const [waiting] = await waitForRuns(agent, "the run awaiting approval", (r) => r.some((x) => x.outcome === "awaiting_approval" && x.plan !== ""));
    expect(waiting!.plan).toBe(`/usr/bin/touch ${flag}`);
    expect(existsSync(flag)).toBe(false);
    expect((await fetch(agent.url(`/api/v1/remediations/${waiting!.id}/approve`), { method: "POST" })).status).toBe(401);
    const approved = await fetch(agent.url(`/api/v1/remediations/${waiting!.id}/approve`), { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(approved.status).toBe(200);
    await waitForRuns(agent, "the approved run to act", (r) => r.some((x) => x.id === waiting!.id && x.outcome === "verifying"));
    expect(existsSync(flag)).toBe(true);
  }, 60_000);

  test("a kill -9 during a run records it interrupted after the restart, and it is not run again", async () => {
    const dir = mkdtempSync(join(work, "agent-"));
    const file = join(dir, "agent.yaml");
    const marker = `aiops-e2e-slow-${process.pid}`;
    writeFileSync(
      file,
      `${MEMORY_ALERT}remediation:
  actions:
    - name: slow-fix
      match: ["alertname=memory_high"]
      mode: auto
      exec: { path: /bin/sh, args: ["-c", "exec sleep 30", "${marker}"], timeout: 60s }
`,
    );
    const env = { AIOPS_CONFIG: file, AIOPS_DATA_DIR: join(dir, "data"), AIOPS_API_TOKEN: TOKEN };
    const first = await startAgentProcess(env, freePort());
    agents.push(first);
    const [running] = await waitForRuns(first, "the run to start", (r) => r.some((x) => x.outcome === "running"));
    await first.stop("SIGKILL");
    agents.pop();
    const second = await startAgentProcess(env, freePort());
    agents.push(second);
    const after = await waitForRuns(second, "the run to be recorded interrupted", (r) => r.some((x) => x.id === running!.id && x.outcome === "interrupted"));
    expect(after.find((x) => x.id === running!.id)!.reason).toBe("the agent stopped (or was killed) while the action ran; it is not run again");
    // The alert is restored firing, not started again: the action is not run a second time.
    await Bun.sleep(2000);
    expect((await runs(second)).filter((x) => x.action === "slow-fix")).toHaveLength(1);
    // The program the killed agent started ran in its own session and outlived it: end it here.
    Bun.spawnSync(["pkill", "-f", "exec sleep 30"]);
  }, 60_000);
});
