import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { RelatedSeries } from "../../../src/contracts/finding.ts";
import { createHttpClient } from "../../../src/alert/http-client.ts";
import { ManualClock, systemClock } from "../../../src/clock.ts";
import { createWebhookNotifier, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../../../src/alert/notifiers/webhook.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type Sink, TEST_CA, freePort, heldResponder, startClosingPeer, startSink } from "../sink.ts";

const SECRET = "hmac-key-for-tests-0123";
const NOW = new Date("2026-01-10T08:00:10.000Z");

/** The receiver's side of the signature: what a real webhook consumer would check. */
function verify(headers: Record<string, string>, body: string): boolean {
  const ts = headers[TIMESTAMP_HEADER];
  const sig = headers[SIGNATURE_HEADER];
  if (!ts || !sig) return false;
  const expected = `sha256=${createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex")}`;
  return sig === expected;
}

describe("webhook notifier", () => {
  let sink: Sink;
  beforeAll(() => {
    sink = startSink();
  });
  afterAll(() => sink.stop());

  const make = (over: Record<string, unknown> = {}, clock = new ManualClock(NOW.getTime())) =>
    createWebhookNotifier(channel({ type: "webhook", url: `${sink.url}/hook?token=abcdef123456`, secret: SECRET, ...over }), {
      http: createHttpClient({ clock }),
      clock,
    });

  test("posts the DESIGN.md body with status, signed over timestamp and body", async () => {
    sink.received.length = 0;
    sink.respond(() => new Response("ok"));
    const n = make({ headers: { "X-Team": "ops" } });
    const result = await n.send(notification());
    await n.close();
    expect(result).toEqual({ delivered: true, status: 200 });
    expect(sink.received).toHaveLength(1);
    const req = sink.received[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/hook?token=abcdef123456");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["idempotency-key"]).toBe("key-0001");
    expect(req.headers["x-team"]).toBe("ops");
    expect(req.headers[TIMESTAMP_HEADER]).toBe(String(NOW.getTime() / 1000));
    expect(verify(req.headers, req.body)).toBe(true);
    expect(verify(req.headers, req.body.replace("85.5", "85.6"))).toBe(false);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      agent_name: "host-a",
      environment: "test",
      timestamp: "2026-01-10T08:00:05.000Z",
      status: "firing",
      anomaly: { type: "cpu_high", severity: "warning", message: "High CPU usage: 85.50%", value: 85.5, threshold: 80 },
    });
    expect(body.alerts).toHaveLength(1);
  });

  test("a correlated finding adds its related series and effect to the anomaly; the seed's fields stay as they were", async () => {
    sink.received.length = 0;
    sink.respond(() => new Response("ok"));
    const related: RelatedSeries[] = [
      { metric: "aiops_load1", labels: {}, value: 3.9, since: "2026-01-10T08:00:00.000Z" },
      {
        metric: "aiops_cpu_mode_percent",
        labels: { mode: "user" },
        value: 69.3,
        type: "cpu_mode_anomaly",
        detector: "statistical",
        score: 1,
        since: "2026-01-10T08:00:00.000Z",
      },
    ];
    const n = make();
    await n.send(notification({ finding: finding({ related }) }));
    await n.close();
    const plain = JSON.parse(JSON.stringify({ ...finding() }));
    const body = JSON.parse(sink.received[0]!.body);
    expect(body.anomaly).toEqual({ ...plain, related });
    expect(body.alerts[0].anomaly.related).toEqual(related);
    expect(body.anomaly).toMatchObject({ type: "cpu_high", severity: "warning", message: "High CPU usage: 85.50%", value: 85.5, threshold: 80 });
  });

  test("a resolved notification says so", async () => {
    sink.received.length = 0;
    const n = make();
    await n.send(notification({ status: "resolved", endsAt: "2026-01-10T08:10:00.000Z" }));
    await n.close();
    const body = JSON.parse(sink.received[0]!.body);
    expect(body.status).toBe("resolved");
    expect(body.ends_at).toBe("2026-01-10T08:10:00.000Z");
  });

  test("without a secret there is no signature", async () => {
    sink.received.length = 0;
    const n = make({ secret: undefined });
    await n.send(notification());
    await n.close();
    expect(sink.received[0]!.headers[SIGNATURE_HEADER]).toBeUndefined();
  });

  test("counts one delivery per send; the same idempotency key on a retry", async () => {
    sink.received.length = 0;
    sink.respond((_, i) => (i === 1 ? new Response("busy", { status: 503 }) : new Response("ok")));
    const n = make();
    const first = await n.send(notification());
    const second = await n.send(notification());
    await n.close();
    expect(first).toEqual({ delivered: false, retryable: true, status: 503, error: "HTTP 503: busy" });
    expect(second.delivered).toBe(true);
    expect(sink.received).toHaveLength(2);
    expect(sink.received.map((r) => r.headers["idempotency-key"])).toEqual(["key-0001", "key-0001"]);
  });

  test("500 is retryable", async () => {
    sink.respond(() => new Response("internal error", { status: 500 }));
    const n = make();
    const r = await n.send(notification());
    await n.close();
    expect(r).toEqual({ delivered: false, retryable: true, status: 500, error: "HTTP 500: internal error" });
  });

  test("429 is retryable and carries Retry-After in seconds", async () => {
    sink.respond(() => new Response("slow down", { status: 429, headers: { "Retry-After": "7" } }));
    const n = make();
    const r = await n.send(notification());
    await n.close();
    expect(r).toEqual({ delivered: false, retryable: true, status: 429, error: "HTTP 429: slow down", retryAfterMs: 7000 });
  });

  test("429 with an HTTP-date Retry-After", async () => {
    sink.respond(() => new Response("", { status: 429, headers: { "Retry-After": "Sat, 10 Jan 2026 08:01:10 GMT" } }));
    const n = make();
    const r = await n.send(notification());
    await n.close();
    expect(r).toEqual({ delivered: false, retryable: true, status: 429, error: "HTTP 429", retryAfterMs: 60_000 });
  });

  test("400 gives up with the peer's reason", async () => {
    sink.respond(() => new Response("missing field anomaly", { status: 400 }));
    const n = make();
    const r = await n.send(notification());
    await n.close();
    expect(r).toEqual({ delivered: false, retryable: false, status: 400, error: "HTTP 400: missing field anomaly" });
  });

  test("a peer slower than the time-out is a retryable time-out, once the channel's timeout has passed", async () => {
    const held = heldResponder();
    sink.respond(held.responder);
    const clock = new ManualClock(NOW.getTime());
    const n = make({ timeout: 30 }, clock);
    let result: unknown;
    const sending = n.send(notification()).then((r) => (result = r));
    await held.arrived;
    await clock.advance(29_999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    expect(await sending).toEqual({ delivered: false, retryable: true, error: "timed out after 30s" });
    held.release();
    await n.close();
    sink.respond(() => new Response("ok"));
  });

  test("a connection closed without an answer is retryable", async () => {
    const peer = startClosingPeer();
    const n = createWebhookNotifier(channel({ type: "webhook", url: `${peer.url}/hook` }), { http: createHttpClient({ clock: systemClock }), clock: systemClock });
    const r = await n.send(notification());
    await n.close();
    peer.stop();
    expect(peer.connections()).toBeGreaterThanOrEqual(1);
    expect(r.delivered).toBe(false);
    if (!r.delivered) {
      expect(r.retryable).toBe(true);
      expect(r.error).toStartWith(`no answer from ${new URL(peer.url).host}: `);
    }
  });

  test("a refused connection is retryable", async () => {
    const port = freePort();
    const n = createWebhookNotifier(channel({ type: "webhook", url: `http://127.0.0.1:${port}/x` }), { http: createHttpClient({ clock: systemClock }), clock: systemClock });
    const r = await n.send(notification());
    await n.close();
    expect(r.delivered).toBe(false);
    if (!r.delivered) {
      expect(r.retryable).toBe(true);
      expect(r.error).toContain("ECONNREFUSED");
    }
  });

  test("the caller's signal cancels the attempt", async () => {
    const held = heldResponder();
    sink.respond(held.responder);
    const n = make({ timeout: 30 });
    const caller = new AbortController();
    const sending = n.send(notification(), caller.signal);
    await held.arrived;
    caller.abort();
    expect(await sending).toEqual({ delivered: false, retryable: true, error: "cancelled" });
    held.release();
    await n.close();
    sink.respond(() => new Response("ok"));
  });

  test("close is safe twice and without a send", async () => {
    const n = make();
    await n.close();
    await n.close();
  });
});

describe("webhook over TLS", () => {
  let sink: Sink;
  beforeAll(() => {
    sink = startSink({ tls: true });
  });
  afterAll(() => sink.stop());

  test("a private CA is trusted only when given (ca_file), never by turning verification off", async () => {
    const cfg = channel({ type: "webhook", url: `${sink.url}/hook` });
    const untrusting = createWebhookNotifier(cfg, { http: createHttpClient({ clock: systemClock }), clock: systemClock });
    const refused = await untrusting.send(notification());
    await untrusting.close();
    expect(refused.delivered).toBe(false);
    if (!refused.delivered) {
      expect(refused.retryable).toBe(false);
      expect(refused.error).toContain("TLS verification of 127.0.0.1:");
      expect(refused.error).toContain("set ca_file for a private CA");
    }
    expect(sink.received).toHaveLength(0);

    const trusting = createWebhookNotifier(cfg, { http: createHttpClient({ ca: TEST_CA, clock: systemClock }), clock: systemClock });
    const ok = await trusting.send(notification({ finding: finding({ value: 91 }) }));
    await trusting.close();
    expect(ok).toEqual({ delivered: true, status: 200 });
    expect(sink.received).toHaveLength(1);
  });
});
