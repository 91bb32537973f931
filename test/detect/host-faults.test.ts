import { beforeAll, describe, expect, test } from "bun:test";
import { toSamples } from "../../src/collect/series-flattener.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import { seriesKey } from "../../src/contracts/sample.ts";
import type { TickContext } from "../../src/contracts/tick.ts";
import { createDetectionStage } from "../../src/detect/detection-stage.ts";
import { DAY_TICKS, type Fault, HOST_T0, INTERVAL, createSyntheticHost } from "./synthetic-host.ts";

// A synthetic 4-CPU host at the agent's 10 s interval, in the Snapshot shape the collectors produce and
// flattened by the agent's own toSamples, through the detection stage with the default configuration.
// Two quiet days (the first is the statistical detector's quiet period), then one fault at a time from
// the state learned by then. Behaviour is asserted, not scores: which detector, within how many ticks,
// and that one event is one finding.

const config = loadConfig({ env: {} }).config;
const QUIET_TICKS = 2 * DAY_TICKS;
let learned: Record<string, unknown>;
const quietStarted: Finding[] = [];

function tickAt(snapshot: ReturnType<ReturnType<typeof createSyntheticHost>>, i: number): TickContext {
  return { snapshot, samples: toSamples(snapshot), time: HOST_T0 + i * INTERVAL, findings: [], startedFindings: [], alertChanges: [] };
}

beforeAll(() => {
  const stage = createDetectionStage(config);
  const host = createSyntheticHost(1);
  for (let i = 0; i < QUIET_TICKS; i++) {
    const tick = tickAt(host(i), i);
    stage.run(tick);
    quietStarted.push(...tick.startedFindings);
  }
  learned = stage.detection.exportState();
});

/** Runs `ticks` ticks of the fault from the learned state; what started on each tick after the fault began, and what held. */
function runFault(fault: Fault, ticks = 20): { started: Finding[][]; held: Finding[][] } {
  const stage = createDetectionStage(config);
  stage.detection.importState(structuredClone(learned));
  const host = createSyntheticHost(1, fault, QUIET_TICKS);
  const started: Finding[][] = [];
  const held: Finding[][] = [];
  for (let k = 0; k < ticks; k++) {
    const tick = tickAt(host(QUIET_TICKS + k), QUIET_TICKS + k);
    stage.run(tick);
    started.push(tick.startedFindings);
    held.push(tick.findings);
  }
  return { started, held };
}

/** The tick (0: the fault's first) on which the first finding matching `match` started. */
function firstTick(started: Finding[][], match: (f: Finding) => boolean): { k: number; finding: Finding } | undefined {
  for (const [k, list] of started.entries()) {
    const finding = list.find(match);
    if (finding) return { k, finding };
  }
  return undefined;
}

/** Every series a finding tells of: its own and its related ones. */
function toldSeries(f: Finding): string[] {
  return [seriesKey(f.metric, f.labels), ...(f.related ?? []).map((r) => seriesKey(r.metric, r.labels))];
}

