import { afterEach, describe, expect, test } from "bun:test";
import { readRecentAlerting } from "../../tui/recent-alerting.ts";
import { createAlertRoutes } from "../../src/server/alert-routes.ts";
import { recordDeliveryAttempt } from "../../src/store/delivery-attempts.ts";
import { updateNotification } from "../../src/store/notifications.ts";
import { getSilence } from "../../src/store/silence-rows.ts";
import { configFor, finding } from "../alert/fixtures.ts";
import { T0, alertStage, openStore, tick } from "../alert/outbox/support.ts";
import { cleanUp } from "../store/support/temp.ts";
import { testServer } from "./support.ts";
import { ManualClock } from "../../src/clock.ts";

afterEach(cleanUp);

const config = configFor({
  for: 0,
  group_wait: 0,
  channels: [
    { name: "hook", type: "webhook", url: "http://127.0.0.1:9/a" },
    { name: "pager", type: "webhook", url: "http://127.0.0.1:9/b", severities: ["critical"] },
  ],
  silences: [{ matchers: ["alertname=disk_high"], starts_at: "2026-01-10T00:00:00Z", ends_at: "2026-01-11T00:00:00Z" }],
});

function server(dir?: string) {
  const { store, dir: at } = openStore(dir);
  const { stage } = alertStage(store, config, { now: () => T0 + 60_000 });
  const { get } = testServer({ deps: { routes: createAlertRoutes({ store, stage, clock: new ManualClock(T0 + 60_000) }) } });
  const send = (method: string, path: string, body?: unknown) =>
    get(path, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}) });
  return { store, stage, get, send, dir: at };
}

type Json = Record<string, any>;

describe("/api/v1/alerts", () => {
  test("pages through alert history, newest change first, with filters", async () => {
    const { stage, get } = server();
    stage.run(tick(T0, [finding({ labels: { cpu: "0" } })]));
    stage.run(tick(T0 + 10_000, [finding({ labels: { cpu: "0" } }), finding({ labels: { cpu: "1" }, severity: "critical" })]));
    stage.run(tick(T0 + 20_000, [finding({ labels: { cpu: "1" }, severity: "critical" })]));

    const all = (await (await get("/api/v1/alerts")).json()) as Json;
    expect(all.items.map((a: Json) => [a.labels.cpu, a.state, a.severity])).toEqual([
      ["0", "resolved", "warning"],
      ["1", "firing", "critical"],
    ]);
    expect(all.next_cursor).toBeNull();
    expect(all.items[0]).toMatchObject({ startedAt: T0, firedAt: T0, resolvedAt: T0 + 20_000, lastFinding: { type: "cpu_high" } });

    const first = (await (await get("/api/v1/alerts?limit=1")).json()) as Json;
    expect(first.items).toHaveLength(1);
    const second = (await (await get(`/api/v1/alerts?limit=1&cursor=${first.next_cursor}`)).json()) as Json;
    expect(second.items[0].labels.cpu).toBe("1");
    expect(second.next_cursor).toBeNull();

    expect(((await (await get("/api/v1/alerts?state=firing")).json()) as Json).items.map((a: Json) => a.labels.cpu)).toEqual(["1"]);
    expect(((await (await get("/api/v1/alerts?severity=warning")).json()) as Json).items.map((a: Json) => a.labels.cpu)).toEqual(["0"]);
    const fp = all.items[1].fingerprint;
    expect(((await (await get(`/api/v1/alerts?fingerprint=${fp}`)).json()) as Json).items.map((a: Json) => a.labels.cpu)).toEqual(["1"]);
    expect(((await (await get(`/api/v1/alerts?from=${(T0 + 15_000) / 1000}`)).json()) as Json).items.map((a: Json) => a.labels.cpu)).toEqual(["0"]);
    expect(((await (await get(`/api/v1/alerts?to=${new Date(T0 + 15_000).toISOString()}`)).json()) as Json).items.map((a: Json) => a.labels.cpu)).toEqual(["1"]);
  });

  test("the engine's live view: state, silences and inhibition", async () => {
    const { stage, get } = server();
    stage.run(tick(T0, [finding({ labels: { cpu: "0" } }), finding({ type: "disk_high", metric: "aiops_disk_usage_percent", labels: { mountpoint: "/" } })]));
    const body = (await (await get("/api/v1/alerts/active")).json()) as Json;
    expect(body.items.map((a: Json) => [a.labels.alertname, a.state, a.silencedBy])).toEqual([
      ["cpu_high", "firing", []],
      ["disk_high", "firing", ["config-0"]],
    ]);
    expect(((await (await get("/api/v1/alerts/active?state=pending")).json()) as Json).items).toEqual([]);
  });

  test("bad filters and cursors are 400s that name the parameter", async () => {
    const { get } = server();
    const state = await get("/api/v1/alerts?state=open");
    expect(state.status).toBe(400);
    expect(((await state.json()) as Json).error.message).toBe("query.state: expected pending, firing or resolved");
    const cursor = await get("/api/v1/alerts?cursor=nope");
    expect(cursor.status).toBe(400);
    expect(((await cursor.json()) as Json).error.message).toStartWith("cursor: invalid cursor");
    expect((await get("/api/v1/alerts?colour=red")).status).toBe(400);
  });
});

