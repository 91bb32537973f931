import { afterEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { EventBus } from "../../src/event-bus.ts";
import { createLogger } from "../../src/log.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { createHistoryRoutes } from "../../src/server/history-routes.ts";
import { type HttpServer, createHttpServer } from "../../src/server/server.ts";
import { type Store, createStore } from "../../src/store/store.ts";
import { type ApiSourceOptions, type DataSource, type SourceEvent, createApiSource } from "../../tui/source.ts";
import { cleanUp, tempDir } from "../store/support/temp.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { INVENTORY, SNAPSHOT, finding } from "./support.ts";
import { alertChange, deliveryAttempt } from "../support/events.ts";
import type { AlertView } from "../../src/contracts/alert.ts";
import { createHostPaths } from "../../src/collect/linux/host-paths.ts";
import { movablePaths } from "../support/captured-tree.ts";
import { createAction } from "../../src/remediate/create-actions.ts";
import { createRemediator } from "../../src/remediate/remediator.ts";
import { createRemediationRoutes } from "../../src/server/remediation-routes.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createProcessesCollector } from "../../src/collect/linux/processes.ts";
import { type ProcessTable, createProcessTable } from "../../src/collect/process-table.ts";
import { createProcessRoutes } from "../../src/server/process-routes.ts";

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
const states = (events: SourceEvent[]) => ofType(events, "connection").map((e) => e.connection.state);

/** Polls what arrives over a real socket: its timing is the kernel's, not the clock's. */
const arrived = (what: string, check: () => boolean) => waitFor(what, async () => (check() ? true : undefined), 5000, 5);

/**
 * A real agent server over a fake agent view, on a manual clock shared with the sources under test (the
 * server's keepalive, the source's retries and silent-stream check): an EventBus the test publishes
 * into, and a store with ten seconds of history up to the clock's start.
 */
function agentServer(env: Record<string, string> = {}) {
  const clock = new ManualClock(Date.parse(SNAPSHOT.timestamp));
  const quiet = createLogger({ level: "critical", clock, sink: { write() {} } });
  const loaded = loadConfig({ env: { AIOPS_CPU_THRESHOLD: "70", AIOPS_INTERVAL: "1", AIOPS_AGENT_NAME: "db-2", ...env } });
  store = createStore({ dataDir: tempDir("aiops-tui-"), settings: loaded.config.store, log: quiet, metrics: new SelfMetrics(), clock });
  store.open();
  const now = clock.wallMs();
  for (let i = 0; i < 10; i++) store.writeSamples(now - (10 - i) * 1000, [{ metric: "aiops_cpu_usage_percent", labels: {}, value: i + 1 }]);
  store.recordFindings([finding({ timestamp: new Date(now - 5000).toISOString(), message: "recorded before the UI" })]);
  const bus = new EventBus(clock);
  const server = createHttpServer({
    agent: { health: () => ({ live: true, ready: true, reasons: [], ticks: 1 }), latest: () => SNAPSHOT, inventory: INVENTORY },
    config: () => loaded,
    metrics: new SelfMetrics(),
    events: bus,
    log: quiet,
    clock,
    version: "9.9.9",
    routes: createHistoryRoutes(store, clock),
  });
  servers.push(server);
  /** The source of `run --tui`: the same API through the server's handler, without a socket. */
  const inProcess = (over: Partial<ApiSourceOptions> = {}) =>
    createApiSource({
      url: "http://in-process",
      label: "in-process",
      inProcess: true,
      clock,
      fetch: ((input: string | URL | Request, init?: RequestInit) => server.fetch(new Request(input as string, init))) as typeof fetch,
      ...over,
    });
  const listen = () => {
    const { port } = server.listen("127.0.0.1:0");
    return { port, url: `http://127.0.0.1:${port}` };
  };
  return { bus, server, clock, inProcess, listen };
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
    const { bus, clock, inProcess } = agentServer({ AIOPS_API_TOKEN: TOKEN });
    const events = collect(inProcess({ token: TOKEN }));
    await clock.advance(0);
    expect(lastConnection(events)).toEqual({ state: "in-process" });
    expect(sources[0]!.label).toBe("in-process");
    expect(ofType(events, "info")[0]!.info).toMatchObject({ name: "db-2", interval: 1, inventory: INVENTORY });
    expect(ofType(events, "history").find((h) => h.key === "cpu")!.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ofType(events, "findings")[0]!.findings[0]!.message).toBe("recorded before the UI");
    expect(ofType(events, "snapshot")[0]!.snapshot).toEqual(SNAPSHOT);

    const levels = { aiops_cpu_usage_percent: { warning: 50, critical: 90 } };
    bus.publish({ type: "agent", agent: { name: "db-2", environment: "production", version: "9.9.9", interval_seconds: 1, thresholds: levels } });
    bus.publish({ type: "finding", finding: finding({ message: "live one" }) });
    await clock.advance(0);
    expect(ofType(events, "finding").map((e) => e.finding.message)).toEqual(["live one"]);
    expect(ofType(events, "info").at(-1)!.info).toMatchObject({ thresholds: levels, inventory: INVENTORY });

    sources.pop()!.stop();
    const count = events.length;
    bus.publish({ type: "finding", finding: finding({ message: "after stop" }) });
    await clock.advance(60_000);
    expect(events.length).toBe(count);
  });

  test("the agent's keepalive keeps a quiet stream open; a stream silent past idleTimeoutMs is dropped and reconnected", async () => {
    const { clock, inProcess } = agentServer();
    // Keepalives every 15 s, a source that waits 45 s: a minute of quiet changes nothing.
    const patient = collect(inProcess());
    await clock.advance(60_000);
    expect(states(patient)).toEqual(["connecting", "in-process"]);
    sources.pop()!.stop();

    // A source that gives up after 10 s of silence, before the first keepalive: dropped, then back
    // after the wait the stream asked for (`retry: 2000`).
    const impatient = collect(inProcess({ idleTimeoutMs: 10_000 }));
    await clock.advance(9_999);
    expect(states(impatient)).toEqual(["connecting", "in-process"]);
    await clock.advance(1);
    expect(lastConnection(impatient)).toMatchObject({ state: "disconnected", reason: "the event stream ended", retryAt: clock.wallMs() + 2000 });
    await clock.advance(2000);
    expect(states(impatient)).toEqual(["connecting", "in-process", "disconnected", "connecting", "in-process"]);
  });
});

