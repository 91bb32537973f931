import { afterEach, describe, expect, test } from "bun:test";
import { createDeliveryFailingStage, DELIVERY_FAILING } from "../../src/alert/delivery-failing.ts";
import type { DeliveryAttempt } from "../../src/contracts/delivery.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import { ManualClock } from "../../src/clock.ts";
import { EventBus } from "../../src/event-bus.ts";
import { alertStage, openStore, T0, tick } from "./outbox/support.ts";
import { configFor } from "./fixtures.ts";
import { cleanUp } from "../store/support/temp.ts";

afterEach(cleanUp);

function attempt(channel: string, ts: number, outcome: DeliveryAttempt["outcome"], error: string | null = "HTTP 503: unavailable"): DeliveryAttempt {
  return { notificationId: 1, channel, ts, outcome, httpStatus: outcome === "delivered" ? 200 : 503, error: outcome === "delivered" ? null : error, latencyMs: 3, idempotencyKey: "k", fingerprint: "f", alertState: "firing", attempt: 1, status: outcome === "delivered" ? "delivered" : outcome === "failed" ? "dead" : "pending" };
}

/** The findings the stage adds to a tick at `time`. */
function findingsAt(stage: ReturnType<typeof createDeliveryFailingStage>, time: number): Finding[] {
  const t = tick(time, []);
  stage.run(t);
  return t.findings;
}

describe("the delivery_failing meta-alert", () => {
  test("a channel failing every attempt for 5 minutes becomes a critical finding naming it and its last error", () => {
    const events = new EventBus(new ManualClock(T0));
    const stage = createDeliveryFailingStage(events);
    events.publish({ type: "delivery", delivery: attempt("slack", T0 - 60_000, "delivered") });
    events.publish({ type: "delivery", delivery: attempt("slack", T0, "retry") });
    events.publish({ type: "delivery", delivery: attempt("pager", T0 + 1000, "delivered") });
    events.publish({ type: "delivery", delivery: attempt("slack", T0 + 120_000, "retry", "no answer from hooks.slack.com:443: ECONNREFUSED") });
    expect(findingsAt(stage, T0 + 299_000)).toEqual([]);
    const [f] = findingsAt(stage, T0 + 7 * 60_000);
    expect(f).toMatchObject({
      type: DELIVERY_FAILING,
      severity: "critical",
      labels: { channel: "slack" },
      message: "Alert channel slack has failed every delivery for 7m (2 attempts): no answer from hooks.slack.com:443: ECONNREFUSED",
      value: 420,
      threshold: 300,
    });
    stage.close?.();
  });

  test("the channel's next delivery ends it", () => {
    const events = new EventBus(new ManualClock(T0));
    const stage = createDeliveryFailingStage(events);
    events.publish({ type: "delivery", delivery: attempt("email", T0, "failed") });
    expect(findingsAt(stage, T0 + 600_000)).toHaveLength(1);
    events.publish({ type: "delivery", delivery: attempt("email", T0 + 610_000, "delivered") });
    expect(findingsAt(stage, T0 + 620_000)).toEqual([]);
  });

  test("the alert engine routes it to the other channels (and the failing one, which a types filter can exclude)", () => {
    const { store } = openStore();
    const config = configFor({
      for: 0,
      group_wait: 0,
      channels: [
        { name: "slack", type: "webhook", url: "http://127.0.0.1:1/slack" },
        { name: "pager", type: "webhook", url: "http://127.0.0.1:1/pager", severities: ["critical"] },
        { name: "tickets", type: "webhook", url: "http://127.0.0.1:1/tickets", types: ["cpu_high"] },
      ],
    });
    const { stage: alerts } = alertStage(store, config, { now: () => T0 + 600_000 });
    const events = new EventBus(new ManualClock(T0));
    const failing = createDeliveryFailingStage(events);
    events.publish({ type: "delivery", delivery: attempt("slack", T0, "retry") });
    const t = tick(T0 + 600_000, []);
    failing.run(t);
    alerts.run(t);
    const rows = store.db
      .query<{ channel: string; payload: string }, []>("SELECT channel, payload FROM notifications ORDER BY channel")
      .all()
      .map((r) => ({ channel: r.channel, alertname: (JSON.parse(r.payload) as { alerts: Array<{ labels: Record<string, string> }> }).alerts[0]!.labels.alertname }));
    expect(rows).toEqual([
      { channel: "pager", alertname: DELIVERY_FAILING },
      { channel: "slack", alertname: DELIVERY_FAILING },
    ]);
  });
});
