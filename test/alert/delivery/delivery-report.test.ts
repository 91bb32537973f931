import { systemClock } from "../../../src/clock.ts";
import { describe, expect, test } from "bun:test";
import { CANCELLED_BY_STOP } from "../../../src/alert/delivery/attempt.ts";
import { createDeliveryReport } from "../../../src/alert/delivery/delivery-report.ts";
import { createLane } from "../../../src/alert/delivery/lane.ts";
import { createOutboxMetrics } from "../../../src/alert/delivery/outbox-metrics.ts";
import type { EndedAttempt } from "../../../src/alert/delivery/recorder.ts";
import { delivered, failed, type NotifyResult } from "../../../src/alert/notifier.ts";
import type { DeliveryAttempt } from "../../../src/contracts/delivery.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import type { NotificationRecord } from "../../../src/store/notifications.ts";
import { notification } from "../fixtures.ts";
import { T0, quietLog } from "../outbox/support.ts";
import { channels, fakeNotifier } from "./support.ts";

const row = { id: 7, idempotencyKey: "k7", alertFingerprint: "cpu", alertState: "firing", attempts: 0, createdAt: T0, payload: notification({ idempotencyKey: "k7" }) } as NotificationRecord;

function ended(lane: EndedAttempt["lane"], result: NotifyResult, outcome: EndedAttempt["outcome"]): EndedAttempt {
  const changes = outcome === "retry" ? { attempts: 1, nextAttemptAt: T0 + 900, lastError: "x", updatedAt: T0 } : { status: outcome === "delivered" ? ("delivered" as const) : ("dead" as const), attempts: 1, updatedAt: T0 };
  return {
    lane,
    row,
    result,
    outcome,
    changes,
    attempt: { notificationId: 7, channel: lane.name, ts: T0, outcome, httpStatus: result.status ?? null, error: result.delivered ? null : result.error, latencyMs: 120 },
  };
}

function setup() {
  const metrics = new SelfMetrics();
  const { log, lines } = quietLog();
  const events = new EventBus(systemClock);
  const seen: DeliveryAttempt[] = [];
  events.subscribe((e) => e.type === "delivery" && seen.push(e.delivery));
  const report = createDeliveryReport(createOutboxMetrics(metrics), log, events);
  const lane = createLane("hook", channels(fakeNotifier("hook", [delivered(200)])).get("hook")!);
  const value = (name: string, labels: Record<string, string>) =>
    metrics.all().find((f) => f.name === name)?.samples().find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
  return { report, lane, lines, seen, value, metricsOf: metrics, messages: () => lines.map((l) => l.message) };
}

describe("delivery report", () => {
  test("a delivery is counted, timed and published with the alert's name and summary", () => {
    const { report, lane, seen, value, metricsOf } = setup();
    report.report(ended(lane, delivered(200), "delivered"));
    expect(value("aiops_notifications_sent_total", { channel: "hook" })).toBe(1);
    const duration = metricsOf.all().find((f) => f.name === "aiops_delivery_duration_seconds")!.samples();
    expect(duration.find((s) => s.suffix === "_count")?.value).toBe(1);
    expect(duration.find((s) => s.suffix === "_sum")?.value).toBe(0.12);
    expect(seen).toEqual([
      {
        notificationId: 7,
        channel: "hook",
        ts: T0,
        outcome: "delivered",
        httpStatus: 200,
        error: null,
        latencyMs: 120,
        idempotencyKey: "k7",
        fingerprint: "cpu",
        alertState: "firing",
        alertname: "cpu_high",
        summary: "High CPU usage: 85.50%",
        attempt: 1,
        status: "delivered",
      },
    ]);
  });

  test("a channel that starts failing is said once, not per retry, and once again when it delivers", () => {
    const { report, lane, seen, value, messages } = setup();
    report.report(ended(lane, failed("HTTP 503", true, 503), "retry"));
    report.report(ended(lane, failed("HTTP 503", true, 503), "retry"));
    expect(messages()).toEqual(["Channel hook fails; retrying with backoff"]);
    expect(value("aiops_notifications_failed_total", { channel: "hook", reason: "server_error" })).toBe(2);
    expect(value("aiops_notifications_retried_total", { channel: "hook" })).toBe(2);
    expect(seen.map((d) => [d.status, d.nextAttemptAt])).toEqual([
      ["pending", T0 + 900],
      ["pending", T0 + 900],
    ]);
    report.report(ended(lane, delivered(200), "delivered"));
    expect(messages()).toEqual(["Channel hook fails; retrying with backoff", "Channel hook delivers again"]);
  });

  test("a notification given up is counted and logged with its key and the receiver's reason", () => {
    const { report, lane, lines, value } = setup();
    report.report(ended(lane, failed("HTTP 400: bad payload", false, 400), "failed"));
    expect(value("aiops_notifications_dead_lettered_total", { channel: "hook" })).toBe(1);
    expect(value("aiops_notifications_failed_total", { channel: "hook", reason: "rejected" })).toBe(1);
    expect(lines.find((l) => l.message === "Gave up delivering a notification to hook")).toMatchObject({ idempotency_key: "k7", fingerprint: "cpu", attempts: 1, error: "HTTP 400: bad payload" });
  });

  test("an attempt cut short by a stop is counted as cancelled but does not call the channel failing", () => {
    const { report, lane, value, messages } = setup();
    report.report(ended(lane, failed(CANCELLED_BY_STOP, true), "retry"));
    expect(value("aiops_notifications_failed_total", { channel: "hook", reason: "cancelled" })).toBe(1);
    expect(messages()).toEqual([]);
    expect(lane.failing).toBe(false);
  });
});