describe("/api/v1/deliveries", () => {
  test("each notification names its alert; the TUI reads the live alerts and the attempts from it, newest first", async () => {
    const { stage, store, get } = server();
    stage.run(tick(T0, [finding({ severity: "critical", message: "High CPU usage: 97.00%" })]));
    const page = (await (await get("/api/v1/deliveries")).json()) as Json;
    expect(page.items.map((n: Json) => [n.channel, n.alertname, n.summary])).toEqual([
      ["pager", "cpu_high", expect.stringContaining("High CPU usage: 97.00%")],
      ["hook", "cpu_high", expect.stringContaining("High CPU usage: 97.00%")],
    ]);
    const [pager, hook] = page.items.map((n: Json) => n.id as number);
    store.transaction((db) => {
      recordDeliveryAttempt(db, { notificationId: hook!, channel: "hook", ts: T0 + 5, outcome: "delivered", httpStatus: 200, error: null, latencyMs: 2 });
      recordDeliveryAttempt(db, { notificationId: pager!, channel: "pager", ts: T0 + 1, outcome: "retry", httpStatus: 503, error: "HTTP 503", latencyMs: 4 });
      recordDeliveryAttempt(db, { notificationId: pager!, channel: "pager", ts: T0 + 9, outcome: "delivered", httpStatus: 200, error: null, latencyMs: 3 });
    });
    const recent = await readRecentAlerting(async (path) => (await get(path)).json() as Promise<Record<string, unknown>>, 20);
    expect(recent.alerts.map((a) => [a.finding.type, a.state, a.severity])).toEqual([["cpu_high", "firing", "critical"]]);
    expect(recent.deliveries.map((d) => [d.channel, d.ts - T0, d.outcome, d.attempt, d.alertname])).toEqual([
      ["pager", 9, "delivered", 2, "cpu_high"],
      ["hook", 5, "delivered", 1, "cpu_high"],
      ["pager", 1, "retry", 1, "cpu_high"],
    ]);
  });

  test("lists notifications with every attempt, oldest attempt first, filtered by channel and status", async () => {
    const { stage, store, get } = server();
    stage.run(tick(T0, [finding({ severity: "critical" })]));
    const page = (await (await get("/api/v1/deliveries")).json()) as Json;
    expect(page.items.map((n: Json) => [n.channel, n.status, n.alertState, n.attemptLog])).toEqual([
      ["pager", "pending", "firing", []],
      ["hook", "pending", "firing", []],
    ]);
    expect(page.items[0].payload).toBeUndefined();
    const id = page.items[0].id as number;
    store.transaction((db) => {
      recordDeliveryAttempt(db, { notificationId: id, channel: "pager", ts: T0 + 1, outcome: "retry", httpStatus: 503, error: "HTTP 503", latencyMs: 4 });
      recordDeliveryAttempt(db, { notificationId: id, channel: "pager", ts: T0 + 2000, outcome: "delivered", httpStatus: 200, error: null, latencyMs: 3 });
      updateNotification(db, id, { status: "delivered", attempts: 2, deliveredAt: T0 + 2000, updatedAt: T0 + 2000 });
    });
    const pager = (await (await get("/api/v1/deliveries?channel=pager")).json()) as Json;
    expect(pager.items).toHaveLength(1);
    expect(pager.items[0]).toMatchObject({ status: "delivered", attempts: 2, deliveredAt: T0 + 2000 });
    expect(pager.items[0].attemptLog.map((a: Json) => [a.outcome, a.httpStatus, a.error])).toEqual([
      ["retry", 503, "HTTP 503"],
      ["delivered", 200, null],
    ]);
    expect(((await (await get("/api/v1/deliveries?status=pending")).json()) as Json).items.map((n: Json) => n.channel)).toEqual(["hook"]);
    const first = (await (await get("/api/v1/deliveries?limit=1")).json()) as Json;
    const second = (await (await get(`/api/v1/deliveries?limit=1&cursor=${first.next_cursor}`)).json()) as Json;
    expect([...first.items, ...second.items].map((n: Json) => n.channel)).toEqual(["pager", "hook"]);
    expect((await get("/api/v1/deliveries?status=lost")).status).toBe(400);
    expect((await get("/api/v1/deliveries?cursor=%%%")).status).toBe(400);
  });
});

