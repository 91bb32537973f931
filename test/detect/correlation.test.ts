import { describe, expect, test } from "bun:test";
import type { Finding } from "../../src/contracts/finding.ts";
import { createCorrelator, relates, resourceOf } from "../../src/detect/correlation.ts";
import { finding } from "../support/findings.ts";

const T = Date.UTC(2026, 0, 10, 8);
const learned = (metric: string, labels: Record<string, string> = {}, over: Partial<Finding> = {}): Finding =>
  finding({ type: `${metric}_anomaly`, metric, labels, detector: "statistical", message: `Unusual ${metric}`, ...over });

describe("correlated findings", () => {
  test("resources: CPU with load and CPU pressure, memory with swap, a disk with I/O pressure, an interface with the totals", () => {
    expect(relates(resourceOf("aiops_cpu_usage_percent", {})!, resourceOf("aiops_load1", {})!)).toBe(true);
    expect(relates(resourceOf("aiops_memory_usage_percent", {})!, resourceOf("aiops_pressure_stalled_percent", { resource: "memory" })!)).toBe(true);
    expect(relates(resourceOf("aiops_memory_usage_percent", {})!, resourceOf("aiops_pressure_stalled_percent", { resource: "cpu" })!)).toBe(false);
    expect(relates(resourceOf("aiops_disk_busy_percent", { device: "sda" })!, resourceOf("aiops_pressure_stalled_percent", { resource: "io" })!)).toBe(true);
    expect(relates(resourceOf("aiops_disk_busy_percent", { device: "sda" })!, resourceOf("aiops_disk_read_bytes_per_second", { device: "sdb" })!)).toBe(false);
    expect(relates(resourceOf("aiops_network_receive_bytes_per_second", { device: "eth0" })!, resourceOf("aiops_network_total_receive_bytes_per_second", {})!)).toBe(true);
    expect(resourceOf("aiops_disk_usage_percent", { mountpoint: "/" })).toBeUndefined();
  });

  test("findings of one resource starting within the window are one: the first leads, the others are listed; a later one stands alone", () => {
    const c = createCorrelator(60_000);
    const eth0rx = learned("aiops_network_receive_bytes_per_second", { device: "eth0" });
    const eth0tx = learned("aiops_network_transmit_bytes_per_second", { device: "eth0" });
    const eth1rx = learned("aiops_network_receive_bytes_per_second", { device: "eth1" });
    const first = c.correlate(T, [eth0rx], []);
    expect(first).toEqual([eth0rx]);
    const second = c.correlate(T + 30_000, [eth0rx, eth0tx], []);
    expect(second).toHaveLength(1);
    expect(second[0]!.metric).toBe("aiops_network_receive_bytes_per_second");
    expect(second[0]!.related).toEqual([
      { metric: eth0tx.metric, labels: { device: "eth0" }, value: eth0tx.value, type: eth0tx.type, detector: "statistical", score: eth0tx.score, since: new Date(T + 30_000).toISOString() },
    ]);
    // Another interface is another event.
    expect(c.correlate(T + 40_000, [eth0rx, eth0tx, eth1rx], []).map((f) => f.labels.device)).toEqual(["eth0", "eth1"]);
    // Past the window a new finding of the same interface is its own.
    const late = learned("aiops_network_receive_drops_per_second", { device: "eth0" });
    expect(c.correlate(T + 120_000, [eth0rx, eth0tx, late], [])).toHaveLength(2);
  });

  test("threshold and forecast findings are never folded; they lead learned findings that start with them", () => {
    const c = createCorrelator(60_000);
    const memoryHigh = finding({ type: "memory_high", metric: "aiops_memory_usage_percent", message: "High memory usage: 90.00%" });
    const swapHigh = finding({ type: "swap_high", metric: "aiops_swap_usage_percent", message: "High swap usage: 85.00%" });
    const swapAnomaly = learned("aiops_swap_usage_percent");
    const out = c.correlate(T, [swapAnomaly, memoryHigh, swapHigh], []);
    expect(out.map((f) => f.type)).toEqual(["memory_high", "swap_high"]);
    expect(out[0]!.message).toBe("High memory usage: 90.00%");
    expect(out[0]!.related!.map((r) => r.type)).toEqual(["aiops_swap_usage_percent_anomaly"]);
  });
});
