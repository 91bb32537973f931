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
import { type AccessPolicy, IN_PROCESS, type Peer, accessPolicyOf, authorize } from "./auth.ts";
import { isLoopback, parseListen } from "../config/listen-address.ts";
import { eventStream } from "./event-stream.ts";
import { healthResponse, readinessResponse } from "./health.ts";
import { HttpError, MAX_BODY, errorResponse, json } from "./http.ts";
import { type Http1Listener, listenHttp1 } from "./http1-listener.ts";
import { type TlsFiles, readTlsFiles } from "../config/tls-files.ts";
import { encodeBody } from "./compression.ts";
import type { SeriesFilter } from "../export/metric-families.ts";
import { type ExpositionFormat, OPENMETRICS_TEXT, PROMETHEUS_TEXT, negotiateFormat, renderExposition, renderSnapshotSeries } from "./prometheus.ts";

/** What the server reads from the running agent; it never changes the agent's state except through routes. */
export interface AgentView {
  health(): AgentHealth;
  latest(): Snapshot | undefined;
  readonly inventory?: Inventory;
  /** Which series `/metrics` shows while `collect.max_series` leaves some out (see `Agent.seriesFilter`). */
  seriesFilter?(): SeriesFilter | undefined;
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
 * The listener's cut-off: the API's own limit (MAX_BODY, http.ts). Beyond it the listener answers
 * the JSON 413 before any handler runs, so a hostile client never makes the agent buffer more.
 */
const TRANSPORT_BODY_LIMIT = MAX_BODY;
/** Seconds a client has to send a whole request and to take an answer (silent and slow clients); an event stream is exempt. */
const IDLE_TIMEOUT = 10;

/** Where a request came from. */
export interface RequestOrigin {
  /** The peer's IP address; `in-process` for a call without a socket (the in-process TUI, tests). */
  address: Peer;
}

export interface HttpServer {
  /**
   * Answers one request: usable without a socket (tests, the in-process TUI: the origin is then this
   * process, which may change state when no token is configured) and by the listener.
   */
  fetch(request: Request, origin?: RequestOrigin): Promise<Response>;
  /**
   * Binds `host:port`, `[v6]:port` or `:port` (every interface); `:0` picks a free port. Serves HTTPS
   * when `server.tls` names a certificate and key. Throws when it cannot bind or read them.
   */
  listen(address: string): { hostname: string; port: number };
  /** Takes a reloaded configuration: a changed certificate or key is served to new connections. */
  reload(): void;
  /** Stops listening and closes open connections. Safe twice, and before listen. */
  stop(): Promise<void>;
}

/** Splits a listen address into host and port (the rule `check-config` applies too). */
export { parseListen };

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
  let rendered: { snapshot: Snapshot | undefined; text: Partial<Record<ExpositionFormat, string>> } = { snapshot: undefined, text: {} };
  let server: Http1Listener | undefined;
  let tlsInUse: string | undefined;
  let policy: { of: LoadedConfig; policy: AccessPolicy } | undefined;
  /** The access policy of the configuration in force, rebuilt only when a reload changed it. */
  const accessPolicy = (): AccessPolicy => {
    const loaded = deps.config();
    if (policy?.of !== loaded) policy = { of: loaded, policy: accessPolicyOf(loaded.config) };
    return policy.policy;
  };

  function metrics(request: Request): Response {
    const started = process.cpuUsage();
    const snapshot = deps.agent.latest();
    // Host, textfile and plugin series change once per tick: render them once per format (the TYPE
    // lines of textfile and plugin series differ between the two), reuse them for every scrape in between.
    if (rendered.snapshot !== snapshot) rendered = { snapshot, text: {} };
    const format = negotiateFormat(request.headers.get("accept"));
    const series = (rendered.text[format] ??= renderSnapshotSeries(snapshot, format, deps.agent.seriesFilter?.()));
    const text = renderExposition(series, deps.metrics.all(), format);
    const { body, headers } = encodeBody(text, request.headers.get("accept-encoding"));
    const used = process.cpuUsage(started);
    scrapeSeconds.inc({}, (used.user + used.system) / 1e6);
    return new Response(request.method === "HEAD" ? null : body, {
      headers: { "content-type": format === "openmetrics" ? OPENMETRICS_TEXT : PROMETHEUS_TEXT, ...headers },
    });
  }

