import { describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { configSchema } from "../../src/config/schema.ts";
import type { AlertChange, AlertView } from "../../src/contracts/alert.ts";
import type { RemediationRun } from "../../src/contracts/remediation.ts";
import { EventBus } from "../../src/event-bus.ts";
import type { ActionResult, RemediationAction } from "../../src/remediate/action.ts";
import { BUDGET_FINDING, RemediationError, createRemediator } from "../../src/remediate/remediator.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { listRemediationRuns } from "../../src/store/remediation-runs.ts";
import type { Store } from "../../src/store/store.ts";
import { openStore, quietLog } from "../alert/outbox/support.ts";
import { alertChange } from "../support/events.ts";
import { metricValue } from "../store/support/store-fixture.ts";

const T0 = Date.parse("2026-12-04T10:00:00Z");

/**
 * An action that records each run and ends when the test says (or at once): the remediator's logic is
 * under test here; the real kinds (exec, signal, systemd, http, cleanup) have their own tests.
 */
function recordingAction(options: { refuse?: string; result?: ActionResult; hold?: boolean } = {}) {
  const started: string[] = [];
  const pending: Array<() => void> = [];
  const action: RemediationAction = {
    kind: "exec",
    async prepare(alert) {
      if (options.refuse) return { refused: options.refuse };
      return {
        plan: `fix ${alert.fingerprint}`,
        run: (signal) =>
          new Promise<ActionResult>((resolve) => {
            started.push(alert.fingerprint);
            const end = () => resolve(signal.aborted ? { ok: false, reason: "cut", output: "partial" } : (options.result ?? { ok: true, reason: "", output: "fixed" }));
            signal.addEventListener("abort", end);
            if (options.hold) pending.push(end);
            else end();
          }),
      };
    },
  };
  return { action, started, finishAll: () => pending.splice(0).forEach((end) => end()) };
}

/** A configuration with these actions (YAML shape), every default filled by the real schema. */
function configWith(actions: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  return configSchema().parse({ remediation: { actions: actions.map((a) => ({ name: "fix", match: ["alertname=cpu_high"], exec: { path: "/bin/true" }, ...a })), ...extra } });
}

/** The remediator over a real store, a manual clock and an engine view the test controls. */
function setup(actions: Array<Record<string, unknown>>, options: { extra?: Record<string, unknown>; action?: ReturnType<typeof recordingAction>; store?: Store } = {}) {
  const clock = new ManualClock(T0);
  const store = options.store ?? openStore().store;
  const events = new EventBus(clock);
  const metrics = new SelfMetrics();
  const alerts = new Map<string, AlertView>();
  const recording = options.action ?? recordingAction();
  const remediator = createRemediator(configWith(actions, options.extra), {
    store,
    clock,
    events,
    metrics,
    log: quietLog().log,
    createAction: () => recording.action,
    currentAlert: (fp) => alerts.get(fp),
  });
  /** Tells the remediator an alert changed, keeping the engine view in step. */
  const change = (over: Partial<AlertChange> & { alertOver?: Partial<AlertView> } = {}) => {
    const { alertOver, ...rest } = over;
    const base = alertChange({ at: clock.wall().toISOString(), ...rest });
    const c = { ...base, alert: { ...base.alert, fingerprint: base.fingerprint, state: base.to === "inactive" ? "resolved" : base.to, ...alertOver } } as AlertChange;
    alerts.set(c.fingerprint, c.alert);
    remediator.onAlertChanges([c]);
    return c;
  };
  const runs = () => store.read((db) => listRemediationRuns(db, { limit: 1000 })).items.reverse();
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await Promise.all(remediator.inFlight);
      await Promise.resolve();
    }
  };
  const seen: RemediationRun[] = [];
  events.subscribe((e) => e.type === "remediation" && seen.push(e.remediation));
  return { clock, store, remediator, recording, change, runs, settle, seen, metrics, alerts };
}