describe("/api/v1/silences", () => {
  test("POST adds a silence through the engine, saved in the store; it mutes; DELETE expires it", async () => {
    const { send, get, stage, store } = server();
    const created = await send("POST", "/api/v1/silences", {
      matchers: ["alertname=cpu_high", "cpu=~[0-3]"],
      ends_at: "2026-01-10T12:00:00Z",
      comment: "kernel upgrade",
    });
    expect(created.status).toBe(201);
    const silence = (await created.json()) as Json;
    expect(silence).toEqual({
      id: "api-1",
      matchers: ["alertname=cpu_high", 'cpu=~"[0-3]"'],
      startsAt: new Date(T0 + 60_000).toISOString(),
      endsAt: "2026-01-10T12:00:00.000Z",
      comment: "kernel upgrade",
      createdBy: "in-process",
      state: "active",
    });
    expect(created.headers.get("location")).toBe("/api/v1/silences/api-1");
    expect(store.read((db) => getSilence(db, "api-1"))).toMatchObject({ createdBy: "in-process", comment: "kernel upgrade" });

    stage.run(tick(T0 + 60_000, [finding({ labels: { cpu: "2" } })]));
    expect(((await (await get("/api/v1/deliveries")).json()) as Json).items).toEqual([]);

    const listed = (await (await get("/api/v1/silences?state=active")).json()) as Json;
    expect(listed.items.map((s: Json) => s.id)).toEqual(["config-0", "api-1"]);

    const expired = await send("DELETE", "/api/v1/silences/api-1");
    expect(expired.status).toBe(200);
    expect(((await expired.json()) as Json).state).toBe("expired");
    expect(((await (await get("/api/v1/silences?state=expired")).json()) as Json).items.map((s: Json) => s.id)).toEqual(["api-1"]);
    expect(store.read((db) => getSilence(db, "api-1"))?.endsAt).toBe(T0 + 60_000);
  });

  test("bad input is a 400 naming the field; unknown ids 404; configured windows 409", async () => {
    const { send } = server();
    const cases: Array<[unknown, string]> = [
      [{ ends_at: "2026-01-10T12:00:00Z" }, "body.matchers: expected a list of matchers such as alertname=cpu_high"],
      [{ matchers: [], ends_at: "2026-01-10T12:00:00Z" }, "body.matchers: expected at least one matcher"],
      [{ matchers: ["cpu"], ends_at: "2026-01-10T12:00:00Z" }, 'body.matchers[0]: expected name=value, name!=value, name=~regex or name!~regex; got "cpu"'],
      [{ matchers: ["a=b"], ends_at: "soon" }, 'body.ends_at: expected an RFC 3339 time or Unix seconds from 1970 to 9999; got "soon"'],
      [{ matchers: ["a=b"], ends_at: "2026-01-10T07:00:00Z" }, "body.ends_at: expected a time after starts_at"],
      [{ matchers: ["a=b"], ends_at: "2026-01-10T12:00:00Z", colour: "red" }, "body: unknown parameter colour"],
    ];
    for (const [body, message] of cases) {
      const r = await send("POST", "/api/v1/silences", body);
      expect(`${r.status} ${((await r.json()) as Json).error.message}`).toBe(`400 ${message}`);
    }
    const unknown = await send("DELETE", "/api/v1/silences/api-42");
    expect(unknown.status).toBe(404);
    const configured = await send("DELETE", "/api/v1/silences/config-0");
    expect(configured.status).toBe(409);
    expect(((await configured.json()) as Json).error.message).toContain("alert.silences");
  });

  test("a silence added through the API survives a restart", async () => {
    const first = server();
    await first.send("POST", "/api/v1/silences", { matchers: ["alertname=cpu_high"], ends_at: "2026-01-10T12:00:00Z" });
    first.store.close();
    const second = server(first.dir);
    const listed = (await (await second.get("/api/v1/silences")).json()) as Json;
    expect(listed.items.map((s: Json) => [s.id, s.state])).toEqual([
      ["config-0", "active"],
      ["api-1", "active"],
    ]);
  });

  test("every route is in the OpenAPI document", async () => {
    const { get } = server();
    const doc = (await (await get("/api/v1/openapi.json")).json()) as Json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/alerts", "/api/v1/alerts/active", "/api/v1/deliveries", "/api/v1/silences", "/api/v1/silences/{id}"]));
    expect(Object.keys(doc.paths["/api/v1/silences"])).toEqual(["get", "post"]);
  });
});
