import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { BUSY_TIMEOUT_MS, DATABASE_FILE } from "../../../src/store/open-database.ts";
import { listAlerts } from "../../../src/store/alerts.ts";
import { loadAlertEngineState } from "../../../src/store/alert-engine-state.ts";
import { listNotifications } from "../../../src/store/notifications.ts";
import { getSilence, saveSilence } from "../../../src/store/silence-rows.ts";
import type { Notification } from "../../../src/alert/notifier.ts";
import { stateFromParts } from "../../../src/alert/engine/engine-state.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { configFor, finding } from "../fixtures.ts";
import { T0, alertStage, openStore, tick } from "./support.ts";

afterEach(cleanUp);

/** Two webhook channels, alerts fire at once and are sent per tick. */
const config = (alert: Record<string, unknown> = {}) =>
  configFor({
    for: 0,
    group_wait: 0,
    channels: [
      { name: "hook-a", type: "webhook", url: "http://127.0.0.1:9/a" },
      { name: "hook-b", type: "webhook", url: "http://127.0.0.1:9/b", severities: ["critical"] },
    ],
    ...alert,
  });

const notifications = (store: ReturnType<typeof openStore>["store"]) => store.read((db) => listNotifications(db).items).reverse();
const alerts = (store: ReturnType<typeof openStore>["store"]) => store.read((db) => listAlerts(db).items).reverse();

