import { describe, expect, test } from "bun:test";
import { type TickResult, createAlertEngine } from "../../../src/alert/engine/alert-engine.ts";
import { type EngineOptions, engineOptionsOf } from "../../../src/alert/engine/engine-options.ts";
import { fingerprintOf } from "../../../src/alert/engine/fingerprint.ts";
import { SilenceError } from "../../../src/alert/silences.ts";
import type { Finding } from "../../../src/contracts/finding.ts";
import { configFor, finding } from "../fixtures.ts";
import { route } from "./support.ts";

const T0 = Date.parse("2026-01-10T08:00:00Z");
/** The injected clock: seconds after T0. */
const at = (s: number) => new Date(T0 + s * 1000);

function options(over: Partial<EngineOptions> = {}): EngineOptions {
  return {
    agentName: "host-a",
    environment: "test",
    forMs: 0,
    groupWaitMs: 0,
    severityHoldMs: 0,
    flapWindowMs: 600_000,
    flapMaxChanges: 4,
    inhibit: true,
    routes: [route("ops")],
    ...over,
  };
}

const cpu = (over: Partial<Finding> = {}) => finding(over);
const disk = (over: Partial<Finding> = {}) =>
  finding({ type: "disk_full", metric: "aiops_disk_used_percent", labels: { mountpoint: "/" }, message: "Disk / is 93% full", value: 93, threshold: 90, ...over });
const sent = (r: TickResult) => r.notifications.map((n) => `${n.channel}:${n.alerts.map((a) => `${a.labels.alertname}/${a.status}`).join(",")}`);

