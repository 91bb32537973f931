import { afterEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { configSchema } from "../../src/config/schema.ts";
import type { AlertView } from "../../src/contracts/alert.ts";
import { createRemediator } from "../../src/remediate/remediator.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { createRemediationRoutes } from "../../src/server/remediation-routes.ts";
import { openStore, quietLog } from "../alert/outbox/support.ts";
import { alertChange } from "../support/events.ts";
import { cleanUp } from "../store/support/temp.ts";
import { testServer } from "./support.ts";

afterEach(cleanUp);

type Json = Record<string, any>;

/** The remediation routes over a real remediator and store, with two alerts already matched. */
async function server(decidedBy: ((request: Request) => string) | null = () => "ops") {
  const { store } = openStore();
  const clock = new ManualClock(Date.parse("2026-12-04T10:00:00Z"));
  const alerts = new Map<string, AlertView>();
  const config = configSchema().parse({
    remediation: {
      actions: [
        { name: "restart-app", match: ["alertname=cpu_high"], mode: "approve", exec: { path: "/bin/true" } },
        { name: "note", match: ["alertname=cpu_high"], exec: { path: "/bin/echo", args: ["hello"] } },
      ],
    },
  });
  const remediator = createRemediator(config, {
    store,
    clock,
    metrics: new SelfMetrics(),
    log: quietLog().log,
    createAction: (a) => ({ kind: "exec", prepare: async () => ({ plan: `${a.exec!.path} ${a.exec!.args.join(" ")}`.trim(), run: async () => ({ ok: true, reason: "", output: "" }) }) }),
    currentAlert: (fp) => alerts.get(fp),
  });
  for (const fingerprint of ["a", "b"]) {
    const change = alertChange({ fingerprint });
    alerts.set(fingerprint, change.alert);
    remediator.onAlertChanges([change]);
  }
  await Bun.sleep(0);
  const { get } = testServer({ deps: { routes: createRemediationRoutes({ store, remediator, ...(decidedBy ? { decidedBy } : {}) }) } });
  const post = (path: string) => get(path, { method: "POST" });
  return { get, post, remediator };
}

describe("/api/v1/remediations", () => {
  test("lists every run newest first, with filters and a cursor", async () => {
    const { get } = await server();
    const all = (await (await get("/api/v1/remediations")).json()) as Json;
    expect(all.items).toHaveLength(4);
    expect(all.items[0]).toMatchObject({ action: expect.any(String), alert: { fingerprint: expect.any(String), labels: expect.any(Object) }, mode: expect.any(String), outcome: expect.any(String), createdAt: expect.any(Number) });
    const waiting = (await (await get("/api/v1/remediations?outcome=awaiting_approval")).json()) as Json;
    expect(waiting.items.map((r: Json) => `${r.action}:${r.alert.fingerprint}`).sort()).toEqual(["restart-app:a", "restart-app:b"]);
    const dry = (await (await get("/api/v1/remediations?action=note&fingerprint=a")).json()) as Json;
    expect(dry.items).toMatchObject([{ outcome: "dry_run", plan: "/bin/echo hello" }]);
    const page = (await (await get("/api/v1/remediations?limit=3")).json()) as Json;
    const rest = (await (await get(`/api/v1/remediations?limit=3&cursor=${page.next_cursor}`)).json()) as Json;
    expect([...page.items, ...rest.items].map((r: Json) => r.id)).toEqual(all.items.map((r: Json) => r.id));
    expect(await (await get("/api/v1/remediations?outcome=done")).json()).toEqual({
      error: { code: "invalid_parameter", message: expect.stringContaining("query.outcome: expected one of skipped, dry_run, awaiting_approval") },
    });
  });

  test("approve runs a waiting run and records who approved; deny; the wrong state is 409, an unknown run 404", async () => {
    const { get, post } = await server();
    const waiting = ((await (await get("/api/v1/remediations?outcome=awaiting_approval")).json()) as Json).items as Json[];
    const [first, second] = waiting.sort((x, y) => x.id - y.id);
    const approved = await post(`/api/v1/remediations/${first!.id}/approve`);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ id: first!.id, outcome: "running", decidedBy: "ops" });
    expect((await post(`/api/v1/remediations/${second!.id}/deny`)).status).toBe(200);
    expect(await (await get(`/api/v1/remediations/${second!.id}`)).json()).toMatchObject({ outcome: "denied", decidedBy: "ops" });

    const again = await post(`/api/v1/remediations/${second!.id}/approve`);
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: { code: "conflict", message: `run ${second!.id} is denied, not awaiting approval` } });
    expect((await post("/api/v1/remediations/999/approve")).status).toBe(404);
    expect(await (await post("/api/v1/remediations/abc/deny")).json()).toEqual({
      error: { code: "invalid_parameter", message: 'id: expected a run id (a whole number); got "abc"' },
    });
    expect((await get("/api/v1/remediations/1/approve")).status).toBe(405);
  });

  test("without token names, the record says the way the decision came: tui for the terminal UI, api otherwise", async () => {
    const { get } = await server(null);
    const waiting = ((await (await get("/api/v1/remediations?outcome=awaiting_approval")).json()) as Json).items as Json[];
    const [first, second] = waiting.sort((x, y) => x.id - y.id);
    const fromTui = await get(`/api/v1/remediations/${first!.id}/deny`, { method: "POST", headers: { "user-agent": "aiops-agent-tui" } });
    expect(await fromTui.json()).toMatchObject({ outcome: "denied", decidedBy: "tui", reason: "denied by tui" });
    const fromCurl = await get(`/api/v1/remediations/${second!.id}/deny`, { method: "POST", headers: { "user-agent": "curl/8.5.0" } });
    expect(await fromCurl.json()).toMatchObject({ outcome: "denied", decidedBy: "api" });
  });
});
