import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCollectors } from "../../../src/collect/collectors.ts";
import type { FsStats } from "../../../src/collect/linux/disk.ts";
import { movablePaths } from "../../support/captured-tree.ts";
import { createSnapshotter } from "../../../src/collect/snapshotter.ts";
import type { Snapshot } from "../../../src/contracts/snapshot.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { ManualClock } from "../../../src/clock.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures");
const GOLDEN = join(import.meta.dir, "../../golden/snapshots");
const CAPTURED_AT = Date.parse("2026-11-26T17:00:00Z");

/** Replays a captured case: collect at t0, then at t1 `gap_ms` later, as the agent's two ticks would. */
async function replay(name: string): Promise<Snapshot> {
  const dir = join(FIXTURES, name);
  const gap = Number(readFileSync(join(dir, "gap_ms"), "utf8"));
  const statfs = JSON.parse(readFileSync(join(dir, "statfs.json"), "utf8")) as Record<string, FsStats>;
  const at = { current: "t0" };
  const clock = new ManualClock(CAPTURED_AT);
  const paths = movablePaths(dir, at);
  // The two ticks are about a second apart: the processes are read at both (not every third, the default).
  const { config } = loadConfig({ env: { AIOPS_COLLECT_PROCESSES_INTERVAL: "0" } });
  const collectors = createCollectors(config, {
    clock,
    platform: "linux",
    hostPaths: paths,
    selfPaths: paths,
    statfsSync: (path) => {
      const mountpoint = `/${path.slice(join(dir, at.current).length).replace(/^\/+/, "")}`;
      const stats = statfs[mountpoint];
      if (!stats) throw Object.assign(new Error(`no statfs captured for ${mountpoint}`), { code: "ENOENT" });
      return stats;
    },
    // The replay moves from the t0 tree to the t1 tree: every file must be opened afresh.
    maxHeldFiles: 0,
  });
  const snapshotter = createSnapshotter(collectors, { timeoutMs: 2000, metrics: new SelfMetrics(), clock });
  await snapshotter.collect();
  at.current = "t1";
  await clock.advance(gap);
  return snapshotter.collect();
}

const cases = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, "gap_ms")));

describe("a captured /proc and /sys tree gives the expected Snapshot", () => {
  for (const name of cases) {
    test(name, async () => {
      const snapshot = await replay(name);
      const golden = join(GOLDEN, `${name}.json`);
      // Regenerate with UPDATE_GOLDEN=1 after a deliberate change, then review the diff; never edit by hand.
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, `${JSON.stringify(snapshot, null, 2)}\n`);
      expect(snapshot).toEqual(JSON.parse(readFileSync(golden, "utf8")));
    });
  }
});

describe("what each captured case shows", () => {
  test("this machine: every section is filled and only real filesystems are disks", async () => {
    const s = await replay("this-machine");
    expect(s.errors).toBeUndefined();
    for (const key of ["cpu", "memory", "disk", "disks", "disk_io", "network", "load", "pressure", "host"] as const) {
      expect(s[key]).toBeDefined();
    }
    expect(s.disks!.map((d) => d.mountpoint)).toEqual(["/"]);
    expect(s.cpu!.count).toBe(2);
    expect(s.cgroup).toBeNull();
  });

  test("a kernel without PSI reports pressure as null and everything else", async () => {
    const s = await replay("kernel-without-psi");
    expect(s.pressure).toBeNull();
    expect(s.errors).toBeUndefined();
    expect(s.cpu).toBeDefined();
  });

  test("a 32-bit counter wrap gives the bytes through the wrap; a reset gives zero, never a negative rate", async () => {
    const s = await replay("counter-wrap");
    const gapSeconds = Number(readFileSync(join(FIXTURES, "counter-wrap/gap_ms"), "utf8")) / 1000;
    const eth0 = s.network!.interfaces.find((i) => i.device === "eth0")!;
    expect(eth0.receive_bytes_per_second).toBeCloseTo(1704 / gapSeconds, 1);
    expect(eth0.receive_packets_per_second).toBeCloseTo(3 / gapSeconds, 1);
    expect(eth0.transmit_bytes_per_second).toBe(0);
    expect(eth0.transmit_packets_per_second).toBe(0);
    const vda = s.disk_io!.devices.find((d) => d.device === "vda")!;
    expect(vda.write_bytes_per_second).toBe(0);
    expect(vda.writes_per_second).toBe(0);
    for (const i of s.network!.interfaces) for (const v of Object.values(i)) if (typeof v === "number") expect(v).toBeGreaterThanOrEqual(0);
  });

  test("a container with cgroup v2 limits reports its limits and usage", async () => {
    const s = await replay("container-cgroup-v2");
    const gapSeconds = Number(readFileSync(join(FIXTURES, "container-cgroup-v2/gap_ms"), "utf8")) / 1000;
    expect(s.cgroup).toMatchObject({
      version: 2,
      memory_limit: 536870912,
      memory_usage: 419430400,
      memory_percent: 78.13,
      cpu_limit_cores: 1.5,
      pids_current: 13,
      pids_limit: 256,
    });
    expect(s.cgroup!.cpu_usage_percent).toBeCloseTo(120 / gapSeconds, 1);
    expect(s.cgroup!.cpu_throttled_per_second).toBeCloseTo(5 / gapSeconds, 1);
  });

  test("a cgroup v1 group with limits (real capture) reports them", async () => {
    const s = await replay("cgroup-v1-limited");
    expect(s.cgroup).toMatchObject({ version: 1, path: "/aiops-fixture", memory_limit: 268435456, cpu_limit_cores: 0.5, pids_limit: 64 });
  });
});
