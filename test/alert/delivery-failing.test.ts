import { afterEach, describe, expect, test } from "bun:test";
import { type Alerting, createAlerting } from "../../src/alert/alerting.ts";
import { createDeliveryFailingWatch, DELIVERY_FAILING, type DeliveryFailingWatch } from "../../src/alert/delivery-failing.ts";
import { createSelfFindingsStage } from "../../src/detect/self-findings-stage.ts";
import { ManualClock } from "../../src/clock.ts";
import type { Config } from "../../src/config/schema.ts";
import type { DeliveryAttempt } from "../../src/contracts/delivery.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import { EventBus } from "../../src/event-bus.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { listDeliveryAttempts } from "../../src/store/delivery-attempts.ts";
import type { Store } from "../../src/store/store.ts";
import { waitFor } from "../support/ports.ts";
import { cleanUp } from "../store/support/temp.ts";
import { configFor, finding } from "./fixtures.ts";
import { type Receiver, startReceiver } from "./outbox/receiver.ts";
import { alertStage, openStore, quietLog, T0, tick } from "./outbox/support.ts";

const running: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
  cleanUp();
});

const hook = (name: string, over: Record<string, unknown> = {}) => ({ name, type: "webhook", url: `http://127.0.0.1:1/${name}`, ...over });
const threeChannels = configFor({ channels: [hook("slack"), hook("pager"), hook("email")] });

function attempt(channel: string, ts: number, outcome: DeliveryAttempt["outcome"], error: string | null = "HTTP 503: unavailable"): DeliveryAttempt {
  return { notificationId: 1, channel, ts, outcome, httpStatus: outcome === "delivered" ? 200 : 503, error: outcome === "delivered" ? null : error, latencyMs: 3, idempotencyKey: "k", fingerprint: "f", alertState: "firing", attempt: 1, status: outcome === "delivered" ? "delivered" : outcome === "failed" ? "dead" : "pending" };
}

/** The watch over an empty store, following `events`, in the self-findings stage as the agent runs it. */
function stageOn(events: EventBus, config: Config = threeChannels, store = openStore().store) {
  const watch: DeliveryFailingWatch = createDeliveryFailingWatch({ events, config, store, log: quietLog().log });
  const stage = Object.assign(createSelfFindingsStage([watch]), { failing: () => watch.failing() });
  running.push(() => stage.close?.());
  return stage;
}

/** The findings the stage adds to a tick at `time`. */
function findingsAt(stage: ReturnType<typeof stageOn>, time: number): Finding[] {
  const t = tick(time, []);
  stage.run(t);
  return t.findings;
}

describe("the delivery_failing meta-alert", () => {
  test("a channel failing every attempt for 5 minutes becomes a critical finding naming it and its last error", () => {
    const events = new EventBus(new ManualClock(T0));
    const stage = stageOn(events);
    events.publish({ type: "delivery", delivery: attempt("slack", T0 - 60_000, "delivered") });
    events.publish({ type: "delivery", delivery: attempt("slack", T0, "retry") });
    events.publish({ type: "delivery", delivery: attempt("pager", T0 + 1000, "delivered") });
    events.publish({ type: "delivery", delivery: attempt("slack", T0 + 120_000, "retry", "no answer from hooks.slack.com:443: ECONNREFUSED") });
    expect(findingsAt(stage, T0 + 299_000)).toEqual([]);
    const [f, ...more] = findingsAt(stage, T0 + 7 * 60_000);
    expect(more).toEqual([]);
    expect(f).toMatchObject({
      type: DELIVERY_FAILING,
      severity: "critical",
      labels: { channel: "slack" },
      message: "Alert channel slack has failed every delivery for 7m (2 attempts): no answer from hooks.slack.com:443: ECONNREFUSED",
      value: 420,
      threshold: 300,
    });
  });

  test("the channel's next delivery ends it", () => {
    const events = new EventBus(new ManualClock(T0));
    const stage = stageOn(events);
    events.publish({ type: "delivery", delivery: attempt("email", T0, "failed") });
    expect(findingsAt(stage, T0 + 600_000)).toHaveLength(1);
    events.publish({ type: "delivery", delivery: attempt("email", T0 + 610_000, "delivered") });
    expect(findingsAt(stage, T0 + 620_000)).toEqual([]);
  });

  test("a channel removed from the configuration is forgotten: it will deliver nothing more that could end the alert", () => {
    const events = new EventBus(new ManualClock(T0));
    const stage = stageOn(events);
    events.publish({ type: "delivery", delivery: attempt("email", T0, "failed") });
    events.publish({ type: "delivery", delivery: attempt("slack", T0, "retry") });
    stage.reload?.(configFor({ channels: [hook("slack"), hook("pager")] }));
    expect(findingsAt(stage, T0 + 600_000).map((f) => f.labels.channel)).toEqual(["slack"]);
    // Attempts of the removed channel still recorded (its queue draining) are not followed either.
    events.publish({ type: "delivery", delivery: attempt("email", T0 + 1000, "retry") });
    expect([...stage.failing().keys()]).toEqual(["slack"]);
  });

  test("the alert engine routes it to the other channels that take it, never to the failing one", () => {
    const { store } = openStore();
    const config = configFor({
      for: 0,
      group_wait: 0,
      channels: [
        hook("slack"),
        hook("pager", { severities: ["critical"] }),
        hook("tickets", { types: ["cpu_high"] }),
        hook("email"),
      ],
    });
    const { stage: alerts } = alertStage(store, config, { now: () => T0 + 600_000 });
    running.push(() => alerts.close?.());
    const events = new EventBus(new ManualClock(T0));
    const failing = stageOn(events, config, store);
    events.publish({ type: "delivery", delivery: attempt("slack", T0, "retry") });
    const t = tick(T0 + 600_000, []);
    failing.run(t);
    alerts.run(t);
    const rows = store.db
      .query<{ channel: string; payload: string }, []>("SELECT channel, payload FROM notifications ORDER BY channel")
      .all()
      .map((r) => {
        const alert = (JSON.parse(r.payload) as { alerts: Array<{ labels: Record<string, string> }> }).alerts[0]!;
        return { channel: r.channel, alertname: alert.labels.alertname, about: alert.labels.channel };
      });
    expect(rows).toEqual([
      { channel: "email", alertname: DELIVERY_FAILING, about: "slack" },
      { channel: "pager", alertname: DELIVERY_FAILING, about: "slack" },
    ]);
  });
});

