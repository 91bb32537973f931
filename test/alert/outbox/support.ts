import { createAlertStage, type AlertStage } from "../../../src/alert/alert-stage.ts";
import type { DeliveryChannel } from "../../../src/alert/delivery-workers.ts";
import type { Notification, Notifier, NotifyResult } from "../../../src/alert/notifier.ts";
import { createOutbox, type Outbox } from "../../../src/alert/outbox.ts";
import type { TickContext } from "../../../src/contracts/tick.ts";
import type { Config } from "../../../src/config/schema.ts";
import type { Finding } from "../../../src/contracts/finding.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { createLogger, type Logger } from "../../../src/log.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { type Store, createStore } from "../../../src/store/store.ts";
import { afterThisTest, tempDir } from "../../store/support/temp.ts";
import { configFor } from "../fixtures.ts";
import { settle as letWorkRun, systemClock } from "../../../src/clock.ts";

/** 2026-01-10T08:00:00Z. */
export const T0 = Date.parse("2026-01-10T08:00:00Z");

/** A logger that keeps its lines for the test. */
export function quietLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { log: createLogger({ level: "debug", clock: systemClock, sink: { write: (l) => void lines.push(JSON.parse(l)) } }), lines };
}

/** An open store in a temporary directory, closed after the test (or at `dir` to reopen one). */
export function openStore(dir = tempDir("aiops-outbox-")): { store: Store; dir: string } {
  const { log } = quietLog();
  const config = configFor({});
  const store = createStore({ dataDir: dir, settings: config.store, log, metrics: new SelfMetrics(), clock: systemClock });
  store.open();
  afterThisTest(() => store.close());
  return { store, dir };
}

/** A tick carrying only findings, as the detection stage leaves it for the alert stage. */
export function tick(time: number, findings: Finding[]): TickContext {
  return { time, findings, startedFindings: [], samples: [], snapshot: {} as TickContext["snapshot"] };
}

/** The outbox and the alert stage over a store, without delivery workers. */
export function alertStage(store: Store, config: Config, over: { now?: () => number; onEnqueued?: () => void } = {}) {
  const events = new EventBus(systemClock);
  const metrics = new SelfMetrics();
  const outbox: Outbox = createOutbox({ store, events, ...(over.onEnqueued ? { onEnqueued: over.onEnqueued } : {}) });
  const stage: AlertStage = createAlertStage({ config, outbox, metrics, log: quietLog().log, now: over.now ?? (() => T0) });
  return { stage, outbox, events, metrics };
}

/** A notifier whose answers the test scripts: each send takes the next answer (the last repeats). */
export interface FakeNotifier extends Notifier {
  sent: Array<{ key: string; at: number; signal?: AbortSignal }>;
  closed: number;
}

export type Answer = NotifyResult | ((n: Notification, signal?: AbortSignal) => Promise<NotifyResult>);

export function fakeNotifier(name: string, answers: Answer[], now: () => number = Date.now): FakeNotifier {
  const sent: FakeNotifier["sent"] = [];
  const self: FakeNotifier = {
    name,
    type: "webhook",
    sent,
    closed: 0,
    async send(n, signal) {
      sent.push({ key: n.idempotencyKey, at: now(), ...(signal ? { signal } : {}) });
      const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
      return typeof answer === "function" ? answer(n, signal) : answer;
    },
    async close() {
      self.closed++;
    },
  };
  return self;
}

/** Channels of fake notifiers for the workers. */
export function channels(...notifiers: Notifier[]): Map<string, DeliveryChannel> {
  return new Map(notifiers.map((n) => [n.name, { notifier: n, timeoutMs: 1000 }]));
}

/** Time that moves only when told; timers fire as it passes them. */
export class ManualTime {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;
  constructor(public current: number = T0) {}
  now = (): number => this.current;
  setTimer = (ms: number, fn: () => void): (() => void) => {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  };
  /** The time the next timer fires, if any. */
  get nextTimer(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }
  /** Moves to `to`, firing each timer due on the way at its own time, letting the work it starts run. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = this.timers[0];
      if (!due || due.at > to) break;
      this.timers.shift();
      this.current = Math.max(this.current, due.at);
      due.fn();
      await settle();
    }
    this.current = Math.max(this.current, to);
    await settle();
  }
}

/**
 * Lets promises and microtasks run (a notifier's answer, the next claim) and the workers commit what
 * ended (they commit at most every 2 ms of real time).
 */
export async function settle(): Promise<void> {
  await letWorkRun();
  // The workers' commit gap is real time (delivery-workers.ts does not take the clock yet).
  await Bun.sleep(3);
  await letWorkRun();
}
