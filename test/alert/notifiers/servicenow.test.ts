import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHttpClient } from "../../../src/alert/http-client.ts";
import { createServiceNowNotifier } from "../../../src/alert/notifiers/servicenow.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type Sink, startSink } from "../sink.ts";
import { ManualClock } from "../../../src/clock.ts";

let sink: Sink;
beforeAll(() => {
  sink = startSink();
  sink.respond(() => Response.json({ result: { "Default Bulk Endpoint": "1 events were inserted" } }));
});
afterAll(() => sink.stop());

const clock = new ManualClock(Date.parse("2026-01-10T08:00:10Z"));

test("posts em_event records to /api/global/em/jsonv2 with basic auth; the clear keeps the message_key", async () => {
  sink.received.length = 0;
  const n = createServiceNowNotifier(channel({ type: "servicenow", url: `${sink.url}/`, username: "aiops", password: "s3cret-passw0rd" }), {
    http: createHttpClient({ clock }),
    clock,
  });
  const fire = await n.send(notification({ finding: finding({ severity: "critical", labels: { cpu: "total" } }) }));
  const clear = await n.send(notification({ status: "resolved", endsAt: "2026-01-10T08:10:00.000Z" }));
  await n.close();
  expect(fire).toEqual({ delivered: true, status: 200 });
  expect(clear).toEqual({ delivered: true, status: 200 });
  const req = sink.received[0]!;
  expect(req.path).toBe("/api/global/em/jsonv2");
  expect(req.headers.authorization).toBe(`Basic ${Buffer.from("aiops:s3cret-passw0rd").toString("base64")}`);
  expect(req.headers["idempotency-key"]).toBe("key-0001");
  const [event] = JSON.parse(req.body).records;
  expect(event).toMatchObject({
    source: "aiops-agent",
    event_class: "aiops-agent",
    node: "host-a",
    resource: 'aiops_cpu_usage_percent{cpu="total"}',
    metric_name: "aiops_cpu_usage_percent",
    type: "cpu_high",
    severity: "1",
    message_key: "aiops-agent/host-a/0123456789abcdef",
    time_of_event: "2026-01-10 08:00:00",
  });
  expect(JSON.parse(event.additional_info)).toMatchObject({ value: 85.5, threshold: 80, environment: "test" });
  const [cleared] = JSON.parse(sink.received[1]!.body).records;
  expect(cleared).toMatchObject({ severity: "0", message_key: event.message_key, time_of_event: "2026-01-10 08:10:00" });
});

test("a bearer token instead of basic auth; 401 gives up", async () => {
  sink.received.length = 0;
  sink.respond(() => Response.json({ error: { message: "User Not Authenticated" } }, { status: 401 }));
  const n = createServiceNowNotifier(channel({ type: "servicenow", url: sink.url, token: "tok-abcdef-123456" }), { http: createHttpClient({ clock }), clock });
  const r = await n.send(notification());
  await n.close();
  expect(sink.received[0]!.headers.authorization).toBe("Bearer tok-abcdef-123456");
  expect(r).toEqual({ delivered: false, retryable: false, status: 401, error: 'HTTP 401: {"error":{"message":"User Not Authenticated"}}' });
});
