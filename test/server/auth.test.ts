import { afterEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { createAlertRoutes } from "../../src/server/alert-routes.ts";
import { configFor } from "../alert/fixtures.ts";
import { T0, alertStage, openStore } from "../alert/outbox/support.ts";
import { cleanUp } from "../store/support/temp.ts";
import { testServer } from "./support.ts";

afterEach(cleanUp);

type Json = Record<string, any>;
const SILENCE = { matchers: ["alertname=cpu_high"], ends_at: "2026-01-10T12:00:00Z" };
const READ = "read-token-0123456789abcdef";
const WRITE = "write-token-0123456789abcdef";
const TOKENS = `server:
  tokens:
    - name: grafana
      token: ${READ}
    - name: ops@example.com
      token: ${WRITE}
      scope: write
`;

/** A server with the alert routes, answering as if the request came from `address`. */
function server(options: { yaml?: string; env?: Record<string, string> } = {}) {
  const { store } = openStore();
  const { stage } = alertStage(store, configFor({}), { now: () => T0 });
  const { server, logged } = testServer({ ...options, deps: { routes: createAlertRoutes({ store, stage, clock: new ManualClock(T0) }) } });
  const ask = (address: string, method: string, path: string, init: { token?: string; body?: unknown } = {}) =>
    server.fetch(
      new Request(`http://agent${path}`, {
        method,
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      }),
      { address },
    );
  return { ask, server, logged };
}

describe("without a token", () => {
  test("anyone may read; changing state from beyond this host is a 403 that says how to set a token", async () => {
    const { ask } = server();
    expect((await ask("192.0.2.7", "GET", "/api/v1/silences")).status).toBe(200);
    const refused = await ask("192.0.2.7", "POST", "/api/v1/silences", { body: SILENCE });
    expect(refused.status).toBe(403);
    const message = ((await refused.json()) as Json).error.message as string;
    expect(message).toContain("set server.api_token (AIOPS_API_TOKEN or AIOPS_API_TOKEN_FILE) or server.tokens with scope write");
    expect((await ask("192.0.2.7", "DELETE", "/api/v1/silences/api-1")).status).toBe(403);
    // Nothing was added by the refused request.
    expect(((await (await ask("192.0.2.7", "GET", "/api/v1/silences")).json()) as Json).items).toEqual([]);
  });

  test("over loopback (IPv4, IPv6, mapped) a change goes through, created by loopback", async () => {
    const { ask } = server();
    for (const address of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
      const created = await ask(address, "POST", "/api/v1/silences", { body: SILENCE });
      expect(created.status).toBe(201);
      expect(((await created.json()) as Json).createdBy).toBe("loopback");
    }
  });
});

describe("with tokens", () => {
  test("every API call needs a valid one; a read token cannot change state; the creator is the token's name", async () => {
    const { ask } = server({ yaml: TOKENS });
    expect((await ask("127.0.0.1", "GET", "/api/v1/silences")).status).toBe(401);
    expect((await ask("192.0.2.7", "GET", "/api/v1/silences", { token: `${READ}x` })).status).toBe(401);
    expect((await ask("192.0.2.7", "GET", "/api/v1/silences", { token: READ })).status).toBe(200);
    const readOnly = await ask("192.0.2.7", "POST", "/api/v1/silences", { token: READ, body: SILENCE });
    expect(readOnly.status).toBe(403);
    expect(((await readOnly.json()) as Json).error.message).toBe("token grafana has scope read; changing state needs a token with scope write (server.tokens)");
    // Loopback is no way around a configured token.
    expect((await ask("127.0.0.1", "POST", "/api/v1/silences", { body: SILENCE })).status).toBe(401);
    const created = await ask("192.0.2.7", "POST", "/api/v1/silences", { token: WRITE, body: SILENCE });
    expect(created.status).toBe(201);
    expect(((await created.json()) as Json).createdBy).toBe("ops@example.com");
  });

  test("a client cannot name the creator itself", async () => {
    const { ask } = server({ yaml: TOKENS });
    const r = await ask("192.0.2.7", "POST", "/api/v1/silences", { token: WRITE, body: { ...SILENCE, created_by: "someone-else" } });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Json).error.message).toContain("body.created_by: the creator is the name of the token the request shows");
  });

  test("server.api_token has write scope and goes by the name api_token", async () => {
    const { ask } = server({ env: { AIOPS_API_TOKEN: WRITE } });
    const created = await ask("192.0.2.7", "POST", "/api/v1/silences", { token: WRITE, body: SILENCE });
    expect(((await created.json()) as Json).createdBy).toBe("api_token");
  });

  test("/metrics and the probes stay open, unless server.metrics_auth asks for a token of any scope", async () => {
    const open = server({ yaml: TOKENS });
    for (const path of ["/metrics", "/healthz", "/readyz"]) expect((await open.ask("192.0.2.7", "GET", path)).status).toBe(200);
    const closed = server({ yaml: `${TOKENS}  metrics_auth: true\n` });
    for (const path of ["/metrics", "/healthz", "/readyz"]) {
      const refused = await closed.ask("192.0.2.7", "GET", path);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("content-type")).toContain("application/json");
      expect((await closed.ask("192.0.2.7", "GET", path, { token: READ })).status).toBe(200);
    }
  });
});

describe("start-up warning", () => {
  test("serving beyond loopback without a token is logged as a warning; on loopback, or with a token, it is not", async () => {
    const warned = (logged: string[]) => logged.some((l) => l.includes("The API is served beyond this host without a token"));
    const wide = server();
    wide.server.listen("0.0.0.0:0");
    await wide.server.stop();
    expect(warned(wide.logged)).toBe(true);
    const local = server();
    local.server.listen("127.0.0.1:0");
    await local.server.stop();
    expect(warned(local.logged)).toBe(false);
    const guarded = server({ yaml: TOKENS });
    guarded.server.listen("0.0.0.0:0");
    await guarded.server.stop();
    expect(warned(guarded.logged)).toBe(false);
  });
});
