import { describe, expect, test } from "bun:test";
import { fingerprintOf, seriesKeyOf, sha256 } from "../../../src/alert/engine/fingerprint.ts";
import { finding } from "../fixtures.ts";

describe("fingerprint", () => {
  test("one alert per metric, series labels and type, whatever the severity, value or label order", () => {
    const cpu = finding({ labels: { cpu: "0", mode: "user" } });
    expect(fingerprintOf(cpu)).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintOf(finding({ labels: { mode: "user", cpu: "0" }, severity: "critical", value: 99 }))).toBe(fingerprintOf(cpu));
    expect(fingerprintOf(finding({ labels: { cpu: "1", mode: "user" } }))).not.toBe(fingerprintOf(cpu));
    expect(fingerprintOf(finding({ labels: cpu.labels, type: "cpu_usage_anomaly" }))).not.toBe(fingerprintOf(cpu));
  });

  test("is stable across releases: alerts saved by an earlier agent keep their fingerprint", () => {
    // The fingerprint is part of the saved state and of every idempotency key: it must never change.
    expect(fingerprintOf(finding())).toBe(sha256(JSON.stringify(["aiops_cpu_usage_percent", [], "cpu_high"])).slice(0, 16));
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("the series key leaves the type out: two detectors on one series share it (what inhibition compares)", () => {
    const a = finding({ labels: { cpu: "0" } });
    const b = finding({ labels: { cpu: "0" }, type: "cpu_usage_anomaly", detector: "ewma" });
    expect(seriesKeyOf(a)).toBe(seriesKeyOf(b));
    expect(seriesKeyOf(a)).not.toBe(seriesKeyOf(finding({ labels: { cpu: "1" } })));
  });
});
