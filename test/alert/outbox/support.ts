import { createAlertStage, type AlertStage } from "../../../src/alert/alert-stage.ts";
import { createOutbox, type Outbox } from "../../../src/alert/outbox.ts";
import type { TickContext } from "../../../src/contracts/tick.ts";
import type { Config } from "../../../src/config/schema.ts";
import type { Finding } from "../../../src/contracts/finding.ts";
import { systemClock } from "../../../src/clock.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { createLogger, type Logger } from "../../../src/log.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { type Store, createStore } from "../../../src/store/store.ts";
import { afterThisTest, tempDir } from "../../store/support/temp.ts";
import { configFor } from "../fixtures.ts";

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
  return { time, findings, startedFindings: [], alertChanges: [], samples: [], snapshot: {} as TickContext["snapshot"] };
}

/** The outbox and the alert stage over a store, without delivery workers. */
export function alertStage(store: Store, config: Config, over: { now?: () => number; onEnqueued?: () => void } = {}) {
  const events = new EventBus(systemClock);
  const metrics = new SelfMetrics();
  const outbox: Outbox = createOutbox({ store, events, ...(over.onEnqueued ? { onEnqueued: over.onEnqueued } : {}) });
  const { log, lines } = quietLog();
  const stage: AlertStage = createAlertStage({ config, outbox, metrics, log, now: over.now ?? (() => T0) });
  return { stage, outbox, events, metrics, lines };
}
