import { afterAll, describe, expect, test } from "bun:test";
import { healthcheck } from "../../src/commands/healthcheck.ts";
import { localUrl } from "../../src/commands/local-url.ts";
import { freePort } from "../support/ports.ts";
import { testServer } from "../server/support.ts";

/** The agent's real HTTP server on a real socket, ready or still before its first collection. */
function listening(ready: boolean) {
  const { server } = testServer({ health: ready ? {} : { ready: false, ticks: 0, reasons: ["first collection not done yet"] } });
  const { port } = server.listen("127.0.0.1:0");
  return { url: `http://127.0.0.1:${port}`, stop: () => server.stop() };
}

describe("healthcheck", () => {
  const ready = listening(true);
  const starting = listening(false);
  // Accepts the connection and never answers: a hung agent.
  const hung = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => {}) });
  afterAll(async () => {
    await ready.stop();
    await starting.stop();
    await hung.stop(true);
  });

  test("a ready agent: ok, 200 said", async () => {
    expect(await healthcheck(ready.url)).toEqual({ ok: true, message: `ready: ${ready.url}/readyz answered 200` });
    // The /readyz URL itself, or with a trailing slash, is the same agent.
    expect((await healthcheck(`${ready.url}/readyz`)).ok).toBe(true);
    expect((await healthcheck(`${ready.url}/`)).ok).toBe(true);
  });

  test("a starting agent: not ok, with what it waits for", async () => {
    const result = await healthcheck(starting.url);
    expect(result.ok).toBe(false);
    expect(result.message).toBe(`not ready: ${starting.url}/readyz answered 503 (first_collection: pending; first collection not done yet)`);
  });

  test("no agent: not ok, the connection refused", async () => {
    const url = `http://127.0.0.1:${freePort()}`;
    expect(await healthcheck(url)).toEqual({ ok: false, message: `not ready: cannot reach ${url}/readyz (ECONNREFUSED)` });
  });

  test("an agent that does not answer in time: not ok", async () => {
    const url = `http://127.0.0.1:${hung.port}`;
    expect(await healthcheck(url, { timeoutMs: 300 })).toEqual({ ok: false, message: `not ready: ${url}/readyz did not answer within 0.3 s` });
  });
});

describe("localUrl: server.listen as reached from this machine", () => {
  test("every interface is reached on loopback; a named address as it is", () => {
    expect(localUrl("0.0.0.0:8080")).toBe("http://127.0.0.1:8080");
    expect(localUrl(":9100")).toBe("http://127.0.0.1:9100");
    expect(localUrl("[::]:8080")).toBe("http://[::1]:8080");
    expect(localUrl("10.0.0.5:8080")).toBe("http://10.0.0.5:8080");
    expect(localUrl("[fd00::5]:8080")).toBe("http://[fd00::5]:8080");
  });

  test("a port picked at start cannot be known: the error says to give --url", () => {
    expect(() => localUrl("127.0.0.1:0")).toThrow('server.listen is "127.0.0.1:0" (a port picked at start): give the agent\'s address with --url');
  });
});
