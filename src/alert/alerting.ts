import type { Config } from "../config/schema.ts";
import type { EventBus } from "../events.ts";
import { componentLogger, type Logger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import type { ApiRoute } from "../server/api.ts";
import type { Store } from "../store/store.ts";
import { createAlertRoutes } from "./alert-routes.ts";
import { type AlertStage, createAlertStage } from "./alert-stage.ts";
import { type NotifierDeps, createNotifiers } from "./create-notifiers.ts";
import { createDeliveryWorkers, type DeliveryWorkers, deliveryChannelsOf, deliverySettingsOf } from "./delivery-workers.ts";
import { createOutbox } from "./outbox.ts";

/** Everything alerting adds to the agent: a tick stage, its delivery workers and its API routes. */
export interface Alerting {
  /** Runs after detection; its close stops the workers (before the history stage closes the store). */
  stage: AlertStage;
  workers: DeliveryWorkers;
  routes: ApiRoute[];
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
  now?: () => number;
  random?: () => number;
  notifierDeps?: NotifierDeps;
}

/**
 * Wires alerting: the notifiers of the configuration, the outbox over the store, the engine (resumed
 * from the store), the delivery workers and the routes. A reload (the stage's) rebuilds the engine
 * options and the notifiers from the new configuration and keeps the engine's state. Throws, naming
 * the key, when a channel cannot be built (an unreadable `ca_file`).
 */
export function createAlerting(config: Config, deps: AlertingDeps): Alerting {
  const log = componentLogger(deps.log, "alert");
  const now = deps.now ?? Date.now;
  const workers = createDeliveryWorkers({
    store: deps.store,
    channels: deliveryChannelsOf(config, createNotifiers(config, deps.notifierDeps ?? {})),
    settings: deliverySettingsOf(config),
    metrics: deps.metrics,
    log: deps.log,
    events: deps.events,
    now,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const outbox = createOutbox({ store: deps.store, events: deps.events, onEnqueued: () => workers.wake() });
  const stage = createAlertStage({
    config,
    outbox,
    metrics: deps.metrics,
    log: deps.log,
    now,
    onReload(next) {
      let notifiers;
      try {
        notifiers = createNotifiers(next, deps.notifierDeps ?? {});
      } catch (cause) {
        log.error({ err: cause }, "Alert channels not reloaded: the running ones are kept");
        return;
      }
      workers.reload(deliveryChannelsOf(next, notifiers), deliverySettingsOf(next));
    },
    onClose: () => workers.stop(),
  });
  return { stage, workers, routes: createAlertRoutes({ store: deps.store, stage, now }), start: () => workers.start() };
}
