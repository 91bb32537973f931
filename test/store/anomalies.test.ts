import { describe, expect, test } from "bun:test";
import type { Finding } from "../../src/contracts/finding.ts";
import { listAnomalies, recordAnomalies } from "../../src/store/anomalies.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { T0 } from "./support/temp.ts";
import { finding as sharedFinding } from "../support/findings.ts";

function finding(over: Partial<Finding> = {}): Finding {
  return sharedFinding({ timestamp: new Date(T0).toISOString(), ...over });
}

describe("anomalies", () => {
  test("records every finding and gives it back as it was, with an id", () => {
    const db = openMemoryDatabase(T0);
    const f = finding({ labels: { mountpoint: "/", device: "sda1" }, metric: "aiops_disk_usage_percent", type: "disk_high" });
    expect(recordAnomalies(db, [f])).toBe(1);
    expect(listAnomalies(db)).toEqual({ items: [{ ...f, id: 1 }], nextCursor: null });
    expect(db.query("SELECT series_key FROM anomalies").get()).toEqual({ series_key: 'aiops_disk_usage_percent{mountpoint="/",device="sda1"}' });
  });

  test("filters by time, type, severity, metric, detector and series, newest first, by pages", () => {
    const db = openMemoryDatabase(T0);
    const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
    recordAnomalies(db, [
      finding({ timestamp: at(0) }),
      finding({ timestamp: at(1), severity: "critical", value: 97 }),
      finding({ timestamp: at(2), type: "memory_high", metric: "aiops_memory_usage_percent" }),
      finding({ timestamp: at(3), detector: "ewma", type: "cpu_usage_anomaly" }),
    ]);
    const types = (page: { items: Finding[] }) => page.items.map((f) => `${f.type}@${f.timestamp.slice(14, 16)}`);
    expect(types(listAnomalies(db))).toEqual(["cpu_usage_anomaly@03", "memory_high@02", "cpu_high@01", "cpu_high@00"]);
    expect(types(listAnomalies(db, { from: T0 + 60_000, to: T0 + 120_000 }))).toEqual(["memory_high@02", "cpu_high@01"]);
    expect(types(listAnomalies(db, { type: "cpu_high" }))).toEqual(["cpu_high@01", "cpu_high@00"]);
    expect(listAnomalies(db, { severity: "critical" }).items.map((f) => f.value)).toEqual([97]);
    expect(types(listAnomalies(db, { metric: "aiops_memory_usage_percent" }))).toEqual(["memory_high@02"]);
    expect(types(listAnomalies(db, { detector: "ewma" }))).toEqual(["cpu_usage_anomaly@03"]);
    expect(listAnomalies(db, { seriesKey: "aiops_cpu_usage_percent" }).items.length).toBe(3);
    const first = listAnomalies(db, { limit: 3 });
    expect(types(first).length).toBe(3);
    expect(types(listAnomalies(db, { limit: 3, cursor: first.nextCursor! }))).toEqual(["cpu_high@00"]);
  });

  test("a learned finding's effect and the series related to it come back as they were", () => {
    const db = openMemoryDatabase(T0);
    const effect = {
      expected: 30,
      expected_low: 29,
      expected_high: 31,
      deviation: 15,
      change: 0.33,
      unit: "percent",
      since: new Date(T0 - 40_000).toISOString(),
      duration_seconds: 40,
    };
    const f = finding({
      type: "memory_usage_anomaly",
      metric: "aiops_memory_usage_percent",
      detector: "statistical",
      effect,
      related: [{ metric: "aiops_swap_usage_percent", labels: {}, value: 40, effect: { ...effect, expected: 2 }, since: effect.since }],
    });
    recordAnomalies(db, [f, finding()]);
    const [plain, learned] = listAnomalies(db).items;
    expect(learned).toEqual({ ...f, id: 1 });
    expect(plain).not.toHaveProperty("effect");
    expect(plain).not.toHaveProperty("related");
  });

  test("a value that is not a finite number is kept as NaN, and a bad timestamp is refused", () => {
    const db = openMemoryDatabase(T0);
    recordAnomalies(db, [finding({ value: Number.NaN })]);
    expect(listAnomalies(db).items[0]!.value).toBeNaN();
    expect(() => recordAnomalies(db, [finding({ timestamp: "yesterday" })])).toThrow("invalid timestamp");
  });
});
