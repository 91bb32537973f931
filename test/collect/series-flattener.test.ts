import { describe, expect, test } from "bun:test";
import { SERIES } from "../../src/collect/series.ts";
import { createSeriesFlattener } from "../../src/collect/series-flattener.ts";
import { NO_TRAFFIC } from "../../src/collect/linux/network.ts";
import { type Labels, seriesKey } from "../../src/contracts/sample.ts";
import type { NetworkIo, Snapshot } from "../../src/contracts/snapshot.ts";

const UNBOUNDED = { total: Number.POSITIVE_INFINITY, per_collector: Number.POSITIVE_INFINITY };
const RX = "aiops_network_receive_bytes_per_second";

/** A Snapshot with only interfaces, each receiving `rx(device)` bytes a second; names made afresh, as a parse makes them. */
function interfaces(devices: string[], rx: (device: string) => number): Snapshot {
  const io = (device: string): NetworkIo => ({ ...NO_TRAFFIC, receive_bytes_per_second: rx(device) });
  return {
    timestamp: "2026-01-10T08:00:00.000Z",
    network: { interfaces: devices.map((d) => ({ device: [...d].join(""), ...io(d) })), total: io("total") },
  };
}

describe("the flattener", () => {
  test("each series keeps its key, labels and value as interfaces come, go and change places", () => {
    const flattener = createSeriesFlattener({ limits: UNBOUNDED });
    const rx = (d: string) => d.charCodeAt(d.length - 1);
    const ticks = [["eth0", "eth1", "eth2"], ["eth1", "eth2"], ["eth2", "eth0", "eth1"], ["eth2", "eth0", "eth1"], ["eth3"]];
    const labelsSeen = new Map<string, Labels>();
    for (const devices of ticks) {
      const samples = flattener.flatten(interfaces(devices, rx)).samples.filter((s) => s.metric === RX);
      expect(samples.map((s) => s.labels.device)).toEqual(devices);
      for (const s of samples) {
        expect(s.key).toBe(seriesKey(RX, { device: s.labels.device! }));
        expect(s.value).toBe(rx(s.labels.device!));
        // The same series, the same labels object, tick after tick, wherever it comes in the list.
        const first = labelsSeen.get(s.key!) ?? s.labels;
        labelsSeen.set(s.key!, first);
        expect(s.labels).toBe(first);
      }
    }
  });

  test("a series with no finite value this tick is left out, and the others keep their keys", () => {
    const flattener = createSeriesFlattener({ limits: UNBOUNDED });
    flattener.flatten(interfaces(["a", "b", "c"], () => 1));
    const samples = flattener.flatten(interfaces(["a", "b", "c"], (d) => (d === "b" ? Number.NaN : 2))).samples.filter((s) => s.metric === RX);
    expect(samples.map((s) => [s.labels.device, s.key, s.value])).toEqual([
      ["a", `${RX}{device="a"}`, 2],
      ["c", `${RX}{device="c"}`, 2],
    ]);
  });

  test("every metric of the Series table has at most three labels, as its readers take them", () => {
    expect(SERIES.filter((def) => def.labels.length > 3).map((def) => def.metric)).toEqual([]);
  });
});