describe("synthetic host faults through the detection stage", () => {
  test("two quiet days raise no finding", () => {
    expect(quietStarted.map((f) => f.message)).toEqual([]);
  });

  test("a CPU burn: the CPU threshold within 2 intervals, one finding that lists load, CPU pressure and the CPU modes", () => {
    const { started, held } = runFault({ cpu: () => 99 });
    const first = firstTick(started, (f) => f.metric === "aiops_cpu_usage_percent");
    expect(first).toBeDefined();
    expect(first!.k).toBeLessThan(2);
    expect(first!.finding).toMatchObject({ type: "cpu_high", detector: "threshold", severity: "critical", message: "High CPU usage: 99.00%" });
    // One event, one finding: nothing else of the CPU started within 10 intervals.
    expect(started.slice(0, 10).flat().map((f) => f.type)).toEqual(["cpu_high"]);
    // Within a minute the finding lists what moved with it (load climbs over its 1-minute average).
    const later = held[6]!.find((f) => f.type === "cpu_high")!;
    expect(toldSeries(later)).toEqual(
      expect.arrayContaining([
        "aiops_cpu_usage_percent",
        "aiops_load1",
        'aiops_pressure_stalled_percent{resource="cpu",kind="some",window="10s"}',
        'aiops_cpu_mode_percent{mode="user"}',
      ]),
    );
    const load = later.related!.find((r) => r.metric === "aiops_load1")!;
    expect(load.value).toBeGreaterThan(2);
    expect(load.effect!.expected).toBeLessThan(1);
  });

  test("a memory leak: a statistical finding within 10 intervals, one finding that lists swap as it follows", () => {
    const { started, held } = runFault({ memory: (k) => 40 + 1.5 * (k + 1), swap: (k) => (k < 4 ? 2 : 2 + 4 * (k - 3)) });
    const memoryOrSwap = (f: Finding) => f.metric === "aiops_memory_usage_percent" || f.metric === "aiops_swap_usage_percent";
    const first = firstTick(started, memoryOrSwap);
    expect(first).toBeDefined();
    expect(first!.k).toBeLessThan(10);
    expect(started.slice(0, 10).flat().filter(memoryOrSwap)).toHaveLength(1);
    const event = held[9]!.find(memoryOrSwap)!;
    expect(toldSeries(event)).toEqual(expect.arrayContaining(["aiops_memory_usage_percent", "aiops_swap_usage_percent"]));
    const memory = event.metric === "aiops_memory_usage_percent" ? event : event.related!.find((r) => r.metric === "aiops_memory_usage_percent")!;
    expect(memory.detector).toBe("statistical");
    expect(memory.effect!.deviation).toBeGreaterThanOrEqual(config.detect.min_effect.memory);
  });

  test("a filesystem filling up: a statistical finding within 10 intervals that names its effect", () => {
    const { started } = runFault({ rootFilesystem: (k) => 52.4 + (k + 1) });
    const first = firstTick(started, (f) => f.metric === "aiops_disk_usage_percent" && f.labels.mountpoint === "/");
    expect(first).toBeDefined();
    expect(first!.k).toBeLessThan(10);
    expect(first!.finding.detector).toBe("statistical");
    expect(first!.finding.effect).toMatchObject({ unit: "percent", since: new Date(HOST_T0 + QUIET_TICKS * INTERVAL).toISOString() });
    expect(first!.finding.effect!.expected).toBeCloseTo(52.4, 0);
    // The other filesystem is untouched.
    expect(started.flat().filter((f) => f.labels.mountpoint === "/var/lib")).toEqual([]);
  });

  test("a disk write storm: a statistical finding within 10 intervals, one finding for the disk's bytes, busy time and I/O pressure", () => {
    const { started, held } = runFault({ sda: () => ({ write: 200_000_000, busy: 97 }) });
    const io = (f: Finding) => f.metric.startsWith("aiops_disk_") && f.metric !== "aiops_disk_usage_percent";
    const first = firstTick(started, io);
    expect(first).toBeDefined();
    expect(first!.k).toBeLessThan(10);
    expect(first!.finding.detector).toBe("statistical");
    expect(started.slice(0, 10).flat().filter(io)).toHaveLength(1);
    const event = held[3]!.find(io)!;
    expect(toldSeries(event)).toEqual(
      expect.arrayContaining([
        'aiops_disk_write_bytes_per_second{device="sda"}',
        'aiops_disk_busy_percent{device="sda"}',
        'aiops_pressure_stalled_percent{resource="io",kind="some",window="10s"}',
      ]),
    );
  });

  test("a network flood: a statistical finding within 10 intervals, one finding for the interface's receive, transmit and the totals", () => {
    const { started } = runFault({ eth0: () => ({ rx: 100_000_000, tx: 3_000_000 }) });
    const network = (f: Finding) => f.metric.startsWith("aiops_network_");
    const first = firstTick(started, network);
    expect(first).toBeDefined();
    expect(first!.k).toBeLessThan(10);
    expect(first!.finding.detector).toBe("statistical");
    expect(started.slice(0, 10).flat().filter(network)).toHaveLength(1);
    expect(toldSeries(first!.finding)).toEqual(
      expect.arrayContaining([
        'aiops_network_receive_bytes_per_second{device="eth0"}',
        "aiops_network_total_receive_bytes_per_second",
        'aiops_network_transmit_bytes_per_second{device="eth0"}',
      ]),
    );
    // Loopback did not move: it is not part of the event.
    expect(toldSeries(first!.finding).some((s) => s.includes('device="lo"'))).toBe(false);
  });
});
