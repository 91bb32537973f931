import { z } from "zod";
import type { Caller } from "./auth.ts";
import { HttpError, readJsonBody } from "./http.ts";

/** What a route handler receives: the request, its URL, path parameters, the caller, and the validated query and body. */
export interface RouteContext<Q, B> {
  request: Request;
  url: URL;
  params: Record<string, string>;
  /** Who asked (the name of the token, or loopback): the creator of what the request adds. */
  caller: Caller;
  query: Q;
  body: B;
}

/** What the server passes to a route: the request, its URL, path parameters and the caller. */
export interface RouteInput {
  request: Request;
  url: URL;
  params: Record<string, string>;
  caller: Caller;
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
  handler(context: RouteInput): Response | Promise<Response>;
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
    async handler({ request, url, params, caller }) {
      const query = spec.query ? validate(spec.query, queryObject(url), "query") : (undefined as Q);
      const body = spec.body ? validate(spec.body, await readJsonBody(request), "body") : (undefined as B);
      return spec.handler({ request, url, params, caller, query, body });
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
    if (w.startsWith(":")) params[w.slice(1)] = decodePathPart(g);
    else if (w !== g) return undefined;
  }
  return params;
}

/** A percent-decoded path segment; a malformed escape (`%zz`) is the client's mistake, a 400. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, "bad_request", `the path segment ${JSON.stringify(part.slice(0, 100))} has a malformed percent-escape (expected %XX with two hex digits)`);
  }
}
