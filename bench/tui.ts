/**
 * `npm run bench:tui`: what watching an agent costs the machine. The compiled binary runs the agent at
 * a 1 s interval, and `aiops-agent tui --url` watches it in a real terminal (a detached tmux pane of
 * COLUMNS×ROWS). Measured from outside over DURATION seconds after WARMUP: the viewer's CPU as a share
 * of one core, its resident memory, and the bytes it wrote to the terminal (what it redraws).
 * Target: at most 1 % of one core.
 *
 *   bun bench/tui.ts            COLUMNS=120 ROWS=40 DURATION=60 WARMUP=15
 *   TERM=dumb bun bench/tui.ts  the plain-text form (each change printed as a new screen)
 *   PANEL=5 bun bench/tui.ts    with a panel in view (5: processes, read from /api/v1/processes every tick)
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, processCpuSeconds, processRssBytes, startAgent } from "./support/process-stats.ts";

const DURATION = Number(process.env.DURATION ?? 60);
const WARMUP = Number(process.env.WARMUP ?? 15);
const COLUMNS = Number(process.env.COLUMNS ?? 120);
const ROWS = Number(process.env.ROWS ?? 40);
const PANEL = process.env.PANEL ?? "";
const TERM = process.env.BENCH_TERM ?? (process.env.TERM === "dumb" ? "dumb" : "xterm-256color");
const tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux"].find((p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
});
if (!tmuxPath) throw new Error("bench:tui needs tmux (apt-get install tmux): the viewer needs a terminal");

const port = 19000 + Math.floor(Math.random() * 1000);
const data = mkdtempSync(join(tmpdir(), "aiops-bench-tui-"));
const socket = `aiops-bench-tui-${process.pid}`;
const tmux = (...args: string[]) => {
  const r = Bun.spawnSync([tmuxPath, "-L", socket, "-f", "/dev/null", ...args]);
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};

const binary = buildBinary(data);
const agent = await startAgent({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: data }, port, binary);
const output = join(data, "terminal-output");
try {
  // VIEWER_ENV="K=V ..." adds to the viewer's environment (e.g. JavaScriptCore options, to compare).
  const env = `env -i PATH=/usr/bin:/bin HOME=${data} TERM=${TERM} LANG=C.UTF-8${process.env.NO_COLOR ? " NO_COLOR=1" : ""} ${process.env.VIEWER_ENV ?? ""}`;
  tmux("new-session", "-d", "-s", "bench", "-x", String(COLUMNS), "-y", String(ROWS), `exec ${env} ${binary} tui --url http://127.0.0.1:${port}`);
  const viewer = Number(tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").trim());
  if (PANEL) {
    // The panel's number key once the viewer is up (its keys are read from the start).
    await Bun.sleep(3000);
    tmux("send-keys", "-t", "bench", PANEL);
  }
  await Bun.sleep(WARMUP * 1000);
  // The viewer and the child it runs the UI in (without the optimising JIT): both are what it costs.
  const pids = [viewer, ...Bun.spawnSync(["pgrep", "-P", String(viewer)]).stdout.toString().trim().split("\n").filter(Boolean).map(Number)];
  const cpuOf = () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  tmux("pipe-pane", "-o", "-t", "bench", `cat >> ${output}`);
  const cpuBefore = cpuOf();
  // The agent serves what the viewer reads (the snapshot, the event stream, the process list): its CPU over the same time.
  const agentBefore = processCpuSeconds(agent.pid);
  const started = performance.now();
  await Bun.sleep(DURATION * 1000);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuOf() - cpuBefore;
  const agentCpu = processCpuSeconds(agent.pid) - agentBefore;
  const rss = pids.reduce((sum, pid) => sum + processRssBytes(pid), 0);
  const written = statSync(output, { throwIfNoEntry: false })?.size ?? 0;
  const screen = tmux("capture-pane", "-p", "-t", "bench");
  if (!screen.includes("CPU")) throw new Error(`the viewer shows no host; its screen:\n${screen}`);
  if (PANEL === "5" && !screen.includes("▼CPU%")) throw new Error(`the viewer shows no process list; its screen:\n${screen}`);

  console.log(
    `bench:tui  (bun bench/tui.ts; the compiled binary: agent at a 1 s interval, \`tui --url\` in a ${COLUMNS}x${ROWS} tmux pane, TERM=${TERM}${process.env.NO_COLOR ? ", NO_COLOR=1" : ""}${PANEL ? `, panel ${PANEL} in view` : ", default panels"}${process.env.VIEWER_ENV ? `, ${process.env.VIEWER_ENV}` : ""}; measured ${DURATION} s after ${WARMUP} s)`,
  );
  console.log(`processes: ${pids.length} (${pids.join(", ")})`);
  console.log("| viewer CPU, % of one core | CPU per second (ms) | RSS (MB) | written to the terminal (bytes/s) | the agent meanwhile, % of one core |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| ${((100 * cpu) / elapsed).toFixed(2)} | ${((cpu * 1000) / elapsed).toFixed(1)} | ${(rss / 1048576).toFixed(1)} | ${Math.round(written / elapsed)} | ${((100 * agentCpu) / elapsed).toFixed(2)} |`,
  );
  console.log("target: at most 1 % of one core");
} finally {
  Bun.spawnSync([tmuxPath, "-L", socket, "kill-server"]);
  agent.kill("SIGTERM");
  await agent.exited;
  rmSync(data, { recursive: true, force: true });
}
