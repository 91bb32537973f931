import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent } from "../../src/agent.ts";
import { ManualClock } from "../../src/clock.ts";
import { createCollectors } from "../../src/collect/collectors.ts";
import type { FsStats } from "../../src/collect/linux/disk.ts";
import { createHostPaths } from "../../src/collect/linux/host-paths.ts";
import { parseNetDev } from "../../src/collect/linux/network.ts";
import { createSeriesFlattener } from "../../src/collect/series-flattener.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Sample } from "../../src/contracts/sample.ts";
import type { MountUsage, Snapshot } from "../../src/contracts/snapshot.ts";
import { createLogger } from "../../src/log.ts";
import { HostPanel } from "../../tui/components/HostPanel.ts";
import { createHostRoot } from "../support/host-root.ts";
import { testServer } from "../server/support.ts";
import { LEVELS, colourOf, frameText } from "../tui/support.ts";

const STATFS = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/this-machine/statfs.json"), "utf8")) as Record<string, FsStats>;
const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** `eth000`… then `veth000`…: names that sort as they are numbered. */
const name = (prefix: string, i: number) => `${prefix}${String(i).padStart(3, "0")}`;

/**
 * A host (the captured `this-machine` tree) whose /proc/net/dev lists `kept` interfaces `eth…` and
 * `excluded` ones `veth…` (excluded by default). Each write moves the counters on, so rates appear.
 * `malformed`: the excluded lines carry text where numbers belong, which a parser reading them would
 * turn into NaN counters.
 */
function manyInterfaces(kept: number, excluded: number, options: { malformed?: boolean } = {}) {
  const host = createHostRoot();
  roots.push(host.dir);
  let round = 0;
  const write = () => {
    round++;
    const lines = ["Inter-|   Receive                                                |  Transmit", " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed"];
    const counters = (i: number) => [1000 * round * (i + 1), 10 * round, 0, 0, 0, 0, 0, 0, 500 * round * (i + 1), 5 * round, 0, 0, 0, 0, 0, 0].join(" ");
    for (let i = 0; i < kept; i++) lines.push(`${name("eth", i).padStart(6)}: ${counters(i)}`);
    for (let i = 0; i < excluded; i++) lines.push(`${name("veth", i)}: ${options.malformed ? "not a counter ".repeat(16) : counters(i)}`);
    writeFileSync(join(host.dir, "proc/net/dev"), `${lines.join("\n")}\n`);
  };
  write();
  return { dir: host.dir, write };
}

/** An agent reading the host at `dir` (processes off: the capture has none), with the given settings, logging into `lines`. */
function agentOn(dir: string, env: Record<string, string> = {}) {
  const clock = new ManualClock(Date.parse("2026-12-05T06:00:00Z"));
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: "debug", clock, sink: { write: (l) => void lines.push(JSON.parse(l)) } });
  const loaded = loadConfig({ env: { AIOPS_INTERVAL: "1", AIOPS_COLLECT_PROCESSES_ENABLED: "false", ...env } });
  const paths = createHostPaths(dir);
  const agent = new Agent({
    config: loaded.config,
    log,
    clock,
    collectors: (config) =>
      createCollectors(config, {
        clock,
        platform: "linux",
        hostPaths: paths,
        selfPaths: paths,
        maxHeldFiles: 0,
        statfsSync: (path) => {
          const stats = STATFS[`/${path.slice(dir.length).replace(/^\/+/, "")}`];
          if (!stats) throw Object.assign(new Error(`no statfs for ${path}`), { code: "ENOENT" });
          return stats;
        },
      }),
  });
  return { agent, clock, lines, loaded };
}

const devices = (samples: readonly Sample[]) => [...new Set(samples.filter((s) => s.metric.startsWith("aiops_network_") && s.labels.device).map((s) => s.labels.device!))].sort();

describe("excluded interfaces are skipped before they are parsed", () => {
  test("500 interfaces, 490 excluded and malformed: the 10 others are reported, and nothing of the excluded is read or kept", async () => {
    const host = manyInterfaces(10, 490, { malformed: true });
    const text = readFileSync(join(host.dir, "proc/net/dev"), "utf8");
    const exclude = new RegExp(loadConfig({ env: {} }).config.collect.network.exclude_devices);
    // What is kept between ticks to compute rates: only the interfaces reported.
    expect([...parseNetDev(text, exclude).keys()]).toEqual(Array.from({ length: 10 }, (_, i) => name("eth", i)));
    // Read without the exclusion, the same lines give NaN counters: the exclusion is what keeps them out.
    expect(Number.isNaN(parseNetDev(text).get("veth000")?.rxBytes)).toBe(true);

    const { agent, clock } = agentOn(host.dir);
    await agent.tick();
    host.write();
    await clock.advance(1000);
    const { snapshot, samples } = await agent.tick();
    expect(snapshot.errors?.network).toBeUndefined();
    expect(snapshot.network?.interfaces.map((i) => i.device)).toEqual(Array.from({ length: 10 }, (_, i) => name("eth", i)));
    expect(devices(samples)).toHaveLength(10);
    expect(samples.some((s) => s.metric === "aiops_network_receive_bytes_per_second" && s.labels.device === "eth009" && s.value === 10_000)).toBe(true);
    expect(snapshot.series_cap).toBeUndefined();
  });
});

