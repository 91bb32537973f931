import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

const work = mkdtempSync(join(tmpdir(), "aiops-root-cause-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BURNER = join(import.meta.dir, "../fixtures/processes-this-machine/workload/cpu-burner-threads");
/** Twice as many spinning threads as CPUs: every CPU busy, and the burner outweighs any lighter process. */
const THREADS = 2 * availableParallelism();
/** A lighter CPU user beside it (busy 20 ms in every 100 ms), so "first" is a ranking, not a lone entry. */
const DECOY = "use Time::HiRes qw(time sleep); while (1) { my $t = time + 0.02; 1 while time < $t; sleep 0.08 }";

/**
 * A PID namespace of its own with its own /proc, where the only processes are the agent, the burner,
 * the decoy and the shell that starts them: on a shared machine another user's busy process would
 * otherwise be ranked too, and could rightly outrank the burner. Host-wide figures (/proc/stat, hence
 * cpu_high) stay the whole machine's. As root, or in a user namespace where the kernel allows one.
 */
function pidNamespace(): string[] | undefined {
  for (const prefix of [
    ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"],
    ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc", "--kill-child"],
  ]) {
    if (Bun.spawnSync([...prefix, "true"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0) return prefix;
  }
  return undefined;
}

type Process = { pid: number; name: string; command: string; cpu_percent: number };
type Body = { anomaly: { type: string; top_processes?: Process[] } };

test("a CPU-burning process raises cpu_high, and the webhook names it first among the top processes", async () => {
  const namespace = pidNamespace();
  if (!namespace) {
    const message = "no PID namespace can be made here (neither as root nor in a user namespace): the burner is ranked against every process of the machine";
    if (process.env.CI === "true") throw new Error(message);
    console.warn(`\n*** ${message} ***\n`);
  }
  const bodies: Body[] = [];
  const sink = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      bodies.push((await request.json()) as Body);
      return new Response("ok");
    },
  });
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
  // The shell starts the agent, then, once the test says go (a starved start-up would only make the
  // test slow), the burner and the decoy; it writes their pids as the agent sees them.
  const go = join(work, "go");
  const pids = join(work, "pids");
  const launcher = [
    "sh",
    "-c",
    `"$@" & agent=$!
     while [ ! -e '${go}' ]; do sleep 0.1; done
     '${BURNER}' ${THREADS} & burner=$!
     perl -e '${DECOY}' & decoy=$!
     echo "$burner $decoy" > '${pids}.tmp' && mv '${pids}.tmp' '${pids}'
     wait $agent`,
    "sh",
  ];
  const agent = await startAgentProcess({ AIOPS_CONFIG: file, AIOPS_DATA_DIR: join(work, "data") }, freePort(), [], (command) => [
    ...(namespace ?? []),
    ...launcher,
    ...command,
  ]);
  try {
    writeFileSync(go, "");
    const [burner, decoy] = await waitFor("the burner and the decoy to start", () =>
      existsSync(pids) ? readFileSync(pids, "utf8").trim().split(" ").map(Number) : undefined,
    );
    const body = await waitFor("a cpu_high notification naming the burner first", async () =>
      bodies.find((b) => b.anomaly.type === "cpu_high" && b.anomaly.top_processes?.[0]?.pid === burner),
    ).catch((cause: Error) => {
      throw new Error(`${cause.message}; received: ${JSON.stringify(bodies.map((b) => [b.anomaly.type, b.anomaly.top_processes]))}`);
    });
    const top = body.anomaly.top_processes!;
    expect(top.length).toBe(3);
    expect(top[0]).toMatchObject({ pid: burner, name: "cpu-burner-thre", command: `/usr/bin/perl ${BURNER} ${THREADS}` });
    expect(top[0]!.cpu_percent).toBeGreaterThan(top[1]!.cpu_percent);
    if (namespace) {
      // Only the test's processes are ranked: the decoy, busy but lighter, comes after the burner.
      expect(top.map((p) => p.pid)).toContain(decoy!);
      expect(top.find((p) => p.pid === decoy)!.cpu_percent).toBeGreaterThan(0);
    }
    for (const p of top) expect(Object.keys(p)).toEqual(expect.arrayContaining(["pid", "name", "command", "user", "cpu_percent", "memory_bytes"]));
  } finally {
    // The namespace's first process takes every other one with it.
    await agent.stop("SIGKILL");
    sink.stop(true);
  }
});
