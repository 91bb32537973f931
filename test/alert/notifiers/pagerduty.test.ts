import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHttpClient } from "../../../src/alert/http-client.ts";
import { createPagerDutyNotifier, pagerDutyDedupKey } from "../../../src/alert/notifiers/pagerduty.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type Sink, startSink } from "../sink.ts";
import { ManualClock } from "../../../src/clock.ts";

const ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";
let sink: Sink;
beforeAll(() => {
  sink = startSink();
  sink.respond((req) => Response.json({ status: "success", message: "Event processed", dedup_key: JSON.parse(req.body).dedup_key }, { status: 202 }));
});
afterAll(() => sink.stop());

const clock = new ManualClock(Date.parse("2026-01-10T08:00:10Z"));
const make = () =>
  createPagerDutyNotifier(channel({ type: "pagerduty", routing_key: ROUTING_KEY, events_url: `${sink.url}/v2/enqueue` }), {
    http: createHttpClient({ clock }),
    clock,
  });

test("trigger then resolve under one stable dedup_key", async () => {
  sink.received.length = 0;
  const n = make();
  const trigger = await n.send(notification({ finding: finding({ severity: "critical" }) }));
  const repeat = await n.send(notification({ finding: finding({ severity: "critical" }), idempotencyKey: "key-0002" }));
  const resolve = await n.send(notification({ status: "resolved", endsAt: "2026-01-10T08:10:00.000Z" }));
  await n.close();
  expect([trigger, repeat, resolve]).toEqual([
    { delivered: true, status: 202 },
    { delivered: true, status: 202 },
    { delivered: true, status: 202 },
  ]);
  const [t, r2, r] = sink.received.map((x) => JSON.parse(x.body));
  expect(sink.received[0]!.path).toBe("/v2/enqueue");
  expect(t).toMatchObject({
    routing_key: ROUTING_KEY,
    event_action: "trigger",
    dedup_key: pagerDutyDedupKey("host-a", "0123456789abcdef"),
    payload: {
      summary: "High CPU usage: 85.50% on host-a",
      source: "host-a",
      severity: "critical",
      timestamp: "2026-01-10T08:00:00.000Z",
      component: "aiops_cpu_usage_percent",
      group: "test",
      class: "cpu_high",
      custom_details: { value: 85.5, threshold: 80 },
    },
  });
  expect(r2.dedup_key).toBe(t.dedup_key);
  expect(r).toEqual({ routing_key: ROUTING_KEY, event_action: "resolve", dedup_key: t.dedup_key });
});

test("a grouped notification sends one event per alert, each with its own dedup_key", async () => {
  sink.received.length = 0;
  const a = notification({ fingerprint: "aaaaaaaaaaaaaaaa" });
  const b = notification({ fingerprint: "bbbbbbbbbbbbbbbb", status: "resolved", endsAt: "2026-01-10T08:10:00.000Z" });
  const n = make();
  const r = await n.send(notification({}, [a, b]));
  await n.close();
  expect(r.delivered).toBe(true);
  const events = sink.received.map((x) => JSON.parse(x.body));
  expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([
    ["trigger", pagerDutyDedupKey("host-a", "aaaaaaaaaaaaaaaa")],
    ["resolve", pagerDutyDedupKey("host-a", "bbbbbbbbbbbbbbbb")],
  ]);
});

test("PagerDuty's 429 is retryable; a 400 names PagerDuty's reason", async () => {
  sink.respond(() => Response.json({ status: "throttle event", message: "Requests for this service are arriving too quickly." }, { status: 429 }));
  const n = make();
  const throttled = await n.send(notification());
  sink.respond(() => Response.json({ status: "invalid event", message: "Event object is invalid", errors: ["'payload.summary' is missing"] }, { status: 400 }));
  const invalid = await n.send(notification());
  await n.close();
  expect(throttled).toMatchObject({ delivered: false, retryable: true, status: 429 });
  expect(invalid).toEqual({
    delivered: false,
    retryable: false,
    status: 400,
    error: `HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["'payload.summary' is missing"]}`,
  });
});

test("a finding that stands for several series names them in custom_details.related", async () => {
  sink.received.length = 0;
  const n = make();
  await n.send(notification({ finding: finding({ related: [{ metric: "aiops_load1", labels: {}, value: 3.9, since: "2026-01-10T08:00:00.000Z" }] }) }));
  await n.close();
  expect(JSON.parse(sink.received[0]!.body).payload.custom_details.related).toBe("aiops_load1 3.9");
});
