import { describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/clock.ts";
import { createProcessesCollector } from "../../src/collect/linux/processes.ts";
import { createProcessTable } from "../../src/collect/process-table.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import type { ProcessesSection } from "../../src/contracts/snapshot.ts";
import type { TickContext } from "../../src/contracts/tick.ts";
import { createRootCauseStage, processOrderFor } from "../../src/detect/root-cause.ts";
import { movablePaths } from "../support/captured-tree.ts";
import { finding } from "../support/findings.ts";

const CASE = join(import.meta.dir, "../fixtures/processes-this-machine");
const [BURNER, HOLDER] = [25948, 25949];

/**
 * An agent at a 1 s tick over the captured tree, reading processes every 3 s (the default): the tree
 * is at t0 until `at.current` moves it. `tick(findings, started)` collects as the agent's tick does,
 * then runs the root-cause stage on the findings detection would have made.
 */
function agentOver(root = CASE) {
  const clock = new ManualClock();
  const at = { current: "t0" };
  const table = createProcessTable(clock);
  const collector = createProcessesCollector(movablePaths(root, at), { top: 3, table, maxHeld: 0, intervalMs: 3000 });
  const stage = createRootCauseStage(table);
  return {
    clock,
    at,
    table,
    async tick(findings: Finding[], started: Finding[] = []): Promise<{ section: ProcessesSection }> {
      await clock.advance(1000);
      const time = clock.wallMs(); // the snapshot's timestamp, taken before the collectors run
      const section = (collector.collect(clock.now()) as { processes: ProcessesSection }).processes;
      const context: TickContext = { snapshot: { timestamp: new Date(time).toISOString() }, samples: [], time, findings, startedFindings: started, alertChanges: [] };
      stage.run(context);
      return { section };
    },
  };
}

describe("root-cause context names the processes of the tick a finding starts on", () => {
  test("a finding that starts between two readings of the processes has them read then and there", async () => {
    const agent = agentOver();
    await agent.tick([]); // reads t0
    const firstReading = agent.table.readAt;
    agent.at.current = "t1"; // the burner runs from here on
    const quiet = await agent.tick([]); // not due: the reading of t0 again, nothing read
    expect(agent.table.readAt).toBe(firstReading);
    expect(quiet.section.top.every((p) => p.cpu_percent === 0)).toBe(true);

    const cpuHigh = finding();
    await agent.tick([cpuHigh], [cpuHigh]);
    // Read on this tick, after its collection: the burner, busy since t0, is named first.
    expect(agent.table.readAt).toBe(agent.clock.wallMs());
    expect(cpuHigh.top_processes?.[0]).toMatchObject({ pid: BURNER, name: "cpu-burner" });
    // Its CPU time between the two readings, over the 2 s between them.
    const ticks = (t: string) => {
      const f = readFileSync(join(CASE, t, "proc", String(BURNER), "stat"), "latin1").split(") ")[1]!.split(" ");
      return Number(f[11]) + Number(f[12]);
    };
    expect(cpuHigh.top_processes![0]!.cpu_percent).toBeCloseTo((ticks("t1") - ticks("t0")) / 2, 1);
    expect(cpuHigh.top_processes).toHaveLength(3);
    const readOnStart = agent.table.readAt;

    // The finding goes on: no reading is forced; the one on its start counts as the last one, so the
    // next is due an interval (3 s) after it, not after the reading before.
    const held = finding();
    await agent.tick([held]);
    expect(agent.table.readAt).toBe(readOnStart);
    expect(held.top_processes?.[0]?.pid).toBe(BURNER);
    await agent.tick([held]);
    expect(agent.table.readAt).toBe(readOnStart);
    await agent.tick([held]);
    expect(agent.table.readAt).toBe(agent.clock.wallMs());
  });

  test("a finding that starts on a tick whose collection read the processes uses that reading", async () => {
    const agent = agentOver();
    await agent.tick([]); // reads t0
    agent.at.current = "t1";
    await agent.tick([]);
    await agent.tick([]);
    const started = finding({ type: "memory_high", metric: "aiops_memory_used_percent" });
    await agent.tick([started], [started]); // 3 s after t0: due, read by the collection
    const readAt = agent.table.readAt;
    expect(readAt).toBe(agent.clock.wallMs());
    expect(processOrderFor(started)).toBe("memory");
    expect(started.top_processes?.[0]?.pid).toBe(HOLDER);
    // Nothing read twice: the next reading is 3 s later.
    await agent.tick([started]);
    expect(agent.table.readAt).toBe(readAt);
  });

  test("a process born after the last reading shows its CPU at once, rather than 0 % until the reading after", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-root-cause-"));
    try {
      cpSync(CASE, dir, { recursive: true });
      // At t0 the burner is not running yet; at t1 it started 0.45 s after t0 was read.
      rmSync(join(dir, "t0/proc", String(BURNER)), { recursive: true });
      const uptimeT0 = Number(readFileSync(join(dir, "t0/proc/uptime"), "latin1").split(" ")[0]);
      const statPath = join(dir, "t1/proc", String(BURNER), "stat");
      const fields = readFileSync(statPath, "latin1").split(" ");
      const bornTicks = Math.round((uptimeT0 + 0.45) * 100);
      fields[21] = String(bornTicks); // starttime, field 22 of proc(5)
      writeFileSync(statPath, fields.join(" "));
      const cpuSeconds = (Number(fields[13]) + Number(fields[14])) / 100; // utime + stime

      const agent = agentOver(dir);
      await agent.tick([]); // reads t0, no burner
      agent.at.current = "t1";
      const cpuHigh = finding();
      await agent.tick([cpuHigh], [cpuHigh]); // 1 s later: read now, the burner seen for the first time
      const burner = cpuHigh.top_processes?.[0];
      expect(burner?.pid).toBe(BURNER);
      // All its CPU time over its life so far: the 0.55 s between its start and this reading.
      expect(burner!.cpu_percent).toBeCloseTo((cpuSeconds / (1 - 0.45)) * 100, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("with the processes collector turned off on reload, findings name no processes from its last list", async () => {
    const agent = agentOver();
    await agent.tick([]);
    expect(agent.table.items.length).toBeGreaterThan(0);
    agent.table.clear(); // what createCollectors does when collect.processes.enabled becomes false
    const later = finding();
    const stage = createRootCauseStage(agent.table);
    stage.run({ snapshot: { timestamp: agent.clock.wall().toISOString() }, samples: [], time: agent.clock.wallMs(), findings: [later], startedFindings: [later], alertChanges: [] });
    expect(later.top_processes).toBeUndefined();
    expect(agent.table.readNow()).toBe(false);
  });
});
