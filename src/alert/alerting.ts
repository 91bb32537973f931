import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { EventBus } from "../event-bus.ts";
import { componentLogger, type Logger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import type { Store } from "../store/store.ts";
import { type AlertStage, createAlertStage } from "./alert-stage.ts";
import { channelsOf } from "../config/resolved-channels.ts";
import type { NotifierDeps } from "./create-notifiers.ts";
import { deliveryChannelsOf } from "./delivery/delivery-channels.ts";
import { deliverySettingsOf } from "./delivery/delivery-settings.ts";
import { createDeliveryWorkers, type DeliveryWorkers } from "./delivery/delivery-workers.ts";
import type { Notifier } from "./notifier.ts";
import { type OutboxOptions, createOutbox } from "./outbox.ts";

/** Everything alerting adds to the agent: a tick stage and its delivery workers. */
export interface Alerting {
  /** Runs after detection; its close stops the workers (before the history stage closes the store). */
  stage: AlertStage;
  workers: DeliveryWorkers;
  /** Starts the delivery workers: rows left pending by the last run (even a kill -9) go out now. */
  start(): void;
}

/** What alerting needs from the agent. */
export interface AlertingDeps {
  /** An open store. */
  store: Store;
  metrics: SelfMetrics;
  events: EventBus;
  /** The root logger. */
  log: Logger;
  /** Wall time of alerts and silences, the delivery workers' timers and times, the notifiers' time-outs. */
  clock: Clock;
  random?: () => number;
  /** Replaces the notifiers' HTTP client or file reading (tests); the clock is the one above. */
  notifierDeps?: Omit<NotifierDeps, "clock">;
  /** Adds what other parts know of an alert to each notice queued (what remediation tried). */
  annotate?: OutboxOptions["annotate"];
}

/**
 * The notifiers of a configuration. The channel libraries (undici, nodemailer) are loaded only when a
 * channel is configured: an agent that alerts nobody never holds them in memory.
 */
async function notifiersOf(config: Config, deps: NotifierDeps): Promise<Map<string, Notifier>> {
  if (channelsOf(config).length === 0) return new Map();
  const { createNotifiers } = await import("./create-notifiers.ts");
  return createNotifiers(config, deps);
}

/**
 * Wires alerting: the notifiers of the configuration, the outbox over the store, the engine (resumed
 * from the store) and the delivery workers. A reload (the stage's) rebuilds the engine
 * options and the notifiers from the new configuration and keeps the engine's state. Rejects, naming
 * the key, when a channel cannot be built (an unreadable `ca_file`).
 */
export async function createAlerting(config: Config, deps: AlertingDeps): Promise<Alerting> {
  const log = componentLogger(deps.log, "alert");
  const { clock } = deps;
  const notifierDeps: NotifierDeps = { ...deps.notifierDeps, clock };
  const workers = createDeliveryWorkers({
    store: deps.store,
    channels: deliveryChannelsOf(config, await notifiersOf(config, notifierDeps)),
    settings: deliverySettingsOf(config),
    metrics: deps.metrics,
    log: deps.log,
    events: deps.events,
    clock,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const outbox = createOutbox({ store: deps.store, events: deps.events, onEnqueued: () => workers.wake(), ...(deps.annotate ? { annotate: deps.annotate } : {}) });
  const stage = createAlertStage({
    config,
    outbox,
    metrics: deps.metrics,
    log: deps.log,
    now: () => clock.wallMs(),
    onReload(next) {
      notifiersOf(next, notifierDeps).then(
        (notifiers) => workers.reload(deliveryChannelsOf(next, notifiers), deliverySettingsOf(next)),
        (cause: unknown) => log.error({ err: cause }, "Alert channels not reloaded: the running ones are kept"),
      );
    },
    onClose: () => workers.stop(),
  });
  return { stage, workers, start: () => workers.start() };
}
