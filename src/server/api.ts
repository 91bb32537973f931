import { z } from "zod";
import { effectiveSettings } from "../config/print.ts";
import { HttpError, json, readJsonBody } from "./http.ts";
import { buildOpenApi } from "./openapi.ts";
import type { ServerDeps } from "./server.ts";

/** What a route handler receives: the request, its URL, path parameters, and the validated query and body. */
export interface RouteContext<Q, B> {
  request: Request;
  url: URL;
  params: Record<string, string>;
  query: Q;
  body: B;
}

/** One endpoint under /api/v1, described well enough to validate its input and to document it in OpenAPI. */
export interface ApiRoute {
  method: "GET" | "POST" | "DELETE";
  /** Path with `:name` parameters, e.g. `/api/v1/silences/:id`. */
  path: string;
  summary: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status code → description, for the OpenAPI document. */
  responses: Record<number, string>;
  handler(context: { request: Request; url: URL; params: Record<string, string> }): Response | Promise<Response>;
}

/**
 * Declares a route whose query and body are checked with zod before the handler runs: a bad value is a
 * 400 naming the parameter and what is allowed, the handler only sees valid input.
 */
export function defineRoute<Q = undefined, B = undefined>(spec: {
  method: ApiRoute["method"];
  path: string;
  summary: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, string>;
  handler(context: RouteContext<Q, B>): Response | Promise<Response>;
}): ApiRoute {
  return {
    ...spec,
    async handler({ request, url, params }) {
      const query = spec.query ? validate(spec.query, queryObject(url), "query") : (undefined as Q);
      const body = spec.body ? validate(spec.body, await readJsonBody(request), "body") : (undefined as B);
      return spec.handler({ request, url, params, query, body });
    },
  };
}

/** Query parameters as an object: a repeated name becomes a list. */
function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

function validate<T>(schema: z.ZodType<T>, input: unknown, where: "query" | "body"): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.length > 0 ? `${where}.${issue.path.join(".")}` : where;
    if (issue.code === "unrecognized_keys") return `${key}: unknown ${issue.keys.length > 1 ? "parameters" : "parameter"} ${issue.keys.join(", ")}`;
    return `${key}: ${issue.message}`;
  });
  throw new HttpError(400, where === "query" ? "invalid_parameter" : "invalid_body", problems.join("; "));
}

type Match = { kind: "found"; route: ApiRoute; params: Record<string, string> } | { kind: "method"; allowed: string[] } | { kind: "none" };

/** Finds the route for a method and path; a known path with another method is a 405, not a 404. */
export function matchRoute(routes: readonly ApiRoute[], method: string, path: string): Match {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method || (method === "HEAD" && route.method === "GET")) return { kind: "found", route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: "method", allowed } : { kind: "none" };
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = path.replace(/\/+$/, "").split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return params;
}

/** The routes the server itself answers: the live snapshot, the configuration, the OpenAPI document. */
export function createApiRoutes(deps: ServerDeps): ApiRoute[] {
  const routes: ApiRoute[] = [
    defineRoute({
      method: "GET",
      path: "/api/v1/snapshot",
      summary: "The latest Snapshot of the host, with the agent's identity and inventory.",
      query: z.strictObject({}),
      responses: { 200: "the latest snapshot", 503: "no collection has finished yet" },
      handler() {
        const snapshot = deps.agent.latest();
        if (!snapshot) throw new HttpError(503, "not_ready", "the first collection has not finished yet; try again in a moment");
        const { config } = deps.config();
        return json({
          agent: { name: config.agent.name, environment: config.agent.environment, version: deps.version },
          // Resume the event stream from here (Last-Event-ID) to miss nothing after this snapshot.
          event_id: deps.events.lastId,
          inventory: deps.agent.inventory ?? null,
          snapshot,
        });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/config",
      summary: "The effective configuration, secrets redacted, with where each value came from.",
      query: z.strictObject({}),
      responses: { 200: "the effective configuration" },
      handler() {
        const loaded = deps.config();
        return json({ file: loaded.file ?? null, settings: effectiveSettings(loaded) });
      },
    }),
  ];
  routes.push(
    defineRoute({
      method: "GET",
      path: "/api/v1/openapi.json",
      summary: "This API, described in OpenAPI 3.1.",
      responses: { 200: "the OpenAPI document" },
      handler: () => json(buildOpenApi([...routes, ...(deps.routes ?? [])], deps.version)),
    }),
  );
  return routes;
}
