import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createHostPaths } from "../../src/collect/linux/host-paths.ts";
import { listProcesses, parseCgroupPath } from "../../src/remediate/process-finder.ts";
import { createSignalAction, selectProcesses } from "../../src/remediate/signal-action.ts";
import { waitFor } from "../support/ports.ts";
import { ALERT, actionConfig, alive } from "./support.ts";

const never = new AbortController().signal;
const children: Array<ReturnType<typeof Bun.spawn>> = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

/** A real process whose command line carries a marker no other process has. */
function startMarked(marker: string): ReturnType<typeof Bun.spawn> {
  // A process that starts no other (a shell loop forks copies of itself that would match too).
  const child = Bun.spawn([process.execPath, "-e", "setInterval(() => {}, 1e6)", marker], { stdout: "ignore", stderr: "ignore" });
  children.push(child);
  return child;
}

/**
 * The process has run its program: its command line carries the marker. Alive is not enough: between
 * the fork and the exec a child still shows the test runner's command line, and matches no pattern.
 */
function started(child: ReturnType<typeof Bun.spawn>, marker: string): boolean {
  try {
    return readFileSync(`/proc/${child.pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}

function signal(entry: Record<string, unknown>) {
  return createSignalAction(actionConfig({ signal: entry }).signal!, { paths: createHostPaths("/"), selfPid: process.pid });
}

describe("signal action: processes chosen by command line, name or cgroup", () => {
  test("the plan names the matching processes; the run signals exactly them", async () => {
    const marker = `aiops-signal-test-${process.pid}-a`;
    const [a, b] = [startMarked(marker), startMarked(marker)];
    const bystander = startMarked(`aiops-signal-test-${process.pid}-b`);
    await waitFor("the processes to start", async () => (started(a, marker) && started(b, marker) ? true : undefined), 5000);
    const prepared = await signal({ process: `${marker}$` }).prepare(ALERT);
    if ("refused" in prepared) throw new Error(prepared.refused);
    const [first, second] = [a.pid, b.pid].sort((x, y) => x - y);
    expect(prepared.plan).toMatch(new RegExp(`^send SIGTERM to 2 processes: ${first} \\S+ -e setInterval.*; ${second} \\S+ -e setInterval`));
    const result = await prepared.run(never);
    expect(result.ok).toBe(true);
    await Promise.all([a.exited, b.exited]);
    expect([a.signalCode, b.signalCode]).toEqual(["SIGTERM", "SIGTERM"]);
    expect(alive(bystander.pid)).toBe(true);
  });

  test("by exact process name and by cgroup, every selector must match", async () => {
    const marker = `aiops-signal-test-${process.pid}-c`;
    const child = startMarked(marker);
    await waitFor("the process to start", async () => (started(child, marker) ? true : undefined), 5000);
    const cgroup = parseCgroupPath(await Bun.file(`/proc/${child.pid}/cgroup`).text());
    const comm = (await Bun.file(`/proc/${child.pid}/comm`).text()).trim();
    const prepared = await signal({ name: "SIGKILL", comm, process: marker, cgroup: `^${cgroup.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$` }).prepare(ALERT);
    if ("refused" in prepared) throw new Error(prepared.refused);
    expect(prepared.plan).toStartWith(`send SIGKILL to 1 process: ${child.pid} `);
    await prepared.run(never);
    await child.exited;
    expect(child.signalCode).toBe("SIGKILL");
    expect(await signal({ comm: "no-such-name", process: marker }).prepare(ALERT)).toEqual({ refused: `no process matches command line ~ /${marker}/, name = no-such-name` });
  });

  test("a pattern wider than max_processes signals nothing; the agent itself and pid 1 are never targets", async () => {
    const marker = `aiops-signal-test-${process.pid}-d`;
    const marked = [startMarked(marker), startMarked(marker), startMarked(marker)];
    await waitFor("the processes to start", async () => (marked.every((c) => started(c, marker)) ? true : undefined), 5000);
    expect(await signal({ process: marker, max_processes: 2 }).prepare(ALERT)).toEqual({
      refused: `3 processes match command line ~ /${marker}/, more than max_processes (2): nothing signalled`,
    });
    for (const c of marked) expect(alive(c.pid)).toBe(true);
    const everything = selectProcesses(listProcesses(createHostPaths("/")), actionConfig({ signal: { process: ".*" } }).signal!, process.pid).map((p) => p.pid);
    expect(everything).toContain(marked[0]!.pid);
    expect(everything).not.toContain(process.pid);
    expect(everything).not.toContain(1);
  });
});
