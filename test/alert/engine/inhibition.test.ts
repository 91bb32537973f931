import { describe, expect, test } from "bun:test";
import { inhibitionOf } from "../../../src/alert/engine/inhibition.ts";
import { finding } from "../fixtures.ts";
import { alertRecord } from "./support.ts";

const critical = alertRecord({ finding: finding({ severity: "critical", labels: { cpu: "0" } }) });
const anomaly = alertRecord({ finding: finding({ type: "cpu_usage_anomaly", detector: "ewma", labels: { cpu: "0" } }) });
const otherSeries = alertRecord({ finding: finding({ type: "cpu_usage_anomaly", detector: "ewma", labels: { cpu: "1" } }) });

describe("inhibition", () => {
  test("a firing critical alert hides the warnings of its series, naming itself", () => {
    const inhibition = inhibitionOf([critical, anomaly, otherSeries], true);
    expect(inhibition.inhibitorOf(anomaly)).toBe(critical.fingerprint);
    expect(inhibition.inhibitorOf(otherSeries)).toBeUndefined();
    // Never itself, and never another critical one.
    expect(inhibition.inhibitorOf(critical)).toBeUndefined();
    const twin = alertRecord({ finding: finding({ type: "cpu_usage_anomaly", severity: "critical", labels: { cpu: "0" } }) });
    expect(inhibitionOf([critical, twin], true).inhibitorOf(twin)).toBeUndefined();
  });

  test("a critical alert that is only pending, or resolved, hides nothing", () => {
    expect(inhibitionOf([{ ...critical, state: "pending" }, anomaly], true).inhibitorOf(anomaly)).toBeUndefined();
    expect(inhibitionOf([{ ...critical, state: "resolved" }, anomaly], true).inhibitorOf(anomaly)).toBeUndefined();
  });

  test("with inhibition off, nothing is hidden", () => {
    expect(inhibitionOf([critical, anomaly], false).inhibitorOf(anomaly)).toBeUndefined();
  });
});