describe("the remote source, against a real agent server", () => {
  test("identity, levels and interval from the API, sparklines and anomalies seeded from history, then live events", async () => {
    const { bus, clock, listen } = agentServer({ AIOPS_API_TOKEN: TOKEN });
    const { url } = listen();
    const events = collect(createApiSource({ url: `${url}/`, token: TOKEN, clock }));
    await arrived("the stream to be live", () => lastConnection(events)?.state === "live");

    const info = ofType(events, "info")[0]!.info;
    expect(info).toMatchObject({ name: "db-2", environment: "production", version: "9.9.9", interval: 1, inventory: INVENTORY });
    expect(info.thresholds.aiops_cpu_usage_percent).toEqual({ warning: 70, critical: 95 });
    expect(ofType(events, "snapshot")[0]!.snapshot).toEqual(SNAPSHOT);
    expect(ofType(events, "history").find((h) => h.key === "cpu")!.values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ofType(events, "findings")[0]!.findings[0]!.message).toBe("recorded before the UI");

    bus.publish({ type: "finding", finding: finding({ message: "live one" }) });
    bus.publish({ type: "alert", alert: alertChange({ fingerprint: "f1", to: "firing" }) });
    bus.publish({ type: "delivery", delivery: deliveryAttempt({ channel: "slack", outcome: "delivered" }) });
    await arrived("the live events", () => ofType(events, "delivery").length > 0);
    expect(ofType(events, "finding")[0]!.finding.message).toBe("live one");
    expect(ofType(events, "alert")[0]!.alert).toEqual(alertChange({ fingerprint: "f1", to: "firing" }));
  });

  test("after the server restarts it waits as the stream asked, reconnects with Last-Event-ID and receives what it missed, once", async () => {
    const { bus, server, clock, listen } = agentServer();
    const { port, url } = listen();
    const recorder = recordingFetch();
    const events = collect(createApiSource({ url, fetch: recorder.fetch, clock }));
    await arrived("the stream to be live", () => lastConnection(events)?.state === "live");
    bus.publish({ type: "finding", finding: finding({ message: "before" }) });
    await arrived("the first finding", () => ofType(events, "finding").length === 1);

    await server.stop();
    await arrived("the source to see the drop", () => lastConnection(events)?.state === "disconnected");
    // The stream said `retry: 2000`: that is the wait, not the 1 s default.
    expect(lastConnection(events)).toMatchObject({ state: "disconnected", reason: "the event stream ended", retryAt: clock.wallMs() + 2000 });
    bus.publish({ type: "finding", finding: finding({ message: "while down 1" }) });
    bus.publish({ type: "finding", finding: finding({ message: "while down 2" }) });
    server.listen(`127.0.0.1:${port}`);
    await clock.advance(1999);
    expect(recorder.streams).toHaveLength(1);
    await clock.advance(1);

    await arrived("the missed findings", () => ofType(events, "finding").length >= 3);
    // The stream keeps its order: once a later event is in, a duplicate would have come before it.
    bus.publish({ type: "finding", finding: finding({ message: "after" }) });
    await arrived("the next live finding", () => ofType(events, "finding").some((e) => e.finding.message === "after"));
    expect(ofType(events, "finding").map((e) => e.finding.message)).toEqual(["before", "while down 1", "while down 2", "after"]);
    expect(lastConnection(events)).toEqual({ state: "live" });
    expect(recorder.streams).toHaveLength(2);
    expect(recorder.streams[1]!["last-event-id"]).toBe(String(bus.lastId - 3));
    expect(recorder.streams[0]!["last-event-id"]).toBeUndefined();
  });

  test("a wrong token: disconnected, the reason names the token, and retries back off", async () => {
    const { clock, listen } = agentServer({ AIOPS_API_TOKEN: TOKEN });
    const { url } = listen();
    const events = collect(createApiSource({ url, token: "wrong-token-000000", clock }));
    await arrived("the refusal", () => lastConnection(events)?.state === "disconnected");
    const first = lastConnection(events);
    expect(first?.state === "disconnected" && first.reason).toContain("HTTP 401: the agent wants a bearer token");
    expect(first).toMatchObject({ attempt: 1, retryAt: clock.wallMs() + 1000 });
    await clock.advance(1000);
    await arrived("the second refusal", () => ofType(events, "connection").filter((e) => e.connection.state === "disconnected").length === 2);
    expect(lastConnection(events)).toMatchObject({ state: "disconnected", attempt: 2, retryAt: clock.wallMs() + 2000 });
  });

  test("nothing listening: disconnected with the reason, and stop ends the retries", async () => {
    const clock = new ManualClock();
    const source = createApiSource({ url: `http://127.0.0.1:${freePort()}`, clock });
    const events = collect(source);
    await arrived("a failed attempt", () => lastConnection(events)?.state === "disconnected");
    expect(lastConnection(events)).toMatchObject({ state: "disconnected", reason: expect.stringContaining("cannot connect") });
    await clock.advance(1000);
    await arrived("a second failed attempt", () => ofType(events, "connection").filter((e) => e.connection.state === "disconnected").length === 2);
    source.stop();
    expect(clock.pendingTimers).toBe(0);
    const count = events.length;
    await clock.advance(60_000);
    expect(events.length).toBe(count);
  });
});

