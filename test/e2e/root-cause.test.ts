import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

const work = mkdtempSync(join(tmpdir(), "aiops-root-cause-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BURNER = join(import.meta.dir, "../fixtures/processes-this-machine/workload/cpu-burner-threads");

type Body = { anomaly: { type: string; top_processes?: Array<{ pid: number; name: string; command: string; cpu_percent: number }> } };

test("a CPU-burning process raises cpu_high, and the webhook names it first among the top processes", async () => {
  const bodies: Body[] = [];
  const sink = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      bodies.push((await request.json()) as Body);
      return new Response("ok");
    },
  });
  // Spinning threads keep this 2-CPU machine over a 30 % level, and the burner the busiest process.
  const file = join(work, "agent.yaml");
  writeFileSync(
    file,
    `agent:
  interval: 0.5
thresholds:
  cpu: 30
alert:
  for: 0
  group_wait: 0
  channels:
    - name: hook
      type: webhook
      url: http://127.0.0.1:${sink.port}/hook
      # Re-sent every second while it fires: each names the top processes of its own tick.
      repeat_interval: 1s
`,
  );
  const agent = await startAgentProcess({ AIOPS_CONFIG: file, AIOPS_DATA_DIR: join(work, "data") }, freePort());
  // Started once the agent is up: a starved start-up would only make the test slow.
  const burner = Bun.spawn([BURNER], { stdout: "ignore", stderr: "ignore" });
  try {
    const body = await waitFor("a cpu_high notification naming the burner first", async () =>
      bodies.find((b) => b.anomaly.type === "cpu_high" && b.anomaly.top_processes?.[0]?.pid === burner.pid),
    ).catch((cause: Error) => {
      throw new Error(`${cause.message}; received: ${JSON.stringify(bodies.map((b) => [b.anomaly.type, b.anomaly.top_processes?.slice(0, 2)]))}`);
    });
    const top = body.anomaly.top_processes!;
    expect(top.length).toBe(3);
    expect(top[0]).toMatchObject({ pid: burner.pid, name: "cpu-burner-thre", command: `/usr/bin/perl ${BURNER}` });
    expect(top[0]!.cpu_percent).toBeGreaterThan(top[1]!.cpu_percent);
    for (const p of top) expect(Object.keys(p)).toEqual(expect.arrayContaining(["pid", "name", "command", "user", "cpu_percent", "memory_bytes"]));
  } finally {
    burner.kill("SIGKILL");
    await agent.stop();
    sink.stop(true);
  }
}, 60_000);