describe("remediation: every decision is a recorded run", () => {
  test("dry_run (the default) records the plan and does nothing", async () => {
    const t = setup([{}]);
    t.change();
    await t.settle();
    expect(t.runs()).toMatchObject([{ action: "fix", mode: "dry_run", outcome: "dry_run", plan: "fix f1", alert: { fingerprint: "f1" }, startedAt: null }]);
    expect(t.recording.started).toEqual([]);
    expect(metricValue(t.metrics, "aiops_remediation_runs_total", { action: "fix", outcome: "dry_run" })).toBe(1);
  });

  test("auto: runs, then verifies: resolved within verify_within is succeeded", async () => {
    const t = setup([{ mode: "auto", verify_within: "2m" }]);
    t.change();
    await t.settle();
    expect(t.recording.started).toEqual(["f1"]);
    expect(t.runs()).toMatchObject([{ outcome: "verifying", output: "fixed", verifyBy: T0 + 120_000 }]);
    await t.clock.advance(60_000);
    t.change({ from: "firing", to: "resolved" });
    expect(t.runs()).toMatchObject([{ outcome: "succeeded" }]);
    expect(t.seen.map((r) => r.outcome)).toEqual(["running", "running", "verifying", "succeeded"]);
  });

  test("auto: still firing after verify_within is failed, and it is not retried while the alert fires on", async () => {
    const t = setup([{ mode: "auto", verify_within: "2m" }]);
    t.change();
    await t.settle();
    await t.clock.advance(120_000);
    t.remediator.tick();
    expect(t.runs()).toMatchObject([{ outcome: "failed", reason: "the alert still fires 2m after the action" }]);
    await t.clock.advance(600_000);
    t.remediator.tick();
    expect(t.recording.started).toEqual(["f1"]);
  });

  test("an action that fails is failed with its reason; nothing to act on is skipped with the reason", async () => {
    const failing = setup([{ mode: "auto" }], { action: recordingAction({ result: { ok: false, reason: "exited with code 3", exitCode: 3, output: "no space" } }) });
    failing.change();
    await failing.settle();
    expect(failing.runs()).toMatchObject([{ outcome: "failed", reason: "exited with code 3", exitCode: 3, output: "no space" }]);

    const refused = setup([{ mode: "auto" }], { action: recordingAction({ refuse: "no process matches command line ~ /stress/" }) });
    refused.change();
    await refused.settle();
    expect(refused.runs()).toMatchObject([{ outcome: "skipped", reason: "no process matches command line ~ /stress/", startedAt: null }]);
  });

  test("never while the alert is silenced or inhibited", async () => {
    const t = setup([{ mode: "auto" }]);
    t.change({ fingerprint: "a", alertOver: { silencedBy: ["api-1"] } });
    t.change({ fingerprint: "b", alertOver: { inhibitedBy: "c0ffee" } });
    await t.settle();
    expect(t.runs()).toMatchObject([
      { outcome: "skipped", reason: "the alert is silenced (api-1)" },
      { outcome: "skipped", reason: "the alert is inhibited by c0ffee" },
    ]);
    expect(t.recording.started).toEqual([]);
  });

  test("only alerts that match, and only when they start firing", async () => {
    const t = setup([{ mode: "auto", match: ["alertname=cpu_high", "severity=critical"] }]);
    t.change();
    t.change({ fingerprint: "crit", alertOver: { labels: { alertname: "cpu_high", severity: "critical" } } });
    t.change({ fingerprint: "crit", from: "firing", to: "firing", alertOver: { labels: { alertname: "cpu_high", severity: "critical" } } });
    await t.settle();
    expect(t.runs().map((r) => r.alert.fingerprint)).toEqual(["crit"]);
  });
});

describe("remediation: limits", () => {
  test("one run of an action at a time: a second alert meanwhile is skipped", async () => {
    const action = recordingAction({ hold: true });
    const t = setup([{ mode: "auto" }], { action });
    t.change({ fingerprint: "a" });
    t.change({ fingerprint: "b" });
    await Promise.resolve();
    expect(t.runs().map((r) => [r.alert.fingerprint, r.outcome, r.reason])).toEqual([
      ["a", "running", ""],
      ["b", "skipped", "the action is already running (one run at a time)"],
    ]);
    action.finishAll();
    await t.settle();
  });

  test("a flapping alert runs its action at most limit.runs times within limit.within", async () => {
    const t = setup([{ mode: "auto", limit: { runs: 3, within: "1h" } }]);
    for (let i = 0; i < 6; i++) {
      t.change({ from: "resolved", to: "firing" });
      await t.settle();
      t.change({ from: "firing", to: "resolved" });
      await t.clock.advance(60_000);
    }
    expect(t.recording.started).toHaveLength(3);
    expect(t.runs().filter((r) => r.outcome === "skipped").map((r) => r.reason)).toEqual(Array(3).fill("rate limit: 3 runs within 1h (limit.runs 3)"));
    await t.clock.advance(3_600_000);
    t.change({ from: "resolved", to: "firing" });
    await t.settle();
    expect(t.recording.started).toHaveLength(4);
  });

  test("the global budget: past it nothing acts, and the agent raises remediation_budget_exhausted", async () => {
    const t = setup(
      [
        { name: "one", mode: "auto" },
        { name: "two", mode: "auto" },
      ],
      { extra: { budget: { runs: 2, within: "1h" } } },
    );
    expect(t.remediator.findings()).toEqual([]);
    t.change({ fingerprint: "a" });
    await t.settle();
    t.change({ fingerprint: "b" });
    await t.settle();
    expect(t.runs().map((r) => `${r.action}:${r.outcome}`)).toEqual(["one:verifying", "two:verifying", "one:skipped", "two:skipped"]);
    expect(t.runs()[2]!.reason).toBe("budget used up: 2 runs of all actions within 1h (remediation.budget.runs 2)");
    expect(t.remediator.findings()).toMatchObject([{ type: BUDGET_FINDING, severity: "warning", value: 2, threshold: 2 }]);
    await t.clock.advance(3_600_001);
    expect(t.remediator.findings()).toEqual([]);
  });
});