/**
 * A real agent server with real remediation: an `approve`-mode `exec` action (/bin/true) on cpu_high,
 * the remediator recording in a real store and publishing on the bus; two cpu_high alerts have fired,
 * so two runs await approval before any UI attaches.
 */
async function remediationServer(env: Record<string, string> = {}) {
  const clock = new ManualClock(Date.parse(SNAPSHOT.timestamp));
  const quiet = createLogger({ level: "critical", clock, sink: { write() {} } });
  const yaml = 'remediation:\n  actions:\n    - name: restart-app\n      match: ["alertname=cpu_high"]\n      mode: approve\n      exec: { path: /bin/true }\n';
  const loaded = loadConfig({ env: { AIOPS_INTERVAL: "1", ...env }, file: "agent.yaml", readFile: () => yaml });
  store = createStore({ dataDir: tempDir("aiops-tui-"), settings: loaded.config.store, log: quiet, metrics: new SelfMetrics(), clock });
  store.open();
  const bus = new EventBus(clock);
  const alerts = new Map<string, AlertView>();
  const remediator = createRemediator(loaded.config, {
    store,
    clock,
    events: bus,
    metrics: new SelfMetrics(),
    log: quiet,
    createAction: (action) => createAction(action, { clock, env: {}, paths: createHostPaths("/"), hostRoot: "/", agent: { name: "db-2", environment: "test" } }),
    currentAlert: (fingerprint) => alerts.get(fingerprint),
  });
  remediator.start();
  for (const fingerprint of ["first", "second"]) {
    const change = alertChange({ fingerprint });
    alerts.set(fingerprint, change.alert);
    remediator.onAlertChanges([change]);
  }
  await clock.advance(0);
  const server = createHttpServer({
    agent: { health: () => ({ live: true, ready: true, reasons: [], ticks: 1 }), latest: () => SNAPSHOT, inventory: INVENTORY },
    config: () => loaded,
    metrics: new SelfMetrics(),
    events: bus,
    log: quiet,
    clock,
    version: "9.9.9",
    routes: [...createHistoryRoutes(store, clock), ...createRemediationRoutes({ store: store!, remediator })],
  });
  servers.push(server);
  const { port } = server.listen("127.0.0.1:0");
  const inProcess = (over: Partial<ApiSourceOptions> = {}) =>
    createApiSource({
      url: "http://in-process",
      label: "in-process",
      inProcess: true,
      clock,
      fetch: ((input: string | URL | Request, init?: RequestInit) => server.fetch(new Request(input as string, init))) as typeof fetch,
      ...over,
    });
  return { clock, url: `http://127.0.0.1:${port}`, inProcess };
}

