import type { Clock } from "../clock.ts";
import type { AgentHealth } from "../contracts/agent-health.ts";
import type { Inventory } from "../collect/inventory.ts";
import type { Snapshot } from "../contracts/snapshot.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { EventBus } from "../event-bus.ts";
import { type Logger, componentLogger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import { createAgentRoutes } from "./agent-routes.ts";
import { buildOpenApi } from "./openapi.ts";
import { type ApiRoute, defineRoute, matchRoute } from "./route.ts";
import { checkBearer } from "./auth.ts";
import { eventStream } from "./event-stream.ts";
import { healthResponse, readinessResponse } from "./health.ts";
import { HttpError, errorResponse, json } from "./http.ts";
import { OPENMETRICS_TEXT, PROMETHEUS_TEXT, negotiateFormat, renderExposition, renderExternalSeries, renderHostSeries } from "./prometheus.ts";

/** What the server reads from the running agent; it never changes the agent's state except through routes. */
export interface AgentView {
  health(): AgentHealth;
  latest(): Snapshot | undefined;
  readonly inventory?: Inventory;
}

export interface ServerDeps {
  agent: AgentView;
  /** The configuration in force (it changes on reload). */
  config: () => LoadedConfig;
  metrics: SelfMetrics;
  events: EventBus;
  log: Logger;
  /** Times the event stream's keepalive. */
  clock: Clock;
  version: string;
  /** Routes other parts add under /api/v1 (history, anomalies, alerts, silences). */
  routes?: ApiRoute[];
  /** Extra readiness checks (the store): a reason when degraded, shown by /readyz detail. */
  readiness?: () => Record<string, string | undefined>;
}

/** Longest URL accepted (path and query), bytes. */
const MAX_URL = 8192;
/**
 * Bun's own cut-off, far above MAX_BODY (http.ts): beyond it Bun answers a bare 413 before any handler runs, so
 * the JSON error above covers every body a real client sends, and nothing absurd is ever buffered.
 */
const TRANSPORT_BODY_LIMIT = 1024 * 1024;
/** Seconds a client may stay silent before its connection is closed (slow clients). */
const IDLE_TIMEOUT = 10;

export interface HttpServer {
  /** Answers one request: usable without a socket (tests) and by Bun.serve. */
  fetch(request: Request, server?: import("bun").Server<undefined>): Promise<Response>;
  /** Binds `host:port`, `[v6]:port` or `:port` (every interface); `:0` picks a free port. */
  listen(address: string): { hostname: string; port: number };
  /** Stops listening and closes open connections. Safe twice, and before listen. */
  stop(): Promise<void>;
}

/** Splits a listen address into host and port: `:8080` means every interface, `[::1]:80` an IPv6 host. */
export function parseListen(address: string): { hostname: string; port: number } {
  const match = address.match(/^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/);
  if (!match) throw new Error(`listen address ${JSON.stringify(address)}: expected host:port, [ipv6]:port or :port`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`listen address ${JSON.stringify(address)}: port above 65535`);
  return { hostname: match[1] ?? (match[2] || "0.0.0.0"), port };
}

/**
 * The agent's one port: `/metrics`, `/healthz`, `/readyz` and `/api/v1` (bearer token when configured;
 * the metrics and probes stay open). Every error is JSON `{ "error": { "code", "message" } }`.
 */
export function createHttpServer(deps: ServerDeps): HttpServer {
  const log = componentLogger(deps.log, "server");
  const requests = deps.metrics.counter("aiops_http_requests_total", "HTTP requests answered, by route and status code.");
  const scrapeSeconds = deps.metrics.counter("aiops_http_scrape_cpu_seconds_total", "CPU time spent rendering /metrics.");
  const routes: ApiRoute[] = [...createAgentRoutes(deps), ...(deps.routes ?? [])];
  routes.push(
    defineRoute({
      method: "GET",
      path: "/api/v1/openapi.json",
      summary: "This API, described in OpenAPI 3.1.",
      responses: { 200: "the OpenAPI document" },
      handler: () => json(openApi),
    }),
  );
  // Built once: the route table does not change while the server runs.
  const openApi = buildOpenApi(routes, deps.version);
  let rendered: { snapshot: Snapshot | undefined; text: string; external: Partial<Record<string, string>> } = { snapshot: undefined, text: "", external: {} };
  let server: import("bun").Server<undefined> | undefined;

  function metrics(request: Request): Response {
    const started = process.cpuUsage();
    const snapshot = deps.agent.latest();
    // Host series change once per tick: render them once, reuse them for every scrape in between.
    if (rendered.snapshot !== snapshot) rendered = { snapshot, text: renderHostSeries(snapshot), external: {} };
    const format = negotiateFormat(request.headers.get("accept"));
    // Textfile and plugin series: their TYPE lines differ between the two formats.
    const external = (rendered.external[format] ??= renderExternalSeries(snapshot, format));
    const body = renderExposition(rendered.text + external, deps.metrics.all(), format);
    const used = process.cpuUsage(started);
    scrapeSeconds.inc({}, (used.user + used.system) / 1e6);
    return new Response(request.method === "HEAD" ? null : body, {
      headers: { "content-type": format === "openmetrics" ? OPENMETRICS_TEXT : PROMETHEUS_TEXT },
    });
  }

  async function route(request: Request, url: URL, bun?: import("bun").Server<undefined>): Promise<[string, Response]> {
    const path = url.pathname;
    const method = request.method;
    if (path === "/metrics") {
      if (method !== "GET" && method !== "HEAD") throw methodNotAllowed(method, path, "GET, HEAD");
      return ["/metrics", metrics(request)];
    }
    if (path === "/healthz" || path === "/readyz") {
      if (method !== "GET" && method !== "HEAD") throw methodNotAllowed(method, path, "GET, HEAD");
      const verbose = url.searchParams.has("verbose");
      const health = deps.agent.health();
      return [path, path === "/healthz" ? healthResponse(health, verbose) : readinessResponse(health, deps.readiness?.() ?? {}, verbose)];
    }
    if (path === "/api/v1" || path.startsWith("/api/v1/")) {
      checkBearer(request, deps.config().config.server.api_token);
      if (path === "/api/v1/events") {
        if (method !== "GET") throw methodNotAllowed(method, path, "GET");
        // An event stream is long-lived by design: exempt it from the idle time-out.
        bun?.timeout(request, 0);
        return [path, eventStream(deps.events, request, { clock: deps.clock })];
      }
      const found = matchRoute(routes, method, path);
      if (found.kind === "method") throw methodNotAllowed(method, path, found.allowed.join(", "));
      if (found.kind === "none") throw new HttpError(404, "not_found", `no API endpoint ${path}; see /api/v1/openapi.json`);
      return [found.route.path, await found.route.handler({ request, url, params: found.params })];
    }
    throw new HttpError(404, "not_found", `no such path ${path}; try /metrics, /healthz, /readyz or /api/v1/openapi.json`);
  }

  async function fetch(request: Request, bun?: import("bun").Server<undefined>): Promise<Response> {
    let label = "other";
    let response: Response;
    try {
      if (request.url.length > MAX_URL) throw new HttpError(414, "uri_too_long", `the URL may be at most ${MAX_URL} bytes`);
      const [name, r] = await route(request, new URL(request.url), bun);
      label = name;
      response = r;
    } catch (cause) {
      if (cause instanceof HttpError) response = errorResponse(cause);
      else {
        log.error({ err: cause, path: new URL(request.url).pathname }, "Request failed");
        response = errorResponse(new HttpError(500, "internal", "the agent could not answer this request; the log says why"));
      }
    }
    requests.inc({ route: label, code: String(response.status) });
    return response;
  }

  return {
    fetch,
    listen(address) {
      const { hostname, port } = parseListen(address);
      server = Bun.serve({
        hostname,
        port,
        maxRequestBodySize: TRANSPORT_BODY_LIMIT,
        idleTimeout: IDLE_TIMEOUT,
        fetch: (request, bun) => fetch(request, bun),
        error(cause) {
          log.error({ err: cause }, "HTTP server error");
          return errorResponse(new HttpError(500, "internal", "the agent could not answer this request"));
        },
      });
      const bound = { hostname: server.hostname ?? hostname, port: server.port ?? port };
      log.info({ address: `${bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname}:${bound.port}` }, "HTTP server listening");
      return bound;
    },
    async stop() {
      const s = server;
      server = undefined;
      await s?.stop(true);
    },
  };
}

function methodNotAllowed(method: string, path: string, allowed: string): HttpError {
  return new HttpError(405, "method_not_allowed", `${method} is not allowed on ${path}; use ${allowed}`, { allow: allowed });
}
