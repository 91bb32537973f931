import { createHash, timingSafeEqual } from "node:crypto";
import type { TokenScope } from "../config/api-tokens.ts";
import { isLoopback } from "../config/listen-address.ts";
import type { Config } from "../config/schema.ts";
import { HttpError } from "./http.ts";

/** Who is asking: the name of the token it showed (or `loopback`, `in-process`) and what it may do. */
export interface Caller {
  name: string;
  scope: TokenScope;
}

/** The tokens in force and whether the metrics and probes need one too. */
export interface AccessPolicy {
  tokens: ReadonlyArray<{ name: string; digest: Buffer; scope: TokenScope }>;
  metricsAuth: boolean;
}

/** Where a request came from: the peer's IP address, or `in-process` for a call without a socket. */
export type Peer = string;
export const IN_PROCESS: Peer = "in-process";

/** The name `server.api_token` goes by (the creator of the silences it adds). */
export const API_TOKEN_NAME = "api_token";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The access policy of a configuration: `server.api_token` (write scope) and `server.tokens`. */
export function accessPolicyOf(config: Config): AccessPolicy {
  const { server } = config;
  const tokens = server.tokens.flatMap((t) => (t.token !== undefined ? [{ name: t.name, digest: digest(t.token), scope: t.scope }] : []));
  if (server.api_token !== undefined) tokens.unshift({ name: API_TOKEN_NAME, digest: digest(server.api_token), scope: "write" });
  return { tokens, metricsAuth: server.metrics_auth };
}

const CHALLENGE = { "www-authenticate": 'Bearer realm="aiops-agent"' };

/** True for methods that change state. */
export function changesState(method: string): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}

/**
 * Decides who may do what:
 * - with tokens configured, `/api/v1` needs a valid bearer token, and changing state needs write scope;
 *   `/metrics` and the probes stay open unless `server.metrics_auth`;
 * - with none, anyone may read, and only a caller on this host (loopback, or in-process) may change
 *   state: a 403 says how to set a token.
 * Tokens are compared as SHA-256 digests in constant time, against every token whatever matches.
 */
export function authorize(request: Request, path: string, peer: Peer, policy: AccessPolicy): Caller {
  const probe = !(path === "/api/v1" || path.startsWith("/api/v1/"));
  const local = peer === IN_PROCESS || isLoopback(peer);
  if (policy.tokens.length === 0) {
    const caller: Caller = { name: peer === IN_PROCESS ? IN_PROCESS : local ? "loopback" : "anonymous", scope: local ? "write" : "read" };
    if (!probe && changesState(request.method) && !local) {
      throw new HttpError(
        403,
        "forbidden",
        "changing state needs a bearer token: set server.api_token (AIOPS_API_TOKEN or AIOPS_API_TOKEN_FILE) or server.tokens with scope write, " +
          "then send Authorization: Bearer <token>; without a token only requests over loopback may change state",
      );
    }
    return caller;
  }
  if (probe && !policy.metricsAuth) return { name: "anonymous", scope: "read" };
  const header = request.headers.get("authorization") ?? "";
  const match = header.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  if (!match) throw new HttpError(401, "unauthorized", "this endpoint needs an Authorization: Bearer <token> header", CHALLENGE);
  const shown = digest(match[1]!);
  let found: (typeof policy.tokens)[number] | undefined;
  for (const token of policy.tokens) if (timingSafeEqual(shown, token.digest) && found === undefined) found = token;
  if (!found) throw new HttpError(401, "unauthorized", "the bearer token is not valid", CHALLENGE);
  if (!probe && changesState(request.method) && found.scope !== "write") {
    throw new HttpError(403, "forbidden", `token ${found.name} has scope read; changing state needs a token with scope write (server.tokens)`);
  }
  return { name: found.name, scope: found.scope };
}