describe("lifecycle", () => {
  test("pending for `for`, then firing, with one notification", () => {
    const e = createAlertEngine(options({ forMs: 30_000 }));
    const first = e.tick(at(0), [cpu()]);
    expect(first.changes.map((c) => `${c.from}->${c.to}`)).toEqual(["inactive->pending"]);
    expect(first.notifications).toEqual([]);
    expect(e.tick(at(10), [cpu()]).notifications).toEqual([]);
    expect(e.tick(at(20), [cpu()]).changes).toEqual([]);
    const fired = e.tick(at(30), [cpu()]);
    expect(fired.changes.map((c) => `${c.from}->${c.to}`)).toEqual(["pending->firing"]);
    expect(fired.notifications).toHaveLength(1);
    const n = fired.notifications[0]!;
    expect(n).toMatchObject({
      channel: "ops",
      status: "firing",
      agentName: "host-a",
      environment: "test",
      test: false,
      fingerprint: fingerprintOf(cpu()),
      startsAt: at(30).toISOString(),
      createdAt: at(30).toISOString(),
      labels: { alertname: "cpu_high", metric: "aiops_cpu_usage_percent", severity: "warning", agent: "host-a", environment: "test" },
      annotations: { summary: "High CPU usage: 85.50%" },
      finding: cpu(),
    });
    expect(n.idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    expect(n.alerts).toHaveLength(1);
  });

  test("a finding that stops before `for` never notifies", () => {
    const e = createAlertEngine(options({ forMs: 30_000 }));
    e.tick(at(0), [cpu()]);
    const gone = e.tick(at(10), []);
    expect(gone.changes.map((c) => `${c.from}->${c.to}`)).toEqual(["pending->inactive"]);
    expect(e.tick(at(40), []).notifications).toEqual([]);
    expect(e.alerts(at(40))).toEqual([]);
  });

  test("resolves when its finding stops, telling the channels that heard it fire", () => {
    const e = createAlertEngine(options({ routes: [route("ops"), route("quiet", { sendResolved: false })] }));
    expect(sent(e.tick(at(0), [cpu()]))).toEqual(["ops:cpu_high/firing", "quiet:cpu_high/firing"]);
    const resolved = e.tick(at(10), []);
    expect(resolved.changes.map((c) => `${c.from}->${c.to}`)).toEqual(["firing->resolved"]);
    expect(sent(resolved)).toEqual(["ops:cpu_high/resolved"]);
    const n = resolved.notifications[0]!;
    expect(n.status).toBe("resolved");
    expect(n.endsAt).toBe(at(10).toISOString());
    expect(n.startsAt).toBe(at(0).toISOString());
  });

  test("the fingerprint is the metric, series labels and type; severity escalates the same alert", () => {
    expect(fingerprintOf(cpu())).toBe(fingerprintOf(cpu({ severity: "critical", value: 99, labels: {} })));
    expect(fingerprintOf(disk())).not.toBe(fingerprintOf(disk({ labels: { mountpoint: "/var" } })));
    expect(fingerprintOf(finding({ labels: { a: "1", b: "2" } }))).toBe(fingerprintOf(finding({ labels: { b: "2", a: "1" } })));
    const e = createAlertEngine(options({ routes: [route("ops"), route("pager", { severities: ["critical"] })] }));
    const first = e.tick(at(0), [cpu()]);
    expect(sent(first)).toEqual(["ops:cpu_high/firing"]);
    const worse = e.tick(at(10), [cpu({ severity: "critical", value: 97 })]);
    expect(sent(worse)).toEqual(["ops:cpu_high/firing", "pager:cpu_high/firing"]);
    expect(worse.notifications[0]!.idempotencyKey).not.toBe(first.notifications[0]!.idempotencyKey);
    expect(worse.notifications[0]!.labels.severity).toBe("critical");
    expect(sent(e.tick(at(20), []))).toEqual(["ops:cpu_high/resolved", "pager:cpu_high/resolved"]);
  });
});

describe("severity damping", () => {
  /** CPU hovering around the critical level: warning and critical in turn, one tick each (5 s). */
  const hovering = (s: number) => [cpu({ severity: (s / 5) % 2 === 0 ? "warning" : "critical" })];

  test("an alert moving between warning and critical is told once per hold, beyond its first escalation", () => {
    const e = createAlertEngine(options({ severityHoldMs: 300_000, routes: [route("ops"), route("pager", { severities: ["critical"] })] }));
    const told: string[] = [];
    for (let s = 0; s <= 50; s += 5) for (const n of e.tick(at(s), hovering(s)).notifications) told.push(`${s}:${n.channel}:${n.labels.severity}`);
    // Without the hold: 11 notifications to ops in 50 s (warning, critical, warning...).
    expect(told).toEqual(["0:ops:warning", "5:ops:critical", "5:pager:critical"]);
    // Still hovering: once the hold (from 5 s) is over, ops hears the first severity other than the
    // one it heard (at 305 s it is critical again: nothing to tell), then the hold starts over.
    for (let s = 55; s <= 700; s += 5) for (const n of e.tick(at(s), hovering(s)).notifications) told.push(`${s}:${n.channel}:${n.labels.severity}`);
    expect(told.slice(3)).toEqual(["310:ops:warning", "615:ops:critical"]);
  });

  test("a hold of 0 tells every change at once", () => {
    const e = createAlertEngine(options({ severityHoldMs: 0 }));
    const told = [0, 5, 10, 15].flatMap((s) => e.tick(at(s), hovering(s)).notifications.map((n) => n.labels.severity));
    expect(told).toEqual(["warning", "critical", "warning", "critical"]);
  });

  test("a new episode escalates at once again; the held severity survives a restart", () => {
    const e = createAlertEngine(options({ severityHoldMs: 300_000 }));
    e.tick(at(0), [cpu()]);
    e.tick(at(5), [cpu({ severity: "critical" })]);
    expect(e.tick(at(10), [cpu()]).notifications).toEqual([]);
    const restarted = createAlertEngine(options({ severityHoldMs: 300_000 }), JSON.parse(JSON.stringify(e.exportState())));
    expect(restarted.tick(at(15), [cpu()]).notifications).toEqual([]);
    expect(restarted.tick(at(305), [cpu()]).notifications.map((n) => n.labels.severity)).toEqual(["warning"]);
    expect(sent(restarted.tick(at(310), []))).toEqual(["ops:cpu_high/resolved"]);
    // The next episode: first notice, then its first escalation, told at once.
    expect(restarted.tick(at(320), [cpu()]).notifications.map((n) => n.labels.severity)).toEqual(["warning"]);
    expect(restarted.tick(at(325), [cpu({ severity: "critical" })]).notifications.map((n) => n.labels.severity)).toEqual(["critical"]);
  });
});

describe("repeat interval", () => {
  test("a still-firing alert is re-sent every repeat interval of its channel, with a new key", () => {
    const e = createAlertEngine(options({ routes: [route("ops", { repeatIntervalMs: 60_000 }), route("slow", { repeatIntervalMs: 600_000 })] }));
    const keys: string[] = [];
    const log: string[] = [];
    for (let s = 0; s <= 180; s += 10) {
      for (const n of e.tick(at(s), [cpu()]).notifications) {
        log.push(`${s}:${n.channel}`);
        keys.push(n.idempotencyKey);
      }
    }
    expect(log).toEqual(["0:ops", "0:slow", "60:ops", "120:ops", "180:ops"]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("flap damping", () => {
  test("an alert that flips too often is held firing until it has been quiet for the window", () => {
    const e = createAlertEngine(options({ flapWindowMs: 300_000, flapMaxChanges: 4 }));
    const log: string[] = [];
    let last: TickResult | undefined;
    const tick = (s: number, present: boolean) => {
      const r = e.tick(at(s), present ? [cpu()] : []);
      last = r;
      for (const c of r.changes) if (c.to === "firing" || c.to === "resolved") log.push(`${s}:${c.to}`);
      for (const n of r.notifications) log.push(`${s}:sent ${n.status}`);
    };
    // On, off, on, off, on, off... every 10 s.
    for (let s = 0; s < 120; s += 10) tick(s, (s / 10) % 2 === 0);
    expect(log).toEqual([
      "0:firing",
      "0:sent firing",
      "10:resolved",
      "10:sent resolved",
      "20:firing",
      "20:sent firing",
      "30:resolved",
      "30:sent resolved",
      "40:firing",
      "40:sent firing",
      // The next resolve would be a fifth change within the window: held firing from here on.
    ]);
    expect(e.alerts(at(110))[0]).toMatchObject({ state: "firing", flapping: true });
    log.length = 0;
    // Quiet from 110 s: resolved once it has been quiet for the whole window.
    for (let s = 120; s <= 410; s += 10) tick(s, false);
    expect(log).toEqual(["410:resolved", "410:sent resolved"]);
    // It ended when its finding last went away, not when the hold let go.
    expect(last!.changes[0]!.alert).toMatchObject({ state: "resolved", resolvedAt: at(110).toISOString() });
    expect(last!.notifications[0]!.endsAt).toBe(at(110).toISOString());
  });

  test("resolved alerts are forgotten after the flap window (memory stays bounded)", () => {
    const e = createAlertEngine(options({ flapWindowMs: 60_000 }));
    e.tick(at(0), [cpu(), disk()]);
    e.tick(at(10), []);
    expect(e.alerts(at(10)).map((a) => a.state)).toEqual(["resolved", "resolved"]);
    e.tick(at(75), []);
    expect(e.alerts(at(75))).toEqual([]);
  });
});

describe("grouping", () => {
  test("a burst within the group window becomes one notification per channel, lead alert first", () => {
    const e = createAlertEngine(options({ groupWaitMs: 30_000, routes: [route("ops"), route("pager", { severities: ["critical"] })] }));
    const mem = finding({ type: "memory_high", metric: "aiops_memory_used_percent", severity: "critical", message: "High memory usage: 97%" });
    expect(e.tick(at(0), [cpu()]).notifications).toEqual([]);
    expect(e.tick(at(10), [cpu(), disk(), mem]).notifications).toEqual([]);
    const burst = e.tick(at(30), [cpu(), disk(), mem]);
    expect(sent(burst)).toEqual(["ops:memory_high/firing,cpu_high/firing,disk_full/firing"]);
    const ops = burst.notifications[0]!;
    expect(ops.finding.type).toBe("memory_high");
    expect(ops.idempotencyKey).toMatch(/^[0-9a-f]{32}$/);
    // Each channel's window opens with its own first notice: the pager's at 10 s.
    expect(sent(e.tick(at(40), [cpu(), disk(), mem]))).toEqual(["pager:memory_high/firing"]);
    // Nothing more until something changes.
    expect(e.tick(at(50), [cpu(), disk(), mem]).notifications).toEqual([]);
  });

  test("an alert that fires and resolves within the window sends nothing", () => {
    const e = createAlertEngine(options({ groupWaitMs: 30_000 }));
    e.tick(at(0), [cpu()]);
    e.tick(at(10), []);
    expect(e.tick(at(30), []).notifications).toEqual([]);
    expect(e.tick(at(60), []).notifications).toEqual([]);
  });

  test("the API shows a channel as notified once the notice left its window (it is in the outbox), not while it waits", () => {
    const e = createAlertEngine(options({ groupWaitMs: 20_000 }));
    e.tick(at(0), [cpu()]);
    expect(e.alerts(at(0)).map((a) => a.notified)).toEqual([[]]);
    e.tick(at(20), [cpu()]);
    expect(e.alerts(at(20)).map((a) => a.notified)).toEqual([["ops"]]);
    // An escalation waiting in its window: ops did hear the alert already.
    e.tick(at(30), [cpu({ severity: "critical" })]);
    expect(e.alerts(at(30)).map((a) => a.notified)).toEqual([["ops"]]);
  });

  test("an alert that resolves and fires again within one window: the resolve of the first episode still goes, with the new firing", () => {
    const e = createAlertEngine(options({ groupWaitMs: 30_000 }));
    e.tick(at(0), [cpu()]);
    expect(sent(e.tick(at(30), [cpu()]))).toEqual(["ops:cpu_high/firing"]);
    e.tick(at(40), []);
    e.tick(at(50), [cpu()]);
    const [both] = e.tick(at(70), [cpu()]).notifications;
    expect(both!.alerts.map((a) => `${a.status} since ${a.startsAt}`)).toEqual([`firing since ${at(50).toISOString()}`, `resolved since ${at(0).toISOString()}`]);
  });

  test("a resolve after the firing was sent replaces nothing and goes out in its own window", () => {
    const e = createAlertEngine(options({ groupWaitMs: 20_000 }));
    e.tick(at(0), [cpu()]);
    expect(sent(e.tick(at(20), [cpu()]))).toEqual(["ops:cpu_high/firing"]);
    expect(e.tick(at(30), []).notifications).toEqual([]);
    expect(sent(e.tick(at(50), []))).toEqual(["ops:cpu_high/resolved"]);
  });
});

describe("silences", () => {
  test("a maintenance window from the configuration mutes matching alerts; they notify once it ends", () => {
    const config = configFor({
      for: 0,
      group_wait: 0,
      webhook_url: "https://example.com/hook",
      silences: [{ matchers: ["alertname=~disk_.*", "mountpoint=/"], starts_at: at(0).toISOString(), ends_at: at(100).toISOString() }],
    });
    const e = createAlertEngine(engineOptionsOf(config));
    const during = e.tick(at(10), [cpu(), disk()]);
    expect(sent(during)).toEqual(["webhook:cpu_high/firing"]);
    const view = e.alerts(at(10)).find((a) => a.labels.alertname === "disk_full")!;
    expect(view).toMatchObject({ state: "firing", silencedBy: ["config-0"] });
    expect(e.tick(at(50), [cpu(), disk()]).notifications).toEqual([]);
    expect(sent(e.tick(at(100), [cpu(), disk()]))).toEqual(["webhook:disk_full/firing"]);
  });

  test("silences added at run time (the API), listed, expired; a bad one is refused with the reason", () => {
    const e = createAlertEngine(options());
    const s = e.addSilence({ matchers: ["alertname=cpu_high"], startsAt: at(0).getTime(), endsAt: at(3600).getTime(), comment: "deploy" }, at(0));
    expect(s).toEqual({
      id: "api-1",
      matchers: ["alertname=cpu_high"],
      startsAt: at(0).toISOString(),
      endsAt: at(3600).toISOString(),
      comment: "deploy",
      createdBy: "api",
      state: "active",
    });
    expect(e.tick(at(10), [cpu()]).notifications).toEqual([]);
    expect(e.expireSilence("api-1", at(20))).toBe(true);
    expect(e.expireSilence("api-9", at(20))).toBe(false);
    expect(sent(e.tick(at(30), [cpu()]))).toEqual(["ops:cpu_high/firing"]);
    expect(() => e.addSilence({ matchers: ["alertname=~(cpu"], startsAt: 0, endsAt: 1 }, at(30))).toThrow(SilenceError);
    expect(() => e.addSilence({ matchers: [], startsAt: 0, endsAt: 1 }, at(30))).toThrow("matchers: required (at least one matcher)");
    expect(() => e.addSilence({ matchers: ["a=b"], startsAt: 5, endsAt: 1 }, at(30))).toThrow("endsAt: expected a time after startsAt");
    expect(e.silences(at(30)).map((v) => [v.id, v.state])).toEqual([["api-1", "expired"]]);
  });
});

describe("inhibition", () => {
  const anomaly = (over: Partial<Finding> = {}) => finding({ type: "cpu_usage_anomaly", detector: "ewma", message: "Unusual CPU usage", ...over });

  test("a firing critical alert hides the warning of the same series", () => {
    const e = createAlertEngine(options());
    const r = e.tick(at(0), [cpu({ severity: "critical", value: 97 }), anomaly()]);
    expect(sent(r)).toEqual(["ops:cpu_high/firing"]);
    const hidden = e.alerts(at(0)).find((a) => a.labels.alertname === "cpu_usage_anomaly")!;
    expect(hidden.inhibitedBy).toBe(fingerprintOf(cpu()));
    // Once the critical one resolves, the warning is told (in the same notification: same tick).
    expect(sent(e.tick(at(10), [anomaly()]))).toEqual(["ops:cpu_usage_anomaly/firing,cpu_high/resolved"]);
  });

  test("another series, or inhibit off, hides nothing", () => {
    const other = anomaly({ labels: { cpu: "3" } });
    expect(sent(createAlertEngine(options()).tick(at(0), [cpu({ severity: "critical" }), other]))).toEqual([
      "ops:cpu_high/firing,cpu_usage_anomaly/firing",
    ]);
    expect(sent(createAlertEngine(options({ inhibit: false })).tick(at(0), [cpu({ severity: "critical" }), anomaly()]))).toEqual([
      "ops:cpu_high/firing,cpu_usage_anomaly/firing",
    ]);
  });
});

describe("routing", () => {
  test("channels receive the severities and types they ask for", () => {
    const e = createAlertEngine(
      options({
        routes: [route("all"), route("pager", { severities: ["critical"] }), route("storage", { types: ["disk_full"] })],
      }),
    );
    const r = e.tick(at(0), [cpu(), disk({ severity: "critical" })]);
    expect(sent(r)).toEqual(["all:disk_full/firing,cpu_high/firing", "pager:disk_full/firing", "storage:disk_full/firing"]);
  });

  test("with no channels, alerts still live but nothing is sent", () => {
    const e = createAlertEngine(options({ routes: [] }));
    const r = e.tick(at(0), [cpu()]);
    expect(r.notifications).toEqual([]);
    expect(r.changes.map((c) => c.to)).toEqual(["pending", "firing"]);
  });
});

describe("state export", () => {
  test("after a restart, the windows that closed while the agent was down go out as they were, before the first tick's changes", () => {
    const opts = options({ groupWaitMs: 20_000 });
    const before = createAlertEngine(opts);
    before.tick(at(0), [cpu()]);
    const saved = JSON.stringify(before.exportState());
    // Killed at 5 s; back at 30 s, when the alert has gone away: it fired, so it is told fired, then resolved.
    const resolvedMeanwhile = createAlertEngine(opts, JSON.parse(saved));
    const first = resolvedMeanwhile.tick(at(30), []);
    expect(sent(first)).toEqual(["ops:cpu_high/firing"]);
    expect(first.notifications[0]!.createdAt).toBe(at(30).toISOString());
    expect(sent(resolvedMeanwhile.tick(at(50), []))).toEqual(["ops:cpu_high/resolved"]);
    // Back at 30 s with the alert critical: the warning the window held goes, then the escalation.
    const escalatedMeanwhile = createAlertEngine(opts, JSON.parse(saved));
    expect(escalatedMeanwhile.tick(at(30), [cpu({ severity: "critical" })]).notifications.map((n) => n.labels.severity)).toEqual(["warning"]);
    expect(escalatedMeanwhile.tick(at(50), [cpu({ severity: "critical" })]).notifications.map((n) => n.labels.severity)).toEqual(["critical"]);
  });

  test("a restart from the exported state re-sends nothing, and still resolves what was sent", () => {
    const opts = options({ forMs: 10_000, groupWaitMs: 20_000 });
    const before = createAlertEngine(opts);
    before.tick(at(0), [cpu(), disk()]);
    before.tick(at(10), [cpu(), disk()]);
    // Same severity and start: ordered by fingerprint.
    expect(sent(before.tick(at(30), [cpu(), disk()]))).toEqual(["ops:disk_full/firing,cpu_high/firing"]);
    before.addSilence({ matchers: ["alertname=memory_high"], startsAt: at(0).getTime(), endsAt: at(9999).getTime() }, at(30));
    // A resolve waiting in its group window survives the restart too.
    before.tick(at(40), [cpu()]);

    const state = JSON.parse(JSON.stringify(before.exportState()));
    const after = createAlertEngine(opts, state);
    expect(after.silences(at(50)).map((s) => s.id)).toEqual(["api-1"]);
    expect(after.tick(at(50), [cpu()]).notifications).toEqual([]);
    expect(sent(after.tick(at(60), [cpu()]))).toEqual(["ops:disk_full/resolved"]);
    expect(after.tick(at(70), [cpu()]).notifications).toEqual([]);
    expect(sent(after.tick(at(80), []))).toEqual([]);
    expect(sent(after.tick(at(100), []))).toEqual(["ops:cpu_high/resolved"]);
  });
});