describe("the outbox transaction", () => {
  test("an alert's change, its notifications and the engine state are written together", () => {
    const { store } = openStore();
    const { stage, events } = alertStage(store, config());
    const published: string[] = [];
    events.subscribe((e) => published.push(e.type === "alert" ? `${String(e.alert.from)}->${String(e.alert.to)}` : e.type));
    stage.run(tick(T0, [finding({ severity: "critical" })]));

    const [a] = alerts(store);
    expect(alerts(store)).toHaveLength(1);
    expect(a).toMatchObject({ state: "firing", severity: "critical", startedAt: T0, firedAt: T0, resolvedAt: null, lastNotifiedAt: T0 });
    const rows = notifications(store);
    expect(rows.map((n) => [n.channel, n.alertState, n.status, n.alertId, n.nextAttemptAt])).toEqual([
      ["hook-a", "firing", "pending", a!.id, T0],
      ["hook-b", "firing", "pending", a!.id, T0],
    ]);
    expect(new Set(rows.map((n) => n.idempotencyKey)).size).toBe(2);
    expect((rows[0]!.payload as Notification).finding.message).toBe("High CPU usage: 85.50%");
    const saved = store.read((db) => loadAlertEngineState(db));
    expect([...saved.keys()]).toEqual([`alert:${a!.fingerprint}`, "silences"]);
    expect(stateFromParts(saved)).toEqual(stage.engine.exportState());
    // Events come after the commit, one per change.
    expect(published).toEqual(["inactive->pending", "pending->firing"]);
  });

  test("a failure inside rolls back the alert change and the notification, and the engine with them", () => {
    const { store } = openStore();
    const { stage } = alertStage(store, config());
    store.db.run("CREATE TRIGGER refuse BEFORE INSERT ON notifications BEGIN SELECT RAISE(ABORT, 'outbox refused'); END");
    expect(() => stage.run(tick(T0, [finding()]))).toThrow("outbox refused");
    expect(alerts(store)).toEqual([]);
    expect(notifications(store)).toEqual([]);
    expect(store.read((db) => loadAlertEngineState(db)).size).toBe(0);
    // The engine is back where the store is: it does not believe anyone was told.
    expect(stage.engine.alerts(new Date(T0))).toEqual([]);

    store.db.run("DROP TRIGGER refuse");
    stage.run(tick(T0 + 10_000, [finding()]));
    expect(alerts(store).map((a) => a.state)).toEqual(["firing"]);
    expect(notifications(store).map((n) => [n.channel, n.alertState])).toEqual([["hook-a", "firing"]]);
  });

  test("queueing is idempotent: a key already queued is not queued again", () => {
    const { store } = openStore();
    const { stage, outbox } = alertStage(store, config());
    const result = stage.engine.tick(new Date(T0), [finding({ severity: "critical" })]);
    expect(outbox.record(T0, result, stage.engine.exportStateParts())).toEqual({ enqueued: 2, duplicates: 0 });
    expect(outbox.record(T0 + 1, { changes: [], notifications: result.notifications }, stage.engine.exportStateParts())).toEqual({ enqueued: 0, duplicates: 2 });
    expect(notifications(store)).toHaveLength(2);
  });

  test("the workers are woken after a commit that queued rows, not after one that did not", () => {
    const { store } = openStore();
    let wakes = 0;
    const { stage } = alertStage(store, config(), { onEnqueued: () => wakes++ });
    stage.run(tick(T0, [finding()]));
    stage.run(tick(T0 + 10_000, [finding()]));
    expect(wakes).toBe(1);
  });

  test("a tick that changes nothing writes nothing: it goes on while another process holds the write lock", () => {
    const { store, dir } = openStore();
    const { stage } = alertStage(store, config());
    stage.run(tick(T0, [finding()]));
    const before = store.read((db) => loadAlertEngineState(db));
    const other = new Database(join(dir, DATABASE_FILE));
    other.run("BEGIN IMMEDIATE");
    try {
      // The same finding, still firing, nothing due: without a transaction this cannot wait on the lock.
      const started = performance.now();
      stage.run(tick(T0 + 1_000, [finding()]));
      expect(performance.now() - started).toBeLessThan(BUSY_TIMEOUT_MS / 2);
    } finally {
      other.run("ROLLBACK");
      other.close();
    }
    expect(store.read((db) => loadAlertEngineState(db))).toEqual(before);
    expect(notifications(store)).toHaveLength(1);
  });

  test("a pending alert that goes away without firing is closed, with no firing time", () => {
    const { store } = openStore();
    const { stage } = alertStage(store, config({ for: 60 }));
    stage.run(tick(T0, [finding()]));
    expect(alerts(store).map((a) => a.state)).toEqual(["pending"]);
    stage.run(tick(T0 + 10_000, []));
    expect(alerts(store)).toMatchObject([{ state: "resolved", firedAt: null, resolvedAt: T0 + 10_000 }]);
    expect(notifications(store)).toEqual([]);
    // It comes back: a new row, the old one stays as it was.
    stage.run(tick(T0 + 20_000, [finding()]));
    expect(alerts(store).map((a) => a.state)).toEqual(["resolved", "pending"]);
  });

  test("an escalation keeps the open row's severity and finding current", () => {
    const { store } = openStore();
    const { stage } = alertStage(store, config());
    stage.run(tick(T0, [finding()]));
    stage.run(tick(T0 + 10_000, [finding({ severity: "critical", value: 97, message: "High CPU usage: 97.00%" })]));
    expect(alerts(store)).toMatchObject([{ state: "firing", severity: "critical", lastNotifiedAt: T0 + 10_000, lastFinding: { value: 97 } }]);
    expect(notifications(store).map((n) => [n.channel, n.alertState])).toEqual([
      ["hook-a", "firing"],
      ["hook-a", "firing"],
      ["hook-b", "firing"],
    ]);
  });
});

