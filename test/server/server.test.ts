import { describe, expect, test } from "bun:test";
import { testServer } from "./support.ts";

type ApiError = { error: { code: string; message: string } };

describe("/metrics", () => {
  test("exposes every host series with HELP and TYPE, labels escaped, in text format 0.0.4", async () => {
    const { get } = testServer();
    const response = await get("/metrics");
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# HELP aiops_cpu_usage_percent ");
    expect(text).toContain("# TYPE aiops_cpu_usage_percent gauge\naiops_cpu_usage_percent 45.2\n");
    expect(text).toContain('aiops_disk_usage_percent{mountpoint="/mnt/odd \\"name\\"\\\\",device="/dev/sdb1",fstype="ext4"} 50\n');
    expect(text).not.toContain("# EOF");
  });

  test("speaks OpenMetrics when asked, counters named without _total and a final # EOF", async () => {
    const { get, metrics } = testServer();
    metrics.counter("aiops_ticks_total", "Ticks.").inc({}, 3);
    const response = await get("/metrics", { headers: { accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5" } });
    expect(response.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# TYPE aiops_ticks counter\naiops_ticks_total 3\n");
    expect(text.endsWith("# EOF\n")).toBe(true);
  });

  test("stays open when an API token is set, as do the probes", async () => {
    const { get } = testServer({ env: { AIOPS_API_TOKEN: "s3cret-token-value" } });
    expect((await get("/metrics")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
  });
});

describe("probes", () => {
  test("/healthz is 503 with the reason once the loop stops ticking", async () => {
    const { get } = testServer({ health: { live: false, reasons: ["no tick for 45 s (interval 10 s)"] } });
    const response = await get("/healthz?verbose");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", ticks: 3, reasons: ["no tick for 45 s (interval 10 s)"] });
  });

  test("/readyz is 503 before the first collection, and names a degraded part without failing", async () => {
    expect((await testServer({ health: { ready: false, ticks: 0 } }).get("/readyz")).status).toBe(503);
    const { get } = testServer({ deps: { readiness: () => ({ store: "data directory ./data is read-only (EROFS): history is kept in memory" }) } });
    const response = await get("/readyz?verbose");
    expect(response.status).toBe(200);
    expect(((await response.json()) as { checks: Record<string, string> }).checks.store).toBe("degraded: data directory ./data is read-only (EROFS): history is kept in memory");
  });
});

describe("the API's errors", () => {
  test("a missing or wrong bearer token is a 401 with a challenge; the right one passes", async () => {
    const { get } = testServer({ env: { AIOPS_API_TOKEN: "s3cret-token-value" } });
    const missing = await get("/api/v1/snapshot");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect(await missing.json()).toEqual({ error: { code: "unauthorized", message: "this endpoint needs an Authorization: Bearer <token> header" } });
    const wrong = await get("/api/v1/snapshot", { headers: { authorization: "Bearer guess" } });
    expect(((await wrong.json()) as ApiError).error.code).toBe("unauthorized");
    expect((await get("/api/v1/snapshot", { headers: { authorization: "Bearer s3cret-token-value" } })).status).toBe(200);
  });

  test("unknown routes, wrong methods, unknown parameters and huge URLs get their documented errors", async () => {
    const { get } = testServer();
    expect(await (await get("/nope")).json()).toEqual({
      error: { code: "not_found", message: "no such path /nope; try /metrics, /healthz, /readyz or /api/v1/openapi.json" },
    });
    const method = await get("/api/v1/snapshot", { method: "DELETE" });
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("GET");
    const unknown = await get("/api/v1/snapshot?colour=red");
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: { code: "invalid_parameter", message: "query: unknown parameter colour" } });
    expect((await get(`/api/v1/snapshot?x=${"a".repeat(9000)}`)).status).toBe(414);
  });

  test("a snapshot before the first collection is a 503 that says so", async () => {
    const response = await testServer({ snapshot: undefined }).get("/api/v1/snapshot");
    expect(response.status).toBe(503);
    expect(((await response.json()) as ApiError).error.code).toBe("not_ready");
  });

  test("a handler that throws is a JSON 500 and a log line, and the server keeps answering", async () => {
    const { get, logged } = testServer({
      deps: {
        routes: [{ method: "GET", path: "/api/v1/boom", summary: "fails", responses: { 200: "never" }, handler: () => { throw new Error("kaboom"); } }],
      },
    });
    const response = await get("/api/v1/boom");
    expect(response.status).toBe(500);
    expect(((await response.json()) as ApiError).error.code).toBe("internal");
    expect(logged.some((l) => l.includes("kaboom"))).toBe(true);
    expect((await get("/healthz")).status).toBe(200);
  });
});

describe("the API", () => {
  test("/api/v1/config shows every setting with its source, secrets redacted", async () => {
    const { get } = testServer({ env: { AIOPS_API_TOKEN: "s3cret-token-value", AIOPS_INTERVAL: "5" } });
    const response = await get("/api/v1/config", { headers: { authorization: "Bearer s3cret-token-value" } });
    const text = await response.text();
    expect(text).not.toContain("s3cret-token-value");
    const { settings } = JSON.parse(text);
    expect(settings).toContainEqual({ key: "agent.interval", value: 5, source: "env AIOPS_INTERVAL" });
    expect(settings).toContainEqual({ key: "server.api_token", value: "[REDACTED]", source: "env AIOPS_API_TOKEN" });
  });

  test("/api/v1/openapi.json describes every route the server answers", async () => {
    const { get } = testServer();
    const doc = (await (await get("/api/v1/openapi.json")).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of ["/api/v1/snapshot", "/api/v1/config", "/api/v1/openapi.json", "/api/v1/events"]) expect(doc.paths[path]).toBeDefined();
  });
});
