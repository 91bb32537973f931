import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { createAlertRoutes } from "../../src/server/alert-routes.ts";
import { configFor } from "../alert/fixtures.ts";
import { T0, alertStage, openStore } from "../alert/outbox/support.ts";
import { cleanUp } from "../store/support/temp.ts";
import { waitFor } from "../support/ports.ts";
import { testServer } from "./support.ts";
import { ManualClock } from "../../src/clock.ts";

/**
 * Malformed requests over a real socket, where Bun's own limits apply too: each gets its documented
 * JSON error, and the server keeps answering.
 */
describe("malformed requests on a real socket", () => {
  const { store } = openStore();
  const { stage } = alertStage(store, configFor({}), { now: () => T0 });
  const { server, clock } = testServer({ env: { AIOPS_API_TOKEN: "t0ken-abcdef-0123456789" }, deps: { routes: createAlertRoutes({ store, stage, clock: new ManualClock(T0) }) } });
  let base = "";
  const auth = { authorization: "Bearer t0ken-abcdef-0123456789" };

  beforeAll(() => {
    base = `http://127.0.0.1:${server.listen("127.0.0.1:0").port}`;
  });
  afterAll(async () => {
    await server.stop();
    cleanUp();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/v1/silences`, { method: "POST", body, headers: { ...auth, "content-type": "application/json", ...headers } });

  test("bad JSON, a wrong content type and wrong types get 400 and 415 with what was wrong", async () => {
    const bad = await post("{ matchers: ");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const type = await post("matchers=a", { "content-type": "application/x-www-form-urlencoded" });
    expect(type.status).toBe(415);
    expect(((await type.json()) as { error: { message: string } }).error.message).toBe(
      'expected a body of type application/json, got "application/x-www-form-urlencoded"',
    );
    const wrong = await post(JSON.stringify({ matchers: "alertname=cpu_high", ends_at: 5 }));
    expect(wrong.status).toBe(400);
  });

  test("a body over the limit is refused with a JSON 413, and the server answers the next request", async () => {
    const huge = await post(JSON.stringify({ matchers: ["a=b"], comment: "x".repeat(200_000) }));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  test("a missing token is a 401 on the API while /metrics stays open", async () => {
    expect((await fetch(`${base}/api/v1/silences`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  test("a client that opens a connection and sends half a request is cut off after the idle time-out, and others are served meanwhile", async () => {
    const socket = connect(Number(new URL(base).port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    let closed = false;
    socket.once("close", () => (closed = true));
    socket.write("GET /metrics HTTP/1.1\r\nHost: agent\r\n");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Dribbling more of the head does not buy time: the whole request is due within 10 s.
    await clock.advance(9_000);
    socket.write("Accept: text/plain\r\n");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(closed).toBe(false);
    await clock.advance(1_000);
    await waitFor("the connection to close", () => closed, 5_000, 20);
  });
});