describe("remediation runs through the source, against a real agent server", () => {
  test("the runs recorded before the UI attached come at once; an approval goes through the API with the token, and the run's changes follow as events", async () => {
    const { clock, url } = await remediationServer({ AIOPS_API_TOKEN: TOKEN });
    const source = createApiSource({ url, token: TOKEN, clock });
    const events = collect(source);
    await arrived("the stream to be live", () => lastConnection(events)?.state === "live");
    const seeded = ofType(events, "remediations")[0]!.runs;
    expect(seeded.map((r) => `${r.id}:${r.action}:${r.outcome}:${r.alert.fingerprint}`)).toEqual(["2:restart-app:awaiting_approval:second", "1:restart-app:awaiting_approval:first"]);

    const approved = await source.decide(1, "approve");
    expect(approved).toMatchObject({ id: 1, outcome: "running", decidedBy: "tui" });
    // The answer reaches the listener at once, and the stream brings the same change and the next: the action ran.
    expect(ofType(events, "remediation").map((e) => e.run.outcome)).toContain("running");
    await arrived("the run to be verified", () => ofType(events, "remediation").some((e) => e.run.id === 1 && e.run.outcome === "verifying"));
    const denied = await source.decide(2, "deny");
    expect(denied).toMatchObject({ id: 2, outcome: "denied", decidedBy: "tui", reason: "denied by tui" });
  });

  test("refusals are errors that say why: no token (401), a run no longer waiting (409), no such run (404)", async () => {
    const { clock, url } = await remediationServer({ AIOPS_API_TOKEN: TOKEN });
    const anonymous = createApiSource({ url, clock });
    sources.push(anonymous);
    await expect(anonymous.decide(1, "approve")).rejects.toThrow("HTTP 401: the agent wants a bearer token (--token or AIOPS_API_TOKEN)");
    const source = createApiSource({ url, token: TOKEN, clock });
    sources.push(source);
    await source.decide(2, "deny");
    await expect(source.decide(2, "approve")).rejects.toThrow("HTTP 409: run 2 is denied, not awaiting approval");
    await expect(source.decide(99, "deny")).rejects.toThrow("HTTP 404: no remediation run 99");
  });

  test("in-process: the same decision through the server's handler, without a socket", async () => {
    const { inProcess, clock } = await remediationServer();
    const source = inProcess();
    const events = collect(source);
    await clock.advance(0);
    expect(ofType(events, "remediations")[0]!.runs).toHaveLength(2);
    expect(await source.decide(2, "deny")).toMatchObject({ outcome: "denied", decidedBy: "tui" });
  });
});