describe("collect.max_series", () => {
  test("a host over the cap: the same series are kept tick after tick, the overflow is counted, logged once, and shown by the API, /metrics and the TUI", async () => {
    const host = manyInterfaces(500, 0);
    const { agent, clock, lines, loaded } = agentOn(host.dir, { AIOPS_COLLECT_MAX_SERIES_PER_COLLECTOR: "100" });
    await agent.tick(); // the network collector takes its baseline
    const ticks: Sample[][] = [];
    for (let i = 0; i < 3; i++) {
      host.write();
      await clock.advance(1000);
      ticks.push((await agent.tick()).samples);
    }
    const [first, second, third] = ticks as [Sample[], Sample[], Sample[]];
    // 500 interfaces × 8 metrics, and 8 totals that are core (kept, taking no place): 100 places for
    // interfaces, served in the order of their names, whole interfaces first (12 and half of eth012).
    const network = first.filter((s) => s.metric.startsWith("aiops_network_"));
    expect(network).toHaveLength(108);
    expect(devices(first)).toEqual(Array.from({ length: 13 }, (_, i) => name("eth", i)));
    // Stable: the same series, with the same keys and the very same label objects, every tick.
    for (const later of [second, third]) {
      expect(later.map((s) => s.key)).toEqual(first.map((s) => s.key));
      expect(later.every((s, i) => s.labels === first[i]!.labels)).toBe(true);
    }
    // The host's core series are kept.
    const has = (metric: string, labels: Record<string, string> = {}) =>
      third.some((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(has("aiops_cpu_usage_percent")).toBe(true);
    expect(has("aiops_memory_usage_percent")).toBe(true);
    expect(has("aiops_load1")).toBe(true);
    expect(has("aiops_disk_usage_percent", { mountpoint: "/" })).toBe(true);

    // Logged once, not once per tick.
    const warnings = lines.filter((l) => String(l.message).includes("collect.max_series"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe("WARNING");
    expect(warnings[0]!.message).toContain("3900 series of collector network are left out");

    // The API, /metrics.
    const { get } = testServer({ deps: { agent: { health: () => ({ live: true, ready: true, reasons: [], ticks: 4 }), latest: () => agent.latest(), seriesFilter: () => agent.seriesFilter() }, metrics: agent.metrics, config: () => loaded } });
    const body = (await (await get("/api/v1/snapshot")).json()) as { snapshot: Snapshot };
    expect(body.snapshot.series_cap).toEqual({ max_series: 10_000, max_series_per_collector: 100, kept: third.length, dropped: 3900, dropped_by_collector: { network: 3900 } });
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toContain('aiops_collect_series_dropped{collector="network"} 3900');
    expect(metrics).toContain('aiops_collect_series_dropped{collector="cpu"} 0');
    expect(metrics).toContain('aiops_collect_series{collector="network"} 108');
    expect(metrics).toContain('aiops_network_receive_bytes_per_second{device="eth000"}');
    expect(metrics).not.toContain('aiops_network_receive_bytes_per_second{device="eth499"}');
    expect(metrics.match(/^aiops_network_receive_bytes_per_second\{/gm)).toHaveLength(13);

    // The TUI's host panel, from what the API gave.
    const panel = HostPanel({ snapshot: body.snapshot, thresholds: LEVELS, history: {}, width: 160, height: 40 });
    expect(frameText(panel)).toContain("Series 3900 series left out by collect.max_series (10000 in all, 100 per collector): network 3900");
    expect(colourOf(panel, "3900 series left out")).toBe("yellow");
  });

  test("the root filesystem is kept even when its collector is full, and a place freed goes to the next in order", () => {
    const mount = (mountpoint: string): MountUsage => ({
      mountpoint,
      device: `/dev/${mountpoint.replaceAll("/", "") || "root"}`,
      fstype: "ext4",
      total: 100,
      used: 50,
      free: 50,
      percent: 50,
      inodes_total: 10,
      inodes_used: 1,
      inodes_free: 9,
      inodes_percent: 10,
      read_only: false,
    });
    const lines: string[] = [];
    const log = { warning: (_: object, m: string) => void lines.push(m), info: (_: object, m: string) => void lines.push(m) };
    const flattener = createSeriesFlattener({ limits: { total: 10_000, per_collector: 14 }, log });
    // The root filesystem is core: it comes on top of the 14 places.
    const at = (mounts: string[]): Snapshot => ({ timestamp: "2026-12-05T06:00:00Z", disks: mounts.map(mount) });
    const mountpoints = (samples: readonly Sample[]) => [...new Set(samples.map((s) => s.labels.mountpoint))];

    // Seven series a mount: two mounts fill the disk collector's 14 places.
    expect(mountpoints(flattener.flatten(at(["/b", "/c", "/a"])).samples)).toEqual(["/b", "/a"]);
    const withRoot = flattener.flatten(at(["/b", "/c", "/a", "/"]));
    expect(mountpoints(withRoot.samples)).toEqual(["/b", "/a", "/"]);
    expect(withRoot.cap?.dropped_by_collector).toEqual({ disk: 7 });
    expect(lines).toEqual(["collect.max_series reached: 7 series of collector disk are left out (counted in aiops_collect_series_dropped)"]);
    // /b goes away: after a while its places free, and /c (next in order) takes them.
    let after = withRoot;
    for (let i = 0; i < 70; i++) after = flattener.flatten(at(["/c", "/a", "/"]));
    expect(mountpoints(after.samples)).toEqual(["/c", "/a", "/"]);
    expect(after.cap).toBeUndefined();
    expect(lines.at(-1)).toBe("collect.max_series: every series of collector disk is kept again");
  });
});
