import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHttpClient } from "../../../src/alert/http-client.ts";
import { SLACK_COLOURS, createSlackNotifier } from "../../../src/alert/notifiers/slack.ts";
import type { AlertNotice } from "../../../src/alert/notifier.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type Sink, startSink } from "../sink.ts";
import { ManualClock } from "../../../src/clock.ts";

let sink: Sink;
beforeAll(() => {
  sink = startSink();
});
afterAll(() => sink.stop());

const clock = new ManualClock(Date.parse("2026-01-10T08:00:10Z"));
const make = () =>
  createSlackNotifier(channel({ type: "slack", url: `${sink.url}/services/T000/B000/XXXXXXXXXXXX` }), {
    http: createHttpClient({ clock }),
    clock,
  });

test("posts a readable message: one coloured attachment per alert with value and threshold", async () => {
  sink.received.length = 0;
  const critical: AlertNotice = {
    ...notification({ finding: finding({ severity: "critical", value: 97.25, message: "High CPU usage: 97.25%" }), fingerprint: "aaaa" }),
  };
  const resolved: AlertNotice = {
    ...notification({ status: "resolved", endsAt: "2026-01-10T08:09:00.000Z", fingerprint: "bbbb" }),
  };
  const n = make();
  const r = await n.send(notification({ finding: critical.finding, fingerprint: "aaaa" }, [critical, resolved]));
  await n.close();
  expect(r).toEqual({ delivered: true, status: 200 });
  const req = sink.received[0]!;
  expect(req.path).toBe("/services/T000/B000/XXXXXXXXXXXX");
  const body = JSON.parse(req.body);
  expect(body.text).toBe("[FIRING:1 RESOLVED:1] critical: High CPU usage: 97.25% (+1 more) on host-a");
  expect(body.attachments).toHaveLength(2);
  expect(body.attachments[0]).toMatchObject({
    color: SLACK_COLOURS.critical,
    title: "Critical: High CPU usage: 97.25%",
    fields: [
      { title: "Value", value: "97.25", short: true },
      { title: "Threshold", value: "80", short: true },
      { title: "Type", value: "cpu_high", short: true },
      { title: "Since", value: "2026-01-10T08:00:00.000Z", short: true },
    ],
  });
  expect(body.attachments[1]).toMatchObject({ color: SLACK_COLOURS.resolved, title: "Resolved: High CPU usage: 85.50%" });
});

test("a finding that stands for several series has a Related series field", async () => {
  sink.received.length = 0;
  sink.respond(() => new Response("ok"));
  const related = [{ metric: "aiops_load1", labels: {}, value: 3.9, since: "2026-01-10T08:00:00.000Z" }];
  const n = make();
  await n.send(notification({ finding: finding({ related }) }));
  await n.close();
  const fields = JSON.parse(sink.received[0]!.body).attachments[0].fields as Array<{ title: string; value: string; short: boolean }>;
  expect(fields.find((f) => f.title === "Related series")).toEqual({ title: "Related series", value: "aiops_load1 3.9", short: false });
});

test("Slack's own refusal is the error, and is final", async () => {
  sink.respond(() => new Response("invalid_payload", { status: 400 }));
  const n = make();
  const r = await n.send(notification());
  await n.close();
  sink.respond(() => new Response("ok"));
  expect(r).toEqual({ delivered: false, retryable: false, status: 400, error: "HTTP 400: invalid_payload" });
});
