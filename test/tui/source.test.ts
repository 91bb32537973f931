import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import type { EventBus } from "../../src/event-bus.ts";
import { EventBus as Bus } from "../../src/event-bus.ts";
import { createLogger } from "../../src/log.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { createHistoryRoutes } from "../../src/server/history-routes.ts";
import { type HttpServer, createHttpServer } from "../../src/server/server.ts";
import { type Store, createStore } from "../../src/store/store.ts";
import { type DataSource, type SourceEvent, createApiSource } from "../../tui/source.ts";
import { cleanUp, tempDir } from "../store/support/temp.ts";
import { waitFor } from "../support/ports.ts";
import { INVENTORY, SNAPSHOT, finding } from "./support.ts";
import { alertChange, deliveryAttempt } from "../support/events.ts";

const quiet = createLogger({ level: "critical", sink: { write() {} } });
const TOKEN = "tui-test-token-0123456789";
const sources: DataSource[] = [];
const servers: HttpServer[] = [];
let store: Store | undefined;

afterEach(async () => {
  for (const s of sources.splice(0)) s.stop();
  for (const s of servers.splice(0)) await s.stop();
  store?.close();
  store = undefined;
  cleanUp();
});

function collect(source: DataSource): SourceEvent[] {
  const events: SourceEvent[] = [];
  sources.push(source);
  source.start((e) => events.push(e));
  return events;
}

const ofType = <T extends SourceEvent["type"]>(events: SourceEvent[], type: T) => events.filter((e): e is Extract<SourceEvent, { type: T }> => e.type === type);
const lastConnection = (events: SourceEvent[]) => ofType(events, "connection").at(-1)?.connection;

/** A real agent server over a fake agent view, an EventBus the test publishes into, and a store with history. */
function agentServer(env: Record<string, string> = {}) {
  const loaded = loadConfig({ env: { AIOPS_CPU_THRESHOLD: "70", AIOPS_INTERVAL: "1", AIOPS_AGENT_NAME: "db-2", ...env } });
  store = createStore({ dataDir: tempDir("aiops-tui-"), settings: loaded.config.store, log: quiet, metrics: new SelfMetrics() });
  store.open();
  const now = Date.now();
  for (let i = 0; i < 10; i++) store.writeSamples(now - (10 - i) * 1000, [{ metric: "aiops_cpu_usage_percent", labels: {}, value: i + 1 }]);
  store.recordFindings([finding({ timestamp: new Date(now - 5000).toISOString(), message: "recorded before the UI" })]);
  const bus: EventBus = new Bus();
  const server = createHttpServer({
    agent: { health: () => ({ live: true, ready: true, reasons: [], ticks: 1 }), latest: () => SNAPSHOT, inventory: INVENTORY },
    config: () => loaded,
    metrics: new SelfMetrics(),
    events: bus,
    log: quiet,
    version: "9.9.9",
    routes: createHistoryRoutes(store),
  });
  servers.push(server);
  const { port } = server.listen("127.0.0.1:0");
  return { bus, server, port, url: `http://127.0.0.1:${port}` };
}

/** fetch that records the headers of every request to the event stream. */
function recordingFetch() {
  const streams: Array<Record<string, string>> = [];
  const wrapped = ((input: string | URL | Request, init?: RequestInit) => {
    if (String(input).includes("/api/v1/events")) streams.push({ ...(init?.headers as Record<string, string>) });
    return fetch(input, init);
  }) as typeof fetch;
  return { streams, fetch: wrapped };
}

describe("the in-process source: the same API, through the server's handler without a socket", () => {
  test("identity, levels, history and the latest snapshot, then the event stream; a reload's new levels arrive as an event", async () => {
    const { bus, server } = agentServer({ AIOPS_API_TOKEN: TOKEN });
    const inProcess = ((input: string | URL | Request, init?: RequestInit) => server.fetch(new Request(input as string, init))) as typeof fetch;
    const events = collect(createApiSource({ url: "http://in-process", label: "in-process", inProcess: true, fetch: inProcess, token: TOKEN }));
    await waitFor("the stream", async () => (lastConnection(events)?.state === "in-process" ? true : undefined), 5000);
    expect(sources[0]!.label).toBe("in-process");
    expect(ofType(events, "info")[0]!.info).toMatchObject({ name: "db-2", interval: 1, inventory: INVENTORY });
    expect(ofType(events, "history").find((h) => h.key === "cpu")!.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ofType(events, "findings")[0]!.findings[0]!.message).toBe("recorded before the UI");
    expect(ofType(events, "snapshot")[0]!.snapshot).toEqual(SNAPSHOT);

    const levels = { aiops_cpu_usage_percent: { warning: 50, critical: 90 } };
    bus.publish({ type: "agent", agent: { name: "db-2", environment: "production", version: "9.9.9", interval_seconds: 1, thresholds: levels } });
    bus.publish({ type: "finding", finding: finding({ message: "live one" }) });
    await waitFor("the live finding", async () => (ofType(events, "finding").length > 0 ? true : undefined), 5000);
    expect(ofType(events, "info").at(-1)!.info).toMatchObject({ thresholds: levels, inventory: INVENTORY });

    sources.pop()!.stop();
    const count = events.length;
    bus.publish({ type: "finding", finding: finding({ message: "after stop" }) });
    await Bun.sleep(50);
    expect(events.length).toBe(count);
  });
});

