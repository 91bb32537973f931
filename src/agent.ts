import type { Clock } from "./clock.ts";
import type { Collector } from "./collect/collector.ts";
import { createCollectors } from "./collect/collectors.ts";
import type { Inventory } from "./collect/inventory.ts";
import { createSeriesFlattener, type SeriesFlattener } from "./collect/series-flattener.ts";
import type { Labels } from "./contracts/sample.ts";
import type { Snapshot } from "./contracts/snapshot.ts";
import { createSnapshotter, type Snapshotter } from "./collect/snapshotter.ts";
import type { Config } from "./config/schema.ts";
import type { AgentHealth } from "./contracts/agent-health.ts";
import type { TickContext, TickStage } from "./contracts/tick.ts";
import { EventBus } from "./event-bus.ts";
import { type Logger, componentLogger } from "./log.ts";
import { SelfMetrics } from "./self-metrics.ts";

/** CPU time of this process so far, user and system, seconds (every thread: the kernel counts them all). */
function cpuSeconds(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
}

/** Longest a graceful stop waits for the tick in flight. */
export const STOP_TIMEOUT_MS = 5000;

export interface AgentOptions {
  config: Config;
  log: Logger;
  metrics?: SelfMetrics;
  events?: EventBus;
  /** Schedules the ticks, times them, bounds the stop; dates the snapshots. */
  clock: Clock;
  /** Defaults to the platform's collectors built from the configuration. */
  collectors?: (config: Config) => Collector[];
  stages?: TickStage[];
  inventory?: Inventory;
}

/**
 * The tick loop and lifecycle: collect on a drift-free schedule (tick k at start + k × interval; a tick
 * that overruns makes the loop skip the missed slots, never run two at once), feed the stages, publish
 * the snapshot; stop gracefully, finishing the tick in flight; reload without a restart.
 */
export class Agent {
  readonly metrics: SelfMetrics;
  readonly events: EventBus;
  readonly inventory?: Inventory;
  private config: Config;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly makeCollectors: (config: Config) => Collector[];
  private readonly stages: TickStage[];
  private snapshotter: Snapshotter;
  private readonly flattener: SeriesFlattener;
  private cancelTimer?: () => void;
  private nextAt = 0;
  private inFlight?: Promise<void>;
  private running = false;
  private stopped?: Promise<void>;
  private ticks = 0;
  private lastTickAt?: number;
  private startedAt?: number;
  private last?: Snapshot;
  private failing = new Map<string, string>();
  private readonly tickCounter;
  private readonly skipped;
  private readonly tickDuration;
  private readonly tickCpu;
  private readonly stageSeconds;
  private readonly stageCpuSeconds;
  private readonly stageErrors;
  /** Each part's two summaries, by part name, their label keys made once. */
  private readonly lapObservers = new Map<string, { seconds: (value: number) => void; cpuSeconds: (value: number) => void }>();

