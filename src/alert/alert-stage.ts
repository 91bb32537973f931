import type { TickContext, TickStage } from "../contracts/tick.ts";
import type { Config } from "../config/schema.ts";
import { componentLogger, type Logger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import type { AlertState } from "../contracts/alert.ts";
import { type AlertEngine, createAlertEngine } from "./engine/alert-engine.ts";
import { type EngineOptions, engineOptionsOf } from "./engine/engine-options.ts";
import { type EngineState, stateFromParts } from "./engine/engine-state.ts";
import type { Outbox } from "./outbox.ts";
import type { SilenceInput, SilenceView } from "./silences.ts";

/** What the alert stage needs. */
export interface AlertStageOptions {
  config: Config;
  outbox: Outbox;
  metrics: SelfMetrics;
  /** The root logger; the stage logs as `aiops_agent.alert`. */
  log: Logger;
  /** Engine settings from a configuration (default `engineOptionsOf`; tests inject a hash). */
  optionsOf?: (config: Config) => EngineOptions;
  /** Wall clock, ms: the time of silences added through the API and of the restored state. */
  now: () => number;
  /** Runs on reload after the engine took the new configuration (the delivery workers' new channels). */
  onReload?: (config: Config) => void;
  /** Runs once at close, before the store closes (the delivery workers' stop). */
  onClose?: () => Promise<void>;
}

/** Why a silence could not be ended through the API. */
export type ExpireResult = "expired" | "unknown" | "configured";

/** The alert stage of the tick, and the engine behind it for the API. */
export interface AlertStage extends TickStage {
  /** The engine in use (replaced on reload, keeping its state). */
  readonly engine: AlertEngine;
  /** Adds a silence through the engine and saves it; throws SilenceError on a malformed one. */
  addSilence(input: SilenceInput): SilenceView;
  /** Ends a run-time silence and saves that; silences of the configuration are ended by editing it. */
  expireSilence(id: string): ExpireResult;
  /** Takes a new configuration: new engine options and channels, the engine's state kept. */
  reload(config: Config): void;
  /** Stops what `onClose` stops (the delivery workers); safe twice. */
  close(): Promise<void>;
}

const STATES: readonly AlertState[] = ["pending", "firing", "resolved"];

/**
 * Turns each tick's findings into alerts with the engine, then commits the changes, the notifications
 * and the engine's state in one transaction (the outbox). When the commit fails, the engine goes back
 * to the state committed last: the next tick produces the same notifications again, so none is lost
 * and none is announced without its row. At creation it resumes the state saved before a restart.
 */
export function createAlertStage(options: AlertStageOptions): AlertStage {
  const log = componentLogger(options.log, "alert");
  const optionsOf = options.optionsOf ?? engineOptionsOf;
  const { now } = options;
  let engineOptions = optionsOf(options.config);

  let restored: EngineState | undefined;
  try {
    restored = options.outbox.loadState(now() - engineOptions.flapWindowMs);
  } catch (cause) {
    log.error({ err: cause }, "The saved alert state cannot be read; alerting starts afresh");
  }
  let engine: AlertEngine;
  try {
    engine = createAlertEngine(engineOptions, restored);
  } catch (cause) {
    log.error({ err: cause }, "The saved alert state cannot be used; alerting starts afresh");
    restored = undefined;
    engine = createAlertEngine(engineOptions);
  }
  if (restored) log.info({ alerts: restored.alerts.length, silences: restored.silences.length - engine.rejectedSilences.length }, "Alert state restored");
  // A saved silence written before today's limits, or damaged, costs itself only: say which and why.
  if (engine.rejectedSilences.length > 0) {
    log.warning({ rejected: engine.rejectedSilences }, "Saved silences left out: they no longer pass the checks a new silence must pass; add them again if still needed");
  }
  /** The state the store holds, in parts: what the engine goes back to when a commit fails. */
  let committed: ReadonlyMap<string, string> = engine.exportStateParts();
  let closed = false;

  options.metrics.gauge("aiops_alerts", "Alerts the engine tracks, by state (pending, firing, resolved).", () => {
    const counts = new Map<AlertState, number>(STATES.map((s) => [s, 0]));
    for (const a of engine.alerts(new Date(now()))) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    return STATES.map((state) => ({ labels: { state }, value: counts.get(state) ?? 0 }));
  });

  /** Commits what the engine just did, or puts the engine back as it was committed. */
  const commit = (write: (state: ReadonlyMap<string, string>) => void) => {
    const state = engine.exportStateParts();
    try {
      write(state);
    } catch (cause) {
      engine = createAlertEngine(engineOptions, stateFromParts(committed));
      throw cause;
    }
    committed = state;
  };

  return {
    name: "alert",
    get engine() {
      return engine;
    },
    run(tick: TickContext): void {
      const at = new Date(tick.time);
      const result = engine.tick(at, tick.findings);
      commit((state) => options.outbox.record(tick.time, result, state));
      tick.alertChanges.push(...result.changes);
    },
    addSilence(input) {
      const at = now();
      const view = engine.addSilence(input, new Date(at));
      const silence = engine.exportState().silences.find((s) => s.id === view.id)!;
      commit((state) => options.outbox.saveSilence(silence, state, at));
      return view;
    },
    expireSilence(id) {
      const at = now();
      if (!engine.expireSilence(id, new Date(at))) {
        return engine.silences(new Date(at)).some((s) => s.id === id) ? "configured" : "unknown";
      }
      commit((state) => options.outbox.expireSilence(id, state, at));
      return "expired";
    },
    reload(config: Config): void {
      engineOptions = optionsOf(config);
      engine = createAlertEngine(engineOptions, engine.exportState());
      options.onReload?.(config);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await options.onClose?.();
    },
  };
}