describe("a restart", () => {
  test("resumes the engine exactly: nothing re-sent, the resolve goes to the channels told", () => {
    const { store, dir } = openStore();
    const first = alertStage(store, config());
    first.stage.run(tick(T0, [finding({ severity: "critical" })]));
    expect(notifications(store)).toHaveLength(2);
    store.close();

    const { store: again } = openStore(dir);
    const second = alertStage(again, config());
    expect(second.stage.engine.alerts(new Date(T0)).map((a) => [a.state, a.notified])).toEqual([["firing", ["hook-a", "hook-b"]]]);
    second.stage.run(tick(T0 + 10_000, [finding({ severity: "critical" })]));
    expect(notifications(again)).toHaveLength(2);
    second.stage.run(tick(T0 + 20_000, []));
    expect(notifications(again).map((n) => [n.channel, n.alertState])).toEqual([
      ["hook-a", "firing"],
      ["hook-b", "firing"],
      ["hook-a", "resolved"],
      ["hook-b", "resolved"],
    ]);
    expect(alerts(again)).toMatchObject([{ state: "resolved", firedAt: T0, resolvedAt: T0 + 20_000 }]);
    // Every notification points at the alert's row, the resolves too.
    expect(new Set(notifications(again).map((n) => n.alertId))).toEqual(new Set([alerts(again)[0]!.id]));
  });

  test("keeps a silence added through the API, and its expiry", () => {
    const { store, dir } = openStore();
    const first = alertStage(store, config());
    const silence = first.stage.addSilence({ matchers: ["alertname=cpu_high"], startsAt: T0 - 1000, endsAt: T0 + 3_600_000, comment: "patching", createdBy: "ops" });
    expect(silence).toMatchObject({ id: "api-1", state: "active", matchers: ["alertname=cpu_high"] });
    expect(store.read((db) => getSilence(db, "api-1"))).toMatchObject({
      matchers: [{ name: "alertname", value: "cpu_high", isRegex: false, isEqual: true }],
      endsAt: T0 + 3_600_000,
      createdBy: "ops",
      comment: "patching",
    });
    store.close();

    const { store: again, dir: _ } = openStore(dir);
    const second = alertStage(again, config());
    expect(second.stage.engine.silences(new Date(T0)).map((s) => [s.id, s.state])).toEqual([["api-1", "active"]]);
    second.stage.run(tick(T0, [finding()]));
    expect(notifications(again)).toEqual([]);
    expect(second.stage.expireSilence("api-1")).toBe("expired");
    expect(second.stage.expireSilence("api-9")).toBe("unknown");
    expect(again.read((db) => getSilence(db, "api-1"))?.endsAt).toBe(T0);
    again.close();

    const { store: third } = openStore(dir);
    const resumed = alertStage(third, config());
    expect(resumed.stage.engine.silences(new Date(T0 + 1)).map((s) => [s.id, s.state])).toEqual([["api-1", "expired"]]);
    resumed.stage.run(tick(T0 + 10_000, [finding()]));
    expect(notifications(third).map((n) => n.alertState)).toEqual(["firing"]);
  });

  test("a saved silence that no longer passes the checks is left out and logged with why; the others stay", () => {
    const { store } = openStore();
    const row = (id: string, value: string) => ({
      id,
      matchers: [{ name: "alertname", value, isRegex: true, isEqual: true }],
      startsAt: T0 - 1000,
      endsAt: T0 + 3_600_000,
      createdBy: "ops",
      comment: "",
      createdAt: T0,
      updatedAt: T0,
    });
    // As an agent before RE2 matching could have saved it: a look-behind, which RE2 refuses.
    store.transaction((db) => {
      saveSilence(db, row("api-1", "(?<=x)cpu_high"));
      saveSilence(db, row("api-2", "cpu_.*"));
    });
    const { stage, lines } = alertStage(store, config());
    expect(stage.engine.silences(new Date(T0)).map((s) => s.id)).toEqual(["api-2"]);
    const warning = lines.find((l) => l.level === "WARNING" && String(l.message).startsWith("Saved silences left out"));
    expect(warning?.rejected).toEqual([expect.stringMatching(/^silence "api-1": matchers\[0\]: expected a regular expression \(RE2 syntax\)/)]);
    expect(lines.find((l) => l.message === "Alert state restored")).toMatchObject({ silences: 1 });
    stage.run(tick(T0, [finding()]));
    expect(notifications(store)).toEqual([]);
  });

  test("a saved state that cannot be used is logged and alerting starts afresh", () => {
    const { store } = openStore();
    store.db.run("INSERT INTO alert_engine_state (key, state, updated_at) VALUES ('alert:x', '{\"not\": \"an alert', 0)");
    const { stage } = alertStage(store, config());
    expect(stage.engine.alerts(new Date(T0))).toEqual([]);
    stage.run(tick(T0, [finding()]));
    expect(notifications(store)).toHaveLength(1);
  });
});
