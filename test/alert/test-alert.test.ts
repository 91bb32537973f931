import { afterAll, beforeAll, expect, test } from "bun:test";
import { describeTestAlertResult, testAlert } from "../../src/alert/test-alert.ts";
import { configFor } from "./fixtures.ts";
import { type Sink, startSink } from "./sink.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";

let sink: Sink;
beforeAll(() => {
  sink = startSink();
});
afterAll(() => sink.stop());

const config = () =>
  configFor({
    webhook_url: `${sink.url}/seed`,
    channels: [
      { name: "pager", type: "pagerduty", routing_key: "routing-key-0123456789", events_url: `${sink.url}/pd` },
      { name: "broken", type: "slack", url: `${sink.url}/slack-broken` },
    ],
  });

test("sends a test notification through every channel and says, per channel, what happened", async () => {
  sink.received.length = 0;
  sink.respond((req) => (req.path === "/slack-broken" ? new Response("no_service", { status: 404 }) : new Response("ok", { status: 202 })));
  const results = await testAlert(config(), { clock: new ManualClock(Date.parse("2026-01-10T08:00:00Z")) });
  expect(results.map(describeTestAlertResult)).toEqual([
    "ok   webhook (webhook): delivered (HTTP 202)",
    "ok   pager (pagerduty): delivered (HTTP 202); resolve delivered (HTTP 202)",
    "FAIL broken (slack): failed: HTTP 404: no_service",
  ]);
  const seed = JSON.parse(sink.received.find((r) => r.path === "/seed")!.body);
  expect(seed).toMatchObject({ test: true, status: "firing", agent_name: "host-a", anomaly: { type: "aiops_test" } });
  const pd = sink.received.filter((r) => r.path === "/pd").map((r) => JSON.parse(r.body));
  // The test leaves no incident open: a resolve follows under the same dedup_key.
  expect(pd.map((e) => e.event_action)).toEqual(["trigger", "resolve"]);
  expect(pd[0].dedup_key).toBe(pd[1].dedup_key);
});

test("--channel sends through that channel only; an unknown name lists the configured ones", async () => {
  sink.received.length = 0;
  sink.respond(() => new Response("ok"));
  const [only, ...rest] = await testAlert(config(), { clock: systemClock }, { channel: "webhook" });
  expect(rest).toEqual([]);
  expect(only).toMatchObject({ channel: "webhook", ok: true, result: { delivered: true, status: 200 } });
  expect(sink.received.map((r) => r.path)).toEqual(["/seed"]);
  await expect(testAlert(config(), { clock: systemClock }, { channel: "pagr" })).rejects.toThrow('no channel named "pagr"; configured: webhook, pager, broken');
  expect(await testAlert(configFor({}), { clock: systemClock })).toEqual([]);
});