describe("the remote source, against a real agent server", () => {
  test("identity, levels and interval from the API, sparklines and anomalies seeded from history, then live events", async () => {
    const { bus, url } = agentServer({ AIOPS_API_TOKEN: TOKEN });
    const events = collect(createApiSource({ url: `${url}/`, token: TOKEN }));
    await waitFor("the stream to be live", async () => (lastConnection(events)?.state === "live" ? true : undefined), 5000);

    const info = ofType(events, "info")[0]!.info;
    expect(info).toMatchObject({ name: "db-2", environment: "production", version: "9.9.9", interval: 1, inventory: INVENTORY });
    expect(info.thresholds.aiops_cpu_usage_percent).toEqual({ warning: 70, critical: 95 });
    expect(ofType(events, "snapshot")[0]!.snapshot).toEqual(SNAPSHOT);
    expect(ofType(events, "history").find((h) => h.key === "cpu")!.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ofType(events, "findings")[0]!.findings[0]!.message).toBe("recorded before the UI");

    bus.publish({ type: "finding", finding: finding({ message: "live one" }) });
    bus.publish({ type: "alert", alert: alertChange({ fingerprint: "f1", to: "firing" }) });
    bus.publish({ type: "delivery", delivery: deliveryAttempt({ channel: "slack", outcome: "delivered" }) });
    await waitFor("the live events", async () => (ofType(events, "delivery").length > 0 ? true : undefined), 5000);
    expect(ofType(events, "finding")[0]!.finding.message).toBe("live one");
    expect(ofType(events, "alert")[0]!.alert).toEqual(alertChange({ fingerprint: "f1", to: "firing" }));
  });

  test("after the server restarts it reconnects with Last-Event-ID and receives what it missed, once", async () => {
    const { bus, server, port, url } = agentServer();
    const recorder = recordingFetch();
    const events = collect(createApiSource({ url, fetch: recorder.fetch, retryMs: 100 }));
    await waitFor("the stream to be live", async () => (lastConnection(events)?.state === "live" ? true : undefined), 5000);
    bus.publish({ type: "finding", finding: finding({ message: "before" }) });
    await waitFor("the first finding", async () => (ofType(events, "finding").length === 1 ? true : undefined), 5000);

    await server.stop();
    await waitFor("the source to see the drop", async () => (lastConnection(events)?.state === "disconnected" ? true : undefined), 5000);
    const down = lastConnection(events);
    expect(down).toMatchObject({ state: "disconnected" });
    bus.publish({ type: "finding", finding: finding({ message: "while down 1" }) });
    bus.publish({ type: "finding", finding: finding({ message: "while down 2" }) });
    server.listen(`127.0.0.1:${port}`);

    await waitFor("the missed findings", async () => (ofType(events, "finding").length >= 3 ? true : undefined), 15_000);
    await Bun.sleep(100);
    expect(ofType(events, "finding").map((e) => e.finding.message)).toEqual(["before", "while down 1", "while down 2"]);
    expect(lastConnection(events)).toEqual({ state: "live" });
    const resumed = recorder.streams.at(-1)!;
    expect(resumed["last-event-id"]).toBe(String(bus.lastId - 2));
    expect(recorder.streams[0]!["last-event-id"]).toBeUndefined();
  });

  test("a wrong token: disconnected, retrying, and the reason names the token", async () => {
    const { url } = agentServer({ AIOPS_API_TOKEN: TOKEN });
    const events = collect(createApiSource({ url, token: "wrong-token-000000", retryMs: 50 }));
    await waitFor("the refusal", async () => (lastConnection(events)?.state === "disconnected" ? true : undefined), 5000);
    const c = lastConnection(events);
    expect(c?.state === "disconnected" && c.reason).toContain("HTTP 401: the agent wants a bearer token");
  });

  test("nothing listening: disconnected with the reason, and stop ends the retries", async () => {
    const { server, url } = agentServer();
    await server.stop();
    const source = createApiSource({ url, retryMs: 50 });
    const events = collect(source);
    await waitFor("a failed attempt", async () => (ofType(events, "connection").filter((e) => e.connection.state === "disconnected").length >= 2 ? true : undefined), 5000);
    expect(lastConnection(events)).toMatchObject({ state: "disconnected", reason: expect.stringContaining("cannot connect") });
    source.stop();
    const count = events.length;
    await Bun.sleep(300);
    expect(events.length).toBe(count);
  });
});
