import { afterEach, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { createHistoryRoutes } from "../../src/server/history-routes.ts";
import { type Store, createStore } from "../../src/store/store.ts";
import { cleanUp, tempDir } from "../store/support/temp.ts";
import { testServer } from "./support.ts";
import { systemClock } from "../../src/clock.ts";

let store: Store | undefined;
afterEach(() => {
  store?.close();
  cleanUp();
});

/** Example values for required parameters, so every documented operation can be called. */
const EXAMPLES: Record<string, string> = { metric: "aiops_cpu_usage_percent", id: "00000000-0000-0000-0000-000000000000" };

type Operation = { parameters?: Array<{ name: string; in: string; required: boolean }>; responses: Record<string, unknown> };

test("every operation the OpenAPI document describes is answered by the server, and every answer it documents exists", async () => {
  const { config } = loadConfig({ env: {} });
  store = createStore({ dataDir: tempDir(), settings: config.store, log: createLogger({ level: "critical", clock: systemClock, sink: { write() {} } }), metrics: new SelfMetrics(), clock: systemClock });
  store.open();
  const { get } = testServer({ deps: { routes: createHistoryRoutes(store, systemClock) } });
  const doc = (await (await get("/api/v1/openapi.json")).json()) as { paths: Record<string, Record<string, Operation>> };
  const called: string[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
      if (method !== "get" || template === "/api/v1/events") continue;
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => EXAMPLES[name] ?? name);
      const query = new URLSearchParams();
      for (const p of operation.parameters ?? []) if (p.in === "query" && p.required) query.set(p.name, EXAMPLES[p.name] ?? "x");
      const response = await get(`${path}${query.size > 0 ? `?${query}` : ""}`);
      expect({ path, status: response.status }).not.toEqual({ path, status: 404 });
      expect(response.status).not.toBe(405);
      called.push(path);
    }
  }
  expect(called).toContain("/api/v1/series");
  expect(called).toContain("/api/v1/anomalies");
});
