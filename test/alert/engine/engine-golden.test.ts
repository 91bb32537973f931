import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type AlertEngine, createAlertEngine } from "../../../src/alert/engine/alert-engine.ts";
import type { EngineOptions } from "../../../src/alert/engine/engine-options.ts";
import { stateFromParts } from "../../../src/alert/engine/engine-state.ts";
import type { Finding } from "../../../src/contracts/finding.ts";
import { finding } from "../fixtures.ts";
import { route } from "./support.ts";

/**
 * One long scripted run of the engine through every step (lifecycle, grouping, repeats, escalation,
 * inhibition, configured and run-time silences, flap damping, a restart from the saved parts, a channel
 * removed), compared with a golden record: what each tick changed, every notification (bodies and
 * idempotency keys), the state parts the outbox writes to SQLite and the API's view of the alerts.
 * The record was first written by the engine before it was split into steps; the split must not change
 * one byte of it. Regenerate with UPDATE_GOLDEN=1 only after a deliberate change, and review the diff.
 */
const GOLDEN = join(import.meta.dir, "../../golden/alert-engine/scenario.json");

const T0 = Date.parse("2026-01-10T08:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);

const OPTIONS: EngineOptions = {
  agentName: "host-a",
  environment: "test",
  forMs: 20_000,
  groupWaitMs: 15_000,
  // CPU eases from critical to warning 40 s after its escalation: ops hears it when the hold ends.
  severityHoldMs: 120_000,
  flapWindowMs: 120_000,
  flapMaxChanges: 2,
  inhibit: true,
  routes: [
    route("ops", { repeatIntervalMs: 60_000 }),
    route("pager", { severities: ["critical"], repeatIntervalMs: 300_000 }),
    route("storage", { types: ["disk_full"], sendResolved: false, repeatIntervalMs: 90_000 }),
  ],
  silences: [{ matchers: ["alertname=load_high"], startsAt: T0 + 30_000, endsAt: T0 + 150_000, comment: "maintenance", createdBy: "config" }],
};
/** After the second restart the storage channel is gone from the configuration. */
const WITHOUT_STORAGE: EngineOptions = { ...OPTIONS, routes: OPTIONS.routes.filter((r) => r.channel !== "storage") };

const cpu = (over: Partial<Finding> = {}) => finding(over);
const anomaly = () => finding({ type: "cpu_usage_anomaly", detector: "ewma", message: "Unusual CPU usage", score: 0.9 });
const disk = (over: Partial<Finding> = {}) =>
  finding({ type: "disk_full", metric: "aiops_disk_used_percent", labels: { mountpoint: "/" }, message: "Disk / is 93% full", value: 93, threshold: 90, ...over });
const memory = () => finding({ type: "memory_high", metric: "aiops_memory_used_percent", message: "High memory usage: 91%", value: 91, threshold: 90 });
const load = () => finding({ type: "load_high", metric: "aiops_load1", message: "Load 12", value: 12, threshold: 8 });

/** The findings detectors report at second `s` of the run. */
function findingsAt(s: number): Finding[] {
  const out: Finding[] = [];
  // CPU: warning from 0 to 260, critical from 60 to 100 (two findings of one alert: the strongest wins).
  if (s <= 260) out.push(cpu({ score: 0.6 }));
  if (s >= 60 && s < 100) out.push(cpu({ severity: "critical", value: 97, message: "High CPU usage: 97.00%", score: 0.95 }));
  // The anomaly detector on the same series: hidden while the critical CPU alert fires.
  if (s >= 70 && s <= 150) out.push(anomaly());
  // Disk: steady from 10, then away 10 s in every 40 from 100 (long enough on to fire again), gone from 230.
  if ((s >= 10 && s < 100) || (s >= 100 && s < 230 && (s - 100) % 40 < 30)) out.push(disk({ severity: "critical" }));
  // Memory: a blip shorter than `for`, then back long enough to fire, then gone.
  if ((s >= 20 && s <= 30) || (s >= 110 && s <= 300)) out.push(memory());
  // Load: under the configured maintenance window for part of its life.
  if (s >= 40 && s <= 220) out.push(load());
  return out;
}

interface Step {
  t: number;
  changes: unknown[];
  notifications: unknown[];
  /** State parts that differ from the last tick's (what the outbox writes), and those that went away. */
  written: Record<string, string>;
  removed: string[];
  /** The API's view of the alerts, when it differs from the last tick's. */
  alerts?: unknown[];
  silences?: unknown[];
  event?: string;
}

function run(): Step[] {
  const steps: Step[] = [];
  let engine: AlertEngine = createAlertEngine(OPTIONS);
  let saved = new Map<string, string>();
  let lastAlerts = "";
  let lastSilences = "";
  for (let s = 0; s <= 420; s += 5) {
    let event: string | undefined;
    if (s === 120) {
      engine.addSilence({ matchers: ["alertname=memory_high"], startsAt: T0 + 120_000, endsAt: T0 + 3_600_000, comment: "known leak", createdBy: "ops" }, at(s));
      event = "silence added";
    }
    if (s === 180) {
      engine.expireSilence("api-1", at(s));
      event = "silence expired";
    }
    if (s === 175 || s === 255) {
      // A restart: the engine comes back from the parts the outbox saved, as SQLite returns them.
      const parts = JSON.parse(JSON.stringify([...saved]));
      engine = createAlertEngine(s === 255 ? WITHOUT_STORAGE : OPTIONS, stateFromParts(parts));
      event = s === 255 ? "restart without the storage channel" : "restart";
    }
    const result = engine.tick(at(s), findingsAt(s));
    const parts = engine.exportStateParts();
    const written: Record<string, string> = {};
    for (const [key, text] of parts) if (saved.get(key) !== text) written[key] = text;
    const removed = [...saved.keys()].filter((key) => !parts.has(key));
    saved = new Map(parts);
    const alerts = JSON.stringify(engine.alerts(at(s)));
    const silences = JSON.stringify(engine.silences(at(s)));
    steps.push({
      t: s,
      ...(event ? { event } : {}),
      changes: result.changes,
      notifications: result.notifications,
      written,
      removed,
      ...(alerts !== lastAlerts ? { alerts: JSON.parse(alerts) } : {}),
      ...(silences !== lastSilences ? { silences: JSON.parse(silences) } : {}),
    });
    lastAlerts = alerts;
    lastSilences = silences;
  }
  return steps;
}

describe("the engine's golden run", () => {
  test("every tick's changes, notifications, saved state and API view match the golden record byte for byte", () => {
    const text = `${JSON.stringify(run(), null, 1)}\n`;
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(GOLDEN)) {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  test("the run goes through every step it is meant to cover", () => {
    const steps = run();
    const notices = steps.flatMap((s) => s.notifications as Array<{ channel: string; alerts: Array<{ labels: Record<string, string>; status: string }> }>);
    const told = new Set(notices.flatMap((n) => n.alerts.map((a) => `${n.channel}:${a.labels.alertname}/${a.labels.severity}/${a.status}`)));
    // Grouping: some notification carries several alerts.
    expect(notices.some((n) => n.alerts.length > 1)).toBe(true);
    // Escalation to the pager, the storage channel, resolves where asked and none where not.
    expect(told).toContain("pager:cpu_high/critical/firing");
    expect(told).toContain("storage:disk_full/critical/firing");
    expect(told).toContain("ops:disk_full/critical/resolved");
    expect([...told].some((t) => t.startsWith("storage:") && t.endsWith("/resolved"))).toBe(false);
    // Severity damping: CPU, told critical at 60 s, eased to warning at 100 s; ops hears the warning
    // only once the hold (120 s from 60 s) is over, and nothing of CPU in between.
    const cpuToOps = steps.flatMap((s) =>
      (s.notifications as Array<{ channel: string; alerts: Array<{ labels: Record<string, string>; status: string }> }>)
        .filter((n) => n.channel === "ops")
        .flatMap((n) => n.alerts.filter((a) => a.labels.alertname === "cpu_high").map((a) => `${s.t}:${a.labels.severity}/${a.status}`)),
    );
    expect(cpuToOps).toEqual(["35:warning/firing", "75:critical/firing", "195:warning/firing", "255:warning/firing", "280:warning/resolved"]);
    // Repeats: the same alert told the same channel more than once while firing.
    expect(notices.filter((n) => n.channel === "ops" && n.alerts.some((a) => a.labels.alertname === "cpu_high" && a.status === "firing")).length).toBeGreaterThan(2);
    const views = steps.flatMap((s) => (s.alerts ?? []) as Array<{ labels: Record<string, string>; silencedBy: string[]; inhibitedBy?: string; flapping: boolean }>);
    expect(views.some((v) => v.labels.alertname === "cpu_usage_anomaly" && v.inhibitedBy !== undefined)).toBe(true);
    expect(views.some((v) => v.labels.alertname === "load_high" && v.silencedBy.includes("config-0"))).toBe(true);
    expect(views.some((v) => v.labels.alertname === "memory_high" && v.silencedBy.includes("api-1"))).toBe(true);
    expect(views.some((v) => v.labels.alertname === "disk_full" && v.flapping)).toBe(true);
    const changes = steps.flatMap((s) => s.changes as Array<{ from: string; to: string; alert: { labels: Record<string, string> } }>);
    expect(changes.some((c) => c.alert.labels.alertname === "memory_high" && c.from === "pending" && c.to === "inactive")).toBe(true);
    // Buffers were saved, and forgotten alerts removed from the saved state.
    expect(steps.some((s) => Object.keys(s.written).some((k) => k.startsWith("buffer:")))).toBe(true);
    expect(steps.some((s) => s.removed.some((k) => k.startsWith("alert:")))).toBe(true);
    // The removed channel had a group open when the agent restarted without it: it is dropped.
    const restart = steps.findIndex((s) => s.event === "restart without the storage channel");
    expect(steps.slice(0, restart).findLast((s) => "buffer:storage" in s.written || s.removed.includes("buffer:storage"))?.written).toHaveProperty("buffer:storage");
    expect(steps[restart]!.removed).toContain("buffer:storage");
  });
});