const FIXTURE = join(import.meta.dir, "../fixtures/processes-this-machine");
const [BURNER, HOLDER, WRITER, ZOMBIE_PARENT, ZOMBIE] = [25948, 25949, 25950, 25951, 25961];

/** When the captured table was read, as its clock says. */
const TABLE_READ_AT = "2026-11-26T16:59:57.000Z";

/** The process table after two collections of the captured tree (`processes-this-machine`), as two ticks would fill it. */
function capturedProcessTable(): ProcessTable {
  const at = { current: "t0" };
  const paths = movablePaths(FIXTURE, at);
  const table = createProcessTable(new ManualClock(Date.parse(TABLE_READ_AT)));
  const collector = createProcessesCollector(paths, { top: 3, table, maxHeld: 0 });
  collector.collect(0);
  at.current = "t1";
  collector.collect(Number(readFileSync(join(FIXTURE, "gap_ms"), "utf8")));
  return table;
}

/**
 * A real agent server with the process route over the captured machine (a CPU burner, a memory holder,
 * a disk writer, a zombie and its parent, kthreadd); `enabled` false is an agent with the collector off.
 * Every request to /api/v1/processes is recorded.
 */
function processServer(env: Record<string, string> = {}, enabled = true) {
  const clock = new ManualClock(Date.parse(SNAPSHOT.timestamp));
  const quiet = createLogger({ level: "critical", clock, sink: { write() {} } });
  const loaded = loadConfig({ env: { AIOPS_INTERVAL: "1", ...env } });
  const bus = new EventBus(clock);
  const server = createHttpServer({
    agent: { health: () => ({ live: true, ready: true, reasons: [], ticks: 1 }), latest: () => SNAPSHOT, inventory: INVENTORY },
    config: () => loaded,
    metrics: new SelfMetrics(),
    events: bus,
    log: quiet,
    clock,
    version: "9.9.9",
    routes: createProcessRoutes({ table: capturedProcessTable(), clock, enabled: () => enabled }),
  });
  servers.push(server);
  const asked: string[] = [];
  const recording = ((input: string | URL | Request, init?: RequestInit) => {
    if (String(input).includes("/api/v1/processes")) asked.push(String(input).replace(/^http:\/\/[^/]+/, ""));
    return fetch(input, init);
  }) as typeof fetch;
  const inProcess = () =>
    createApiSource({
      url: "http://in-process",
      label: "in-process",
      inProcess: true,
      clock,
      fetch: ((input: string | URL | Request, init?: RequestInit) => {
        if (String(input).includes("/api/v1/processes")) asked.push(String(input).replace(/^http:\/\/[^/]+/, ""));
        return server.fetch(new Request(input as string, init));
      }) as typeof fetch,
    });
  const listen = () => `http://127.0.0.1:${server.listen("127.0.0.1:0").port}`;
  return { bus, clock, asked, recording, inProcess, listen };
}

const pages = (events: SourceEvent[]) => ofType(events, "processes").map((e) => e.page);
const BY_CPU = { sort: "cpu", filter: "", limit: 100 } as const;