  async function route(request: Request, url: URL, origin: RequestOrigin): Promise<[string, Response]> {
    const path = url.pathname;
    const method = request.method;
    const caller = authorize(request, path, origin.address, accessPolicy());
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
      if (path === "/api/v1/events") {
        if (method !== "GET") throw methodNotAllowed(method, path, "GET");
        return [path, eventStream(deps.events, request, { clock: deps.clock })];
      }
      const found = matchRoute(routes, method, path);
      if (found.kind === "method") throw methodNotAllowed(method, path, found.allowed.join(", "));
      if (found.kind === "none") throw new HttpError(404, "not_found", `no API endpoint ${path}; see /api/v1/openapi.json`);
      return [found.route.path, await found.route.handler({ request, url, params: found.params, caller })];
    }
    throw new HttpError(404, "not_found", `no such path ${path}; try /metrics, /healthz, /readyz or /api/v1/openapi.json`);
  }

  async function fetch(request: Request, origin: RequestOrigin = { address: IN_PROCESS }): Promise<Response> {
    let label = "other";
    let response: Response;
    let url: URL | undefined;
    try {
      if (request.url.length > MAX_URL) throw new HttpError(414, "uri_too_long", `the URL may be at most ${MAX_URL} bytes`);
      url = requestUrl(request);
      const [name, r] = await route(request, url, origin);
      label = name;
      response = r;
    } catch (cause) {
      if (cause instanceof HttpError) response = errorResponse(cause);
      else {
        log.error({ err: cause, path: url?.pathname ?? "(unparsed)" }, "Request failed");
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
      const tls = readTlsFiles(deps.config().config);
      server = listenHttp1({
        hostname,
        port,
        ...(tls ? { tls } : {}),
        maxBodyBytes: TRANSPORT_BODY_LIMIT,
        idleTimeoutSeconds: IDLE_TIMEOUT,
        clock: deps.clock,
        handle: (request, origin) => fetch(request, origin),
      });
      tlsInUse = tls ? JSON.stringify(tls) : undefined;
      const bound = { hostname: server.hostname || hostname, port: server.port };
      const shown = `${bound.hostname.includes(":") ? `[${bound.hostname}]` : bound.hostname}:${bound.port}`;
      log.info({ address: shown, tls: tls !== undefined }, tls ? "HTTPS server listening" : "HTTP server listening");
      if (accessPolicy().tokens.length === 0 && !isLoopback(hostname)) {
        log.warning(
          { address: shown },
          "The API is served beyond this host without a token: anyone who reaches it can read alerts and history, and changing state is refused except over loopback. Set server.api_token (AIOPS_API_TOKEN) or server.tokens.",
        );
      }
      return bound;
    },
    reload() {
      if (!server) return;
      let tls: TlsFiles | undefined;
      try {
        tls = readTlsFiles(deps.config().config);
      } catch (cause) {
        log.error({ err: cause }, "TLS certificate or key not reloaded: the ones in use are kept");
        return;
      }
      const text = tls ? JSON.stringify(tls) : undefined;
      if (text === tlsInUse) return;
      if (!tls || tlsInUse === undefined) {
        log.warning("Turning TLS on or off needs a restart; the listener is kept as it is");
        return;
      }
      try {
        server.reloadTls(tls);
        tlsInUse = text;
        log.info("TLS certificate reloaded: new connections get the new one");
      } catch (cause) {
        log.error({ err: cause }, "TLS certificate or key not reloaded: the ones in use are kept");
      }
    },
    async stop() {
      const s = server;
      server = undefined;
      s?.stop();
    },
  };
}

/**
 * The request's URL. Without a Host header (HTTP/1.0) the target is only a path: it is read against
 * this agent, so such requests are answered like any other rather than failing.
 */
function requestUrl(request: Request): URL {
  try {
    return new URL(request.url);
  } catch {
    try {
      if (request.url.startsWith("/")) return new URL(request.url, "http://agent");
    } catch {
      // fall through to the 400
    }
    throw new HttpError(400, "bad_request", `cannot read the request target ${JSON.stringify(request.url.slice(0, 100))}; expected a path such as /metrics`);
  }
}

function methodNotAllowed(method: string, path: string, allowed: string): HttpError {
  return new HttpError(405, "method_not_allowed", `${method} is not allowed on ${path}; use ${allowed}`, { allow: allowed });
}