describe("remediation: approvals", () => {
  test("approve mode waits; an approval runs it now, recorded with who approved", async () => {
    const t = setup([{ mode: "approve" }]);
    t.change();
    await t.settle();
    const [waiting] = t.runs();
    expect(waiting).toMatchObject({ outcome: "awaiting_approval", plan: "fix f1" });
    expect(t.recording.started).toEqual([]);
    expect(t.remediator.approve(waiting!.id, "ops-token")).toMatchObject({ outcome: "running", decidedBy: "ops-token" });
    await t.settle();
    expect(t.recording.started).toEqual(["f1"]);
    expect(t.runs()).toMatchObject([{ outcome: "verifying", decidedBy: "ops-token" }]);
    expect(() => t.remediator.approve(waiting!.id, "ops-token")).toThrow(RemediationError);
  });

  test("a denial, an expiry, and an approval of an alert that no longer fires or is silenced now: nothing runs", async () => {
    const t = setup([{ mode: "approve" }], { extra: { approval_timeout: "10m" } });
    for (const fingerprint of ["deny", "expire", "resolved", "silenced"]) t.change({ fingerprint });
    await t.settle();
    const id = (fp: string) => t.runs().find((r) => r.alert.fingerprint === fp)!.id;
    expect(t.remediator.deny(id("deny"), "alice")).toMatchObject({ outcome: "denied", reason: "denied by alice" });
    t.change({ fingerprint: "resolved", from: "firing", to: "resolved" });
    expect(t.remediator.approve(id("resolved"), "bob")).toMatchObject({ outcome: "skipped", reason: "the alert no longer fires" });
    t.alerts.set("silenced", { ...t.alerts.get("silenced")!, silencedBy: ["api-7"] });
    expect(t.remediator.approve(id("silenced"), "bob")).toMatchObject({ outcome: "skipped", reason: "the alert is silenced (api-7)" });
    await t.clock.advance(600_000);
    t.remediator.tick();
    expect(t.runs().find((r) => r.alert.fingerprint === "expire")).toMatchObject({ outcome: "expired", reason: "not approved within 10m" });
    expect(t.recording.started).toEqual([]);
    expect(() => t.remediator.approve(9999, "bob")).toThrow("no remediation run 9999");
  });
});

describe("remediation: across a restart", () => {
  test("a run the agent was killed during is recorded interrupted, never run again, and counts against the rate limit", async () => {
    const { store, dir } = openStore();
    const first = setup([{ mode: "auto", limit: { runs: 1, within: "1h" } }], { action: recordingAction({ hold: true }), store });
    first.change();
    await Promise.resolve();
    expect(first.runs()).toMatchObject([{ outcome: "running" }]);
    // kill -9: nothing more of the first remediator runs; a new one opens the same store.
    const second = setup([{ mode: "auto", limit: { runs: 1, within: "1h" } }], { store });
    second.remediator.start();
    expect(second.runs()).toMatchObject([{ outcome: "interrupted", reason: "the agent stopped (or was killed) while the action ran; it is not run again" }]);
    second.change({ fingerprint: "again" });
    await second.settle();
    expect(second.recording.started).toEqual([]);
    expect(second.runs()[1]).toMatchObject({ outcome: "skipped", reason: "rate limit: 1 runs within 1h (limit.runs 1)" });
    expect(dir).toBeTruthy();
  });

  test("a graceful stop cuts an action still running after the grace and records it interrupted", async () => {
    const t = setup([{ mode: "auto" }], { action: recordingAction({ hold: true }) });
    t.change();
    await Promise.resolve();
    const closing = t.remediator.close(1000);
    await t.clock.advance(1000);
    await closing;
    expect(t.runs()).toMatchObject([{ outcome: "interrupted", reason: "cut", output: "partial" }]);
  });
});