describe("the process list through the source, against a real agent server", () => {
  test("read only while watched: at once with the panel's sort, filter and limit, then again on each snapshot; unwatched, never", async () => {
    const { bus, clock, asked, inProcess } = processServer();
    const source = inProcess();
    const events = collect(source);
    await clock.advance(0);
    bus.publish({ type: "snapshot", snapshot: SNAPSHOT });
    await clock.advance(0);
    expect(asked).toEqual([]);

    source.watchProcesses(BY_CPU);
    await arrived("the first page", () => pages(events).length === 1);
    expect(asked).toEqual(["/api/v1/processes?sort=cpu&limit=100"]);
    const first = pages(events)[0]!;
    // When the list was read travels with it: the panel shows it, as processes are read less often than the tick.
    expect(first).toMatchObject({ query: BY_CPU, total: 6, matched: 6, readAt: TABLE_READ_AT });
    expect(first.items[0]).toMatchObject({ pid: BURNER, name: "cpu-burner", command: "/bin/sh ./cpu-burner", user: "root", state: "running" });
    expect(first.items[0]!.cpu_percent).toBeGreaterThan(30);

    bus.publish({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: "2026-11-26T17:00:01.000Z" } });
    await arrived("the page after the tick", () => pages(events).length === 2);
    expect(asked).toHaveLength(2);

    source.watchProcesses({ ...BY_CPU, sort: "memory" });
    await arrived("the page by memory", () => pages(events).length === 3);
    expect(pages(events)[2]!.items[0]!.pid).toBe(HOLDER);
    source.watchProcesses({ ...BY_CPU, sort: "io" });
    await arrived("the page by I/O", () => pages(events).length === 4);
    expect(pages(events)[3]!.items[0]!.pid).toBe(WRITER);
    source.watchProcesses({ sort: "cpu", filter: "zombie", limit: 100 });
    await arrived("the filtered page", () => pages(events).length === 5);
    expect(pages(events)[4]).toMatchObject({ total: 6, matched: 2 });
    expect(pages(events)[4]!.items.map((p) => p.pid).sort()).toEqual([ZOMBIE_PARENT, ZOMBIE]);
    expect(asked.at(-1)).toBe("/api/v1/processes?sort=cpu&limit=100&filter=zombie");

    source.watchProcesses(undefined);
    const count = asked.length;
    bus.publish({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: "2026-11-26T17:00:02.000Z" } });
    await clock.advance(0);
    expect(asked).toHaveLength(count);
  });

  test("an answer to a query no longer watched is dropped: what is drawn is always the order asked for last", async () => {
    const { clock, inProcess } = processServer();
    const source = inProcess();
    const events = collect(source);
    await clock.advance(0);
    source.watchProcesses(BY_CPU);
    source.watchProcesses({ ...BY_CPU, sort: "memory" });
    await arrived("the page by memory", () => pages(events).length > 0);
    await clock.advance(0);
    expect(pages(events).map((p) => p.query.sort)).toEqual(["memory"]);
  });

  test("attached over HTTP with the token, the same list; stop ends the reading", async () => {
    const { bus, clock, asked, recording, listen } = processServer({ AIOPS_API_TOKEN: TOKEN });
    const source = createApiSource({ url: listen(), token: TOKEN, clock, fetch: recording });
    const events = collect(source);
    await arrived("the stream to be live", () => lastConnection(events)?.state === "live");
    source.watchProcesses({ sort: "memory", filter: "python", limit: 2 });
    await arrived("the page", () => pages(events).length === 1);
    expect(pages(events)[0]).toMatchObject({ total: 6, matched: 3 });
    // The limit holds: two of the three python processes, the memory holder first.
    expect(pages(events)[0]!.items).toHaveLength(2);
    expect(pages(events)[0]!.items[0]!.pid).toBe(HOLDER);
    expect(asked).toEqual(["/api/v1/processes?sort=memory&limit=2&filter=python"]);
    source.stop();
    bus.publish({ type: "snapshot", snapshot: SNAPSHOT });
    await clock.advance(0);
    expect(asked).toHaveLength(1);
  });

  test("an older agent without the route (404) and an agent with the collector off (503): why, in one event, never a crash", async () => {
    const older = agentServer();
    const { url } = older.listen();
    const source = createApiSource({ url, clock: older.clock });
    const events = collect(source);
    await arrived("the stream to be live", () => lastConnection(events)?.state === "live");
    source.watchProcesses(BY_CPU);
    await arrived("the refusal", () => ofType(events, "processes-unavailable").length === 1);
    expect(ofType(events, "processes-unavailable")[0]).toEqual({ type: "processes-unavailable", query: BY_CPU, reason: "this agent has no process list (no /api/v1/processes: an older version)" });
    expect(lastConnection(events)).toEqual({ state: "live" });

    const off = processServer({}, false);
    const offSource = off.inProcess();
    const offEvents = collect(offSource);
    await off.clock.advance(0);
    offSource.watchProcesses(BY_CPU);
    await arrived("the refusal", () => ofType(offEvents, "processes-unavailable").length === 1);
    expect(ofType(offEvents, "processes-unavailable")[0]!.reason).toBe("HTTP 503: the processes collector is off (collect.processes.enabled) or this platform has no /proc");
  });
});