  constructor(options: AgentOptions) {
    this.config = options.config;
    this.log = componentLogger(options.log, "agent");
    this.metrics = options.metrics ?? new SelfMetrics();
    this.clock = options.clock;
    this.events = options.events ?? new EventBus(this.clock);
    this.stages = options.stages ?? [];
    if (options.inventory) this.inventory = options.inventory;
    this.makeCollectors =
      options.collectors ??
      ((config) =>
        createCollectors(config, { clock: this.clock, notice: (message) => this.log.info(message), warn: (message) => this.log.warning(message) }));
    this.snapshotter = this.buildSnapshotter();
    this.flattener = createSeriesFlattener({ limits: this.config.collect.max_series, metrics: this.metrics, log: componentLogger(options.log, "collect") });
    this.tickCounter = this.metrics.counter("aiops_ticks_total", "Collection ticks completed.");
    this.skipped = this.metrics.counter("aiops_ticks_skipped_total", "Scheduled ticks skipped because the one before was still running.");
    this.stageErrors = this.metrics.counter("aiops_stage_errors_total", "Tick stages that failed, by stage.");
    // Label-less counters start at 0, so a scrape shows them before the first event.
    this.tickCounter.inc({}, 0);
    this.skipped.inc({}, 0);
    this.tickDuration = this.metrics.histogram(
      "aiops_tick_duration_seconds",
      "Time from the start of a tick to its end: collection, every stage, publication.",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.tickCpu = this.metrics.histogram(
      "aiops_tick_cpu_seconds",
      "CPU time (user and system) the agent process spent during a tick, from its start to its end as aiops_tick_duration_seconds times it.",
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.stageSeconds = this.metrics.summary(
      "aiops_tick_stage_seconds",
      "Time each part of a tick took, by stage: collect, series (the samples of the snapshot), each tick stage by name, publish (to the event stream).",
    );
    this.stageCpuSeconds = this.metrics.summary(
      "aiops_tick_stage_cpu_seconds",
      "CPU time (user and system) of the agent process during each part of a tick, by stage, as aiops_tick_stage_seconds names them.",
    );
    this.metrics.gauge("aiops_interval_seconds", "Configured collection interval.", () => [
      { labels: {}, value: this.config.agent.interval },
    ]);
  }

  private buildSnapshotter(): Snapshotter {
    return createSnapshotter(this.makeCollectors(this.config), {
      timeoutMs: this.config.collect.timeout * 1000,
      metrics: this.metrics,
      clock: this.clock,
    });
  }

  /**
   * Starts the loop: a priming collection (rates need two readings), a first tick a short window later
   * (at most one interval), then one tick per interval.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.clock.now();
    await this.snapshotter.collect();
    const window = Math.min(this.intervalMs(), 1000);
    this.nextAt = this.clock.now() + window;
    this.arm();
    this.log.info({ interval_seconds: this.config.agent.interval, host_root: this.config.agent.host_root }, "Agent started");
  }

  private intervalMs(): number {
    return this.config.agent.interval * 1000;
  }

  private arm(): void {
    if (!this.running) return;
    this.cancelTimer = this.clock.setTimer(this.nextAt - this.clock.now(), () => void this.onTimer());
  }

  private async onTimer(): Promise<void> {
    if (!this.running) return;
    this.inFlight = this.tick().then(
      () => undefined,
      (cause) => this.log.error({ err: cause }, "Tick failed"),
    ).finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
    // Schedule from the planned time, not from when the tick ended: no drift.
    const interval = this.intervalMs();
    this.nextAt += interval;
    const now = this.clock.now();
    if (this.nextAt <= now) {
      const missed = Math.floor((now - this.nextAt) / interval) + 1;
      this.skipped.inc({}, missed);
      this.nextAt += missed * interval;
    }
    this.arm();
  }

  /** One tick: collect, flatten, run the stages, publish. Exposed for `collect --once` and tests. */
  async tick(): Promise<TickContext> {
    const lap = this.startLaps();
    const snapshot = await this.snapshotter.collect();
    this.noteCollectorErrors(snapshot.errors ?? {});
    lap("collect");
    const { samples, cap } = this.flattener.flatten(snapshot);
    if (cap) snapshot.series_cap = cap;
    const context: TickContext = { snapshot, samples, time: Date.parse(snapshot.timestamp), findings: [], startedFindings: [], alertChanges: [] };
    lap("series");
    for (const stage of this.stages) {
      try {
        await stage.run(context);
      } catch (cause) {
        this.stageErrors.inc({ stage: stage.name });
        this.log.error({ err: cause, stage: stage.name }, `Tick stage ${stage.name} failed; the tick goes on`);
      }
      lap(stage.name);
    }
    this.last = snapshot;
    this.ticks++;
    this.lastTickAt = this.clock.now();
    this.tickCounter.inc();
    this.events.publish({ type: "snapshot", snapshot });
    for (const finding of context.startedFindings) this.events.publish({ type: "finding", finding });
    if (this.ticks === 1) this.log.info({ series: context.samples.length }, "Metrics collected successfully");
    else this.log.debug({ series: context.samples.length, findings: context.findings.length }, "Metrics collected successfully");
    const total = lap("publish");
    this.tickDuration.observe(total.seconds);
    this.tickCpu.observe(total.cpuSeconds);
    return context;
  }

  /**
   * Times the parts of one tick: each call ends the part begun by the one before (or by the tick's
   * start), records its clock time and the process's CPU time, and returns the tick's totals so far.
   * A CPU reading is one getrusage(2), about 2 µs of CPU here: some 25 µs a tick for a dozen parts.
   */
  private startLaps(): (stage: string) => { seconds: number; cpuSeconds: number } {
    const started = this.clock.now();
    const cpuStarted = cpuSeconds();
    let at = started;
    let cpuAt = cpuStarted;
    return (stage) => {
      const now = this.clock.now();
      const cpu = cpuSeconds();
      let observe = this.lapObservers.get(stage);
      if (!observe) {
        observe = { seconds: this.stageSeconds.observer({ stage }), cpuSeconds: this.stageCpuSeconds.observer({ stage }) };
        this.lapObservers.set(stage, observe);
      }
      observe.seconds((now - at) / 1000);
      observe.cpuSeconds(cpu - cpuAt);
      at = now;
      cpuAt = cpu;
      return { seconds: (now - started) / 1000, cpuSeconds: cpu - cpuStarted };
    };
  }

  /** Logs a collector's failure when it starts and when it ends, not on every tick. */
  private noteCollectorErrors(errors: Record<string, string>): void {
    for (const [name, reason] of Object.entries(errors)) {
      if (this.failing.get(name) !== reason) this.log.warning({ collector: name, reason }, `Collector ${name} failed; the others go on`);
    }
    for (const name of this.failing.keys()) {
      if (!(name in errors)) this.log.info({ collector: name }, `Collector ${name} recovered`);
    }
    this.failing = new Map(Object.entries(errors));
  }

  /** Stops the loop, waits for the tick in flight (at most 5 s), closes the stages. Safe twice, and before start. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.running = false;
      this.cancelTimer?.();
      if (this.inFlight) {
        let cancel = () => {};
        const gaveUp = await Promise.race([
          this.inFlight.then(() => false),
          new Promise<boolean>((resolve) => {
            cancel = this.clock.setTimer(STOP_TIMEOUT_MS, () => resolve(true));
          }),
        ]);
        cancel();
        if (gaveUp) this.log.warning(`The tick in flight did not finish within ${STOP_TIMEOUT_MS} ms; stopping anyway`);
      }
      for (const stage of [...this.stages].reverse()) {
        try {
          await stage.close?.();
        } catch (cause) {
          this.log.error({ err: cause, stage: stage.name }, `Closing ${stage.name} failed`);
        }
      }
      this.log.info({ ticks: this.ticks }, "Agent stopped");
    })();
    return this.stopped;
  }

  /**
   * Takes a new configuration. Collectors are rebuilt only when their settings changed (they then need
   * one tick to take a new baseline for rates); a new interval applies from now.
   */
  reload(config: Config): void {
    const intervalChanged = config.agent.interval !== this.config.agent.interval;
    const collectionChanged =
      config.agent.host_root !== this.config.agent.host_root || JSON.stringify(config.collect) !== JSON.stringify(this.config.collect);
    this.config = config;
    if (collectionChanged) this.snapshotter = this.buildSnapshotter();
    this.flattener.setLimits(config.collect.max_series);
    for (const stage of this.stages) {
      try {
        stage.reload?.(config);
      } catch (cause) {
        this.log.error({ err: cause, stage: stage.name }, `Stage ${stage.name} could not take the new configuration`);
      }
    }
    if (intervalChanged && this.running) {
      this.cancelTimer?.();
      this.nextAt = this.clock.now() + this.intervalMs();
      this.arm();
    }
  }

  get currentConfig(): Config {
    return this.config;
  }

  /**
   * Which series `/metrics` and the exporters show: undefined while `collect.max_series` leaves none
   * out, otherwise the same choice the tick made.
   */
  seriesFilter(): ((metric: string, labels: Labels) => boolean) | undefined {
    return this.flattener.filter();
  }

  /** The last snapshot of a completed tick. */
  latest(): Snapshot | undefined {
    return this.last;
  }

  health(): AgentHealth {
    const reasons: string[] = [];
    const now = this.clock.now();
    // Judged from the last tick, or from the start while the first is still to come.
    const since = this.lastTickAt ?? this.startedAt ?? now;
    const live = now - since <= 3 * this.intervalMs() + 1000;
    if (!live) reasons.push(`no tick for ${Math.round((now - since) / 1000)} s (interval ${this.config.agent.interval} s)`);
    if (this.ticks === 0) reasons.push("first collection not done yet");
    for (const stage of this.stages) {
      const problem = stage.problem?.();
      if (problem) reasons.push(`${stage.name}: ${problem}`);
    }
    return {
      live,
      ready: this.ticks > 0,
      reasons,
      ticks: this.ticks,
      ...(this.lastTickAt !== undefined ? { lastTickAt: this.lastTickAt } : {}),
    };
  }
}
