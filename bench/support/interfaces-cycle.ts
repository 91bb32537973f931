/**
 * Run by `bench/collect.ts` as `bun bench/support/interfaces-cycle.ts N KEPT` inside a network namespace
 * of its own (`unshare --user --map-root-user --net`), where it is free to make interfaces: N of them as
 * N / 2 veth pairs, the first KEPT named `eN` and the others `vethN` (excluded by the default
 * `collect.network.exclude_devices`). Then measures, on this real kernel, the agent's collectors
 * (processes aside) one tick after the other: CPU time per cycle (median), then the network collector
 * alone, and the interfaces it reported. Prints one JSON line.
 */
import { readFileSync } from "node:fs";
import { systemClock } from "../../src/clock.ts";
import { createCollectors } from "../../src/collect/collectors.ts";
import { createSnapshotter } from "../../src/collect/snapshotter.ts";
import { loadConfig } from "../../src/config/load.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";

const count = Number(process.argv[2]);
const kept = Number(process.argv[3]);
const CYCLES = Number(process.env.NET_CYCLES ?? 2000);

const name = (i: number) => (i < kept ? `e${i}` : `veth${i}`);
for (let i = 0; i + 1 < count; i += 2) {
  const made = Bun.spawnSync(["ip", "link", "add", name(i), "type", "veth", "peer", "name", name(i + 1)], { stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(`ip link add: ${made.stderr.toString().trim()}`);
}
const listed = readFileSync("/proc/net/dev", "utf8").trim().split("\n").length - 2;

let monotonic = 0;
const clock = { ...systemClock, now: () => monotonic };
const { config } = loadConfig({ env: { AIOPS_COLLECT_PROCESSES_ENABLED: "false" } });
let reported = 0;

/** CPU per cycle (median) of these collectors, each cycle one tick after the last. */
async function cycles(only?: string): Promise<number> {
  const collectors = createCollectors(config, { clock }).filter((c) => only === undefined || c.name === only);
  const snapshotter = createSnapshotter(collectors, { timeoutMs: 2000, metrics: new SelfMetrics(), clock });
  await snapshotter.collect();
  const perCycle: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    monotonic += 1000;
    const before = process.cpuUsage();
    const snapshot = await snapshotter.collect();
    const used = process.cpuUsage(before);
    perCycle.push(used.user + used.system);
    reported = snapshot.network?.interfaces.length ?? 0;
  }
  return [...perCycle].sort((a, b) => a - b)[perCycle.length >> 1]!;
}
const medianCpuUs = await cycles();
const networkCpuUs = await cycles("network");
console.log(JSON.stringify({ interfaces: listed, kept, reported, cycles: CYCLES, medianCpuUs, networkCpuUs }));
process.exit(0);
