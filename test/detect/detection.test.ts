import { describe, expect, test } from "bun:test";
import { type Labels, type Sample, seriesKey } from "../../src/contracts/sample.ts";
import { loadConfig } from "../../src/config/load.ts";
import { EPHEMERAL_FORGET_AFTER_MS, createDetection } from "../../src/detect/detection.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { at, noise } from "./synthetic.ts";

const config = loadConfig({ env: {} }).config;
const VAR: Labels = { mountpoint: "/var", device: "sda1", fstype: "ext4" };

function tick(cpu: number, disk: number, extra: Sample[] = []): Sample[] {
  return [
    { metric: "aiops_cpu_usage_percent", labels: {}, value: cpu },
    { metric: "aiops_cpu_online", labels: {}, value: 4 },
    { metric: "aiops_disk_usage_percent", labels: VAR, value: disk },
    { metric: "aiops_disk_total_bytes", labels: VAR, value: 1e11 },
    ...extra,
  ];
}

describe("detection engine", () => {
  test("scores the watched series of a tick by seriesKey and leaves counts and totals alone", () => {
    const d = createDetection(config);
    const r = d.update(at(0), tick(10, 50));
    expect([...r.scores.keys()].sort()).toEqual(["aiops_cpu_usage_percent", seriesKey("aiops_disk_usage_percent", VAR)].sort());
    expect(d.size).toBe(2);
  });

  test("reports threshold findings on every tick while they hold", () => {
    const d = createDetection(config);
    const first = d.update(at(0), tick(85.5, 91.2));
    expect(first.findings.map((f) => f.message).sort()).toEqual(["High CPU usage: 85.50%", "High disk usage on /var: 91.20%"]);
    expect(d.update(at(1), tick(85.5, 91.2)).findings).toHaveLength(2);
    expect(d.update(at(2), tick(10, 50)).findings).toEqual([]);
  });

  test("the public environment names still set the levels", () => {
    const env = { AIOPS_CPU_THRESHOLD: "60", AIOPS_MEMORY_THRESHOLD: "70", AIOPS_DISK_THRESHOLD: "75", AIOPS_CRITICAL_THRESHOLD: "90" };
    const d = createDetection(loadConfig({ env }).config);
    const r = d.update(at(0), [
      ...tick(65, 80),
      { metric: "aiops_memory_usage_percent", labels: {}, value: 91 },
    ]);
    expect(r.findings.map((f) => [f.type, f.severity, f.threshold]).sort()).toEqual([
      ["cpu_high", "warning", 60],
      ["disk_high", "warning", 75],
      ["memory_high", "critical", 90],
    ]);
  });

  test("a disk that stops writing for longer than it ever idled raises one flatline finding, though 0 is a value it often had", () => {
    const d = createDetection(config);
    const u = noise(5, 0.5);
    const sda: Labels = { device: "sda" };
    // Five-minute ticks: bursts of writes between idle spells of up to 150 ticks, then none from tick 3000.
    const values: number[] = [];
    while (values.length < 3000) {
      const burst = 20 + Math.floor((u() + 0.5) * 40);
      for (let k = 0; k < burst; k++) values.push(2e6 + 4e6 * u());
      const idle = Math.floor((u() + 0.5) * 150);
      for (let k = 0; k < idle; k++) values.push(0);
    }
    let lastWrite = 0;
    for (let i = 0; i < 3000; i++) if (values[i]! !== 0) lastWrite = i;
    const started: { i: number; type: string; message: string }[] = [];
    let open = new Set<string>();
    for (let i = 0; i < 3600; i++) {
      const r = d.update(at(i), [{ metric: "aiops_disk_write_bytes_per_second", labels: sda, value: i < 3000 ? values[i]! : 0 }]);
      const now = new Set(r.findings.map((f) => f.type));
      for (const f of r.findings) if (!open.has(f.type)) started.push({ i, type: f.type, message: f.message });
      open = now;
    }
    const flat = started.filter((f) => f.i > lastWrite);
    expect(flat).toHaveLength(1);
    expect(flat[0]!.type).toBe("disk_write_bytes_flatline");
    expect(flat[0]!.message).toContain('aiops_disk_write_bytes_per_second{device="sda"} has stayed at exactly 0.00 for');
    expect(flat[0]!.i - lastWrite).toBeLessThanOrEqual(1.25 * 150 + 1);
    // Turned off alone: the same silence raises nothing.
    const off = createDetection(loadConfig({ env: { AIOPS_DETECT_FLATLINE: "false" } }).config);
    let quietAfter = 0;
    for (let i = 0; i < 3600; i++) {
      const r = off.update(at(i), [{ metric: "aiops_disk_write_bytes_per_second", labels: sda, value: i < 3000 ? values[i]! : 0 }]);
      if (i > lastWrite) quietAfter += r.findings.length;
    }
    expect(quietAfter).toBe(0);
  });

  test("a healthy host raises nothing after warm-up", () => {
    const d = createDetection(config);
    const n = noise(1, 3);
    const m = noise(2, 0.01);
    let findings = 0;
    // A day and a half at 10 s: CPU around 20 %, disk steady at 50 %.
    for (let i = 0; i < 13_000; i++) findings += d.update(at(0) + i * 10_000, tick(20 + n(), 50 + m())).findings.length;
    expect(findings).toBe(0);
  });

  test("a series absent for forget_after is forgotten; the bound keeps the most recent", () => {
    const metrics = new SelfMetrics();
    const d = createDetection(loadConfig({ env: { AIOPS_DETECT_FORGET_AFTER: "1h", AIOPS_DETECT_MAX_SERIES: "3" } }).config, { metrics });
    const disk = (mountpoint: string): Sample => ({ metric: "aiops_disk_usage_percent", labels: { mountpoint }, value: 10 });
    d.update(0, [disk("/a"), disk("/b")]);
    d.update(1000, [disk("/a"), disk("/c")]);
    d.update(2000, [disk("/a"), disk("/d")]); // /b, seen least recently, makes room
    expect(Object.keys(d.exportState()).sort()).toEqual(
      ["/a", "/c", "/d"].map((m) => seriesKey("aiops_disk_usage_percent", { mountpoint: m })),
    );
    d.update(3_700_000, [disk("/a")]);
    expect(d.size).toBe(1);
    const forgotten = metrics.all().find((f) => f.name === "aiops_detect_series_forgotten_total")!;
    expect(forgotten.samples()).toEqual(
      expect.arrayContaining([
        { labels: { reason: "limit" }, value: 1 },
        { labels: { reason: "absent" }, value: 2 },
      ]),
    );
  });

  test("a container that stopped reporting is forgotten after an hour, a disk only after forget_after", () => {
    const d = createDetection(config);
    const container = (id: string): Sample => ({ metric: "aiops_container_cpu_usage_percent", labels: { container_id: id, pod_uid: "", runtime: "docker" }, value: 5 });
    const disk: Sample = { metric: "aiops_disk_usage_percent", labels: VAR, value: 50 };
    d.update(0, [container("a1"), container("b2"), disk]);
    // b2 goes on; a1 and the disk stop reporting (the disk is unmounted for a while).
    for (let t = 60_000; t <= EPHEMERAL_FORGET_AFTER_MS + 120_000; t += 60_000) d.update(t, [container("b2")]);
    expect(Object.keys(d.exportState()).sort()).toEqual([seriesKey("aiops_container_cpu_usage_percent", { container_id: "b2", pod_uid: "", runtime: "docker" }), seriesKey("aiops_disk_usage_percent", VAR)].sort());
  });

  test("a restart does not relearn: the imported state scores as if nothing happened", () => {
    const n = noise(3, 1);
    const values = Array.from({ length: 1200 }, () => 20 + n());
    values[1100] = 45;
    const a = createDetection(config);
    for (let i = 0; i < 1000; i++) a.update(at(i), tick(values[i]!, 50));
    const b = createDetection(config);
    b.importState(JSON.parse(JSON.stringify(a.exportState())));
    const fresh = createDetection(config);
    let restoredSpike = 0;
    let freshSpike = 0;
    for (let i = 1000; i < 1200; i++) {
      const ra = a.update(at(i), tick(values[i]!, 50));
      const rb = b.update(at(i), tick(values[i]!, 50));
      expect(rb.scores).toEqual(ra.scores);
      expect(rb.findings).toEqual(ra.findings);
      const rf = fresh.update(at(i), tick(values[i]!, 50));
      if (i === 1100) {
        restoredSpike = rb.scores.get("aiops_cpu_usage_percent")!;
        freshSpike = rf.scores.get("aiops_cpu_usage_percent")!;
      }
    }
    expect(b.exportState()).toEqual(a.exportState());
    // Restored, the spike is seen; started afresh, it falls in the warm-up and is not.
    expect(restoredSpike).toBe(1);
    expect(freshSpike).toBe(0);
  });

  test("a saved series that does not fit relearns, and says so", () => {
    const warnings: unknown[] = [];
    const metrics = new SelfMetrics();
    const d = createDetection(config, { metrics, log: { warning: (fields, message) => warnings.push([fields, message]) } });
    d.importState({
      broken: { metric: "aiops_cpu_usage_percent" },
      [seriesKey("aiops_disk_usage_percent", VAR)]: { metric: "aiops_disk_usage_percent", labels: VAR, lastSeen: 0, detectors: { forecast: { v: 1 } } },
    });
    expect(d.size).toBe(1);
    expect(warnings).toHaveLength(2);
    const rejected = metrics.all().find((f) => f.name === "aiops_detect_state_rejected_total")!;
    expect(rejected.samples()).toEqual([{ labels: {}, value: 2 }]);
  });
});
