import { describe, expect, test } from "bun:test";
import type { AlertRecord } from "../../../src/alert/engine/engine-state.ts";
import { fingerprintOf, sha256 } from "../../../src/alert/engine/fingerprint.ts";
import { createFlapDamping } from "../../../src/alert/engine/flap-damping.ts";
import { createLifecycle, type LifecycleChange } from "../../../src/alert/engine/lifecycle.ts";
import type { Finding } from "../../../src/contracts/finding.ts";
import { finding } from "../fixtures.ts";
import { at } from "./support.ts";

const settings = { agentName: "host-a", environment: "test", forMs: 30_000, flapWindowMs: 300_000, hash: sha256 };
const flap = createFlapDamping({ flapWindowMs: 300_000, flapMaxChanges: 4 });

/** A lifecycle over its own alerts; `step(s, findings)` runs it at second `s` and names the changes. */
function lifecycle(over: Partial<typeof settings> = {}) {
  const alerts = new Map<string, AlertRecord>();
  const l = createLifecycle({ ...settings, ...over }, flap);
  const names = (changes: LifecycleChange[]) => changes.map((c) => `${c.alert.finding.type}:${c.from}->${c.to}`);
  return { alerts, step: (s: number, findings: Finding[]) => names(l.advance(alerts, findings, at(s))) };
}

describe("lifecycle", () => {
  test("pending while its finding holds for less than `for`, then firing", () => {
    const { alerts, step } = lifecycle();
    expect(step(0, [finding()])).toEqual(["cpu_high:inactive->pending"]);
    expect(step(29, [finding()])).toEqual([]);
    expect(step(30, [finding()])).toEqual(["cpu_high:pending->firing"]);
    expect([...alerts.values()]).toMatchObject([{ state: "firing", activeAt: at(0), firedAt: at(30), changes: [at(30)] }]);
  });

  test("with `for` 0 a new alert goes pending and fires in the same tick", () => {
    expect(lifecycle({ forMs: 0 }).step(0, [finding()])).toEqual(["cpu_high:inactive->pending", "cpu_high:pending->firing"]);
  });

  test("a pending alert whose finding stops goes away quietly; a firing one resolves", () => {
    const { alerts, step } = lifecycle();
    step(0, [finding()]);
    expect(step(10, [])).toEqual(["cpu_high:pending->inactive"]);
    expect(alerts.size).toBe(0);
    step(20, [finding()]);
    step(50, [finding()]);
    expect(step(60, [])).toEqual(["cpu_high:firing->resolved"]);
    expect([...alerts.values()]).toMatchObject([{ state: "resolved", firedAt: at(50), resolvedAt: at(60) }]);
  });

  test("a resolved alert that comes back starts a new episode, keeping its changes for flap detection", () => {
    const { alerts, step } = lifecycle({ forMs: 0 });
    step(0, [finding()]);
    step(10, []);
    expect(step(20, [finding()])).toEqual(["cpu_high:resolved->pending", "cpu_high:pending->firing"]);
    expect([...alerts.values()]).toMatchObject([{ activeAt: at(20), firedAt: at(20), changes: [at(0), at(10), at(20)], told: {} }]);
  });

  test("resolved alerts are forgotten a flap window after they resolved", () => {
    const { alerts, step } = lifecycle({ forMs: 0 });
    step(0, [finding()]);
    step(10, []);
    step(309, []);
    expect(alerts.size).toBe(1);
    step(310, []);
    expect(alerts.size).toBe(0);
  });

  test("several findings of one alert in a tick: the most severe, then the highest score, is the alert's", () => {
    const { alerts, step } = lifecycle({ forMs: 0 });
    const strong = finding({ score: 0.9, value: 90 });
    expect(step(0, [finding({ score: 0.5 }), strong, finding({ score: 0.7 })])).toEqual(["cpu_high:inactive->pending", "cpu_high:pending->firing"]);
    expect(alerts.get(fingerprintOf(strong))?.finding).toEqual(strong);
    const critical = finding({ severity: "critical", score: 0.1 });
    step(10, [strong, critical]);
    expect(alerts.get(fingerprintOf(strong))).toMatchObject({ finding: critical, labels: { severity: "critical", alertname: "cpu_high", agent: "host-a", environment: "test" } });
  });

  test("the alert's own labels win over series labels of the same name", () => {
    const { alerts, step } = lifecycle({ forMs: 0 });
    step(0, [finding({ labels: { severity: "low", cpu: "3" } })]);
    expect([...alerts.values()][0]!.labels).toEqual({ severity: "warning", cpu: "3", alertname: "cpu_high", metric: "aiops_cpu_usage_percent", agent: "host-a", environment: "test" });
  });

  test("a flapping alert is held firing by flap damping instead of resolving", () => {
    const { alerts, step } = lifecycle({ forMs: 0 });
    const log: string[] = [];
    for (let s = 0; s < 60; s += 10) log.push(...step(s, s % 20 === 0 ? [finding()] : []).filter((c) => !c.endsWith("->pending")));
    expect(log).toEqual(["cpu_high:pending->firing", "cpu_high:firing->resolved", "cpu_high:pending->firing", "cpu_high:firing->resolved", "cpu_high:pending->firing"]);
    expect([...alerts.values()]).toMatchObject([{ state: "firing", held: true, quietSince: at(50) }]);
  });
});
