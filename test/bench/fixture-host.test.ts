import { afterAll, describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { type FixtureHost, createFixtureHost } from "../../bench/support/fixture-host.ts";
import { ManualClock } from "../../src/clock.ts";
import { createCollectors } from "../../src/collect/collectors.ts";
import { createSnapshotter } from "../../src/collect/snapshotter.ts";
import { loadConfig } from "../../src/config/load.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";

const hosts: FixtureHost[] = [];
afterAll(() => {
  for (const host of hosts) host.remove();
});

/** Two collections of the real Linux collectors over a generated host, one interval of activity apart. */
async function collect(shape: { interfaces: number; mounts: number; processes: number }) {
  const host = createFixtureHost(tmpdir(), shape);
  hosts.push(host);
  const clock = new ManualClock();
  // Processes are read every interval here (their default is every 3 s) so that one second shows their activity.
  const { config } = loadConfig({ env: { AIOPS_HOST_ROOT: host.root, AIOPS_COLLECT_PROCESSES_INTERVAL: "1" } });
  const snapshotter = createSnapshotter(createCollectors(config, { clock, platform: "linux" }), { timeoutMs: 2000, metrics: new SelfMetrics(), clock });
  await snapshotter.collect();
  host.advance();
  await clock.advance(1000);
  return snapshotter.collect();
}

describe("a generated fixture host is read by the real collectors", () => {
  test.if(process.platform === "linux")("its interfaces, mounts and processes come out as many as generated, with the activity of one interval", async () => {
    const snapshot = await collect({ interfaces: 100, mounts: 30, processes: 60 });
    expect(snapshot.errors).toBeUndefined();
    const interfaces = snapshot.network!.interfaces;
    expect(interfaces).toHaveLength(100);
    expect(interfaces.map((i) => i.device)).toContain("ens99");
    // ens1's counters grew by 2000 packets received in one second.
    expect(interfaces.find((i) => i.device === "ens1")!.receive_packets_per_second).toBe(2000);
    expect(snapshot.disks!.map((d) => d.mountpoint)).toEqual(["/", ...Array.from({ length: 29 }, (_, i) => `/srv/volume${i + 1}`)].sort());
    expect(snapshot.processes!.count).toBe(60);
    // A tenth of the processes ran during the interval: six of them used CPU.
    expect(snapshot.processes!.top.filter((p) => p.cpu_percent > 0)).toHaveLength(6);
    // Owners come from the tree's /etc/passwd, command lines from its /proc/<pid>/cmdline.
    for (const p of snapshot.processes!.top) {
      expect(["root", "www-data", "postgres", "deploy"]).toContain(p.user);
      expect(p.command).toMatch(p.name.startsWith("kworker") ? /^\[kworker\/\d:\d\]$/ : new RegExp(`^/usr/bin/${p.name} --instance ${p.pid}$`));
    }
  });

  test.if(process.platform === "linux")("500 interfaces and 500 processes", async () => {
    const snapshot = await collect({ interfaces: 500, mounts: 1, processes: 500 });
    expect(snapshot.network!.interfaces).toHaveLength(500);
    expect(snapshot.disks).toHaveLength(1);
    expect(snapshot.processes!.count).toBe(500);
  });

  test("a shape of no interfaces is refused, naming what is allowed", () => {
    expect(() => createFixtureHost(tmpdir(), { interfaces: 0, mounts: 1, processes: 1 })).toThrow("fixture host: interfaces must be a whole number of at least 1, got 0");
  });
});
