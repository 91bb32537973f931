import type { Clock } from "../clock.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import { type Collector, PartialCollection, type SnapshotPart } from "./collector.ts";
import type { Snapshot } from "../contracts/snapshot.ts";

export interface SnapshotterOptions {
  /** Longest an asynchronous collector may take, milliseconds; past it the tick goes on without it. */
  timeoutMs: number;
  metrics: SelfMetrics;
  /** Monotonic time for rates, durations and the time-out; wall time for the Snapshot's timestamp. */
  clock: Clock;
}

/** Runs every collector once and assembles one Snapshot. */
export interface Snapshotter {
  collect(): Promise<Snapshot>;
}

/**
 * Assembles a Snapshot from collectors. A collector that throws, or takes longer than the time-out,
 * costs only its own section: the reason goes to `errors` and to `aiops_collector_errors_total`, and
 * the others are kept (one bad file in /proc must not stop CPU from being collected). A collector
 * still busy from an earlier tick is not started again.
 */
export function createSnapshotter(collectors: readonly Collector[], options: SnapshotterOptions): Snapshotter {
  const { clock } = options;
  const errorsTotal = options.metrics.counter("aiops_collector_errors_total", "Collections that failed or timed out, by collector.");
  const duration = options.metrics.gauge("aiops_collector_duration_seconds", "Time the last collection took, by collector.");
  const success = options.metrics.gauge("aiops_collector_success", "Whether the last collection succeeded (1) or not (0), by collector.");
  const busy = new Set<string>();
  // Each collector's gauges, their label keys made once rather than on every tick.
  const gaugesOf = new Map(
    collectors.map((c) => [
      c,
      { ok: success.setter({ collector: c.name }), took: duration.setter({ collector: c.name }), errors: { collector: c.name } },
    ]),
  );

  async function run(collector: Collector, now: number): Promise<SnapshotPart> {
    if (busy.has(collector.name)) throw new Error("still running since an earlier tick");
    const result = collector.collect(now);
    if (!(result instanceof Promise)) return result;
    busy.add(collector.name);
    const done = result.finally(() => busy.delete(collector.name));
    let cancel = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = clock.setTimer(options.timeoutMs, () => reject(new Error(`timed out after ${options.timeoutMs} ms`)));
    });
    try {
      return await Promise.race([done, timeout]);
    } finally {
      cancel();
    }
  }

  return {
    async collect() {
      const snapshot: Snapshot = { timestamp: clock.wall().toISOString() };
      const errors: Record<string, string> = {};
      const now = clock.now();
      for (const collector of collectors) {
        const gauges = gaugesOf.get(collector)!;
        const started = clock.now();
        let part: SnapshotPart | undefined;
        try {
          part = await run(collector, now);
          gauges.ok(1);
        } catch (cause) {
          if (cause instanceof PartialCollection) part = cause.part;
          errors[collector.name] = describe(cause);
          errorsTotal.inc(gauges.errors);
          gauges.ok(0);
        }
        gauges.took((clock.now() - started) / 1000);
        if (part) Object.assign(snapshot, part);
      }
      if (Object.keys(errors).length > 0) snapshot.errors = errors;
      return snapshot;
    },
  };
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : "";
  return `${cause.message}${inner}`;
}