describe("delivery_failing through real delivery, and across a restart", () => {
  /**
   * The real pipeline on a manual clock: engine, outbox, workers and webhook notifiers to two real
   * receivers, `slack` answering 503 and `pager` 200, with retries at most a minute apart.
   */
  async function pipeline(store: Store, receivers: Record<string, Receiver>) {
    const config = configFor({
      for: 0,
      group_wait: 0,
      delivery: { backoff_base: "10s", backoff_max: "60s" },
      channels: Object.entries(receivers).map(([name, r]) => ({ name, type: "webhook", url: r.url, secret: "receiver-secret-0123", timeout: 2 })),
    });
    const clock = new ManualClock(T0);
    const events = new EventBus(clock);
    const watch = createDeliveryFailingWatch({ events, config, store, log: quietLog().log });
    const failing = Object.assign(createSelfFindingsStage([watch]), { failing: () => watch.failing() });
    const alerting: Alerting = await createAlerting(config, { store, metrics: new SelfMetrics(), events, log: quietLog().log, clock });
    alerting.start();
    const stop = async () => {
      failing.close?.();
      await alerting.stage.close();
    };
    running.push(stop);
    /** One tick at the clock's time through the stage and the alert stage, as the agent runs them. */
    const runTick = (findings: Finding[]) => {
      const t = tick(clock.wallMs(), [...findings]);
      failing.run(t);
      alerting.stage.run(t);
      return t.findings;
    };
    return { config, clock, failing, runTick, stop };
  }

  const alertnames = (r: Receiver) => r.arrivals.map((a) => (a.body.labels as Record<string, string>).alertname);
  const slackAttempts = (store: Store) => store.read((db) => listDeliveryAttempts(db, { channel: "slack", limit: 1000 }).items);

  test("a receiver failing for 5 minutes: the other channel hears delivery_failing, the failing one never; a restart keeps the state from the attempt log", async () => {
    const slack = startReceiver("receiver-secret-0123");
    const pager = startReceiver("receiver-secret-0123");
    running.push(() => slack.stop(), () => pager.stop());
    slack.plan(() => ({ status: 503 }));
    const { store, dir } = openStore();
    const run = await pipeline(store, { slack, pager });
    const cpu = finding({ severity: "critical" });

    run.runTick([cpu]);
    await waitFor("pager took cpu_high and slack refused it", () => alertnames(pager).includes("cpu_high") && slack.arrivals.length > 0);
    const firstFailure = slackAttempts(store).at(-1)!.ts;
    // Ticks every 10 s for 6 minutes of clock time: slack's retries keep failing.
    for (let s = 10; s <= 360; s += 10) {
      await run.clock.advance(10_000);
      run.runTick([cpu]);
    }
    await waitFor("pager took delivery_failing", () => alertnames(pager).includes(DELIVERY_FAILING));
    expect(alertnames(slack).every((name) => name === "cpu_high")).toBe(true);
    const told = pager.arrivals.find((a) => (a.body.labels as Record<string, string>).alertname === DELIVERY_FAILING)!;
    expect(told.body.labels).toMatchObject({ channel: "slack", severity: "critical" });
    const before = run.failing.failing().get("slack")!;
    expect(before.since).toBe(firstFailure);
    expect(before.attempts).toBe(slackAttempts(store).length);

    // Restart: a new stage over the same store, reopened from disk, knows slack has failed since its
    // first failure, and raises the finding on its first tick (the firing alert continues, not resolved).
    await run.stop();
    store.close();
    const { store: reopened } = openStore(dir);
    const stage = stageOn(new EventBus(run.clock), run.config, reopened);
    expect(stage.failing().get("slack")).toEqual(before);
    const [f] = findingsAt(stage, run.clock.wallMs());
    expect(f).toMatchObject({ type: DELIVERY_FAILING, labels: { channel: "slack" } });
    expect(f!.message).toStartWith(`Alert channel slack has failed every delivery for 6m (${before.attempts} attempts): HTTP 503`);
    expect(stage.failing().has("pager")).toBe(false);
  });
});
