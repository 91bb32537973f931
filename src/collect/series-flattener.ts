import type { Labels, Sample } from "../contracts/sample.ts";
import type { SeriesCapSection, Snapshot } from "../contracts/snapshot.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import { SERIES, type SeriesEmit } from "./series.ts";
import { type SeriesCandidate, SeriesBudget, type SeriesLimits } from "./series-budget.ts";
import { type SeriesId, SeriesKeys } from "./series-keys.ts";

/** What one Snapshot flattens to: the samples kept, and what `collect.max_series` left out (absent when nothing). */
export interface Flattened {
  samples: Sample[];
  cap?: SeriesCapSection;
}

export interface SeriesFlattenerOptions {
  limits: SeriesLimits;
  metrics?: SelfMetrics;
  /** Told once when a collector's series start being left out, and once when they are all kept again. */
  log?: { warning(fields: object, message: string): void; info(fields: object, message: string): void };
}

/** Turns Snapshots into Samples, tick after tick, with each series' key built once and the number of series bounded. */
export interface SeriesFlattener {
  flatten(snapshot: Snapshot): Flattened;
  /**
   * Whether `/metrics` and the exporters show a series: undefined while nothing is left out (keep all),
   * otherwise a test that agrees with the last `flatten`.
   */
  filter(): ((metric: string, labels: Labels) => boolean) | undefined;
  setLimits(limits: SeriesLimits): void;
}

/** A series unseen for this many passes is forgotten (its place freed); looked for every `SWEEP_EVERY` passes. */
const FORGET_AFTER_PASSES = 60;
const SWEEP_EVERY = 10;

const TABLE_LABELS = new Map(SERIES.map((d) => [d.metric, d.labels]));
/** Where each collector first appears in the Series table: collectors earlier in it are served first. */
const COLLECTOR_RANK = new Map<string, number>();
for (const def of SERIES) if (!COLLECTOR_RANK.has(def.collector)) COLLECTOR_RANK.set(def.collector, COLLECTOR_RANK.size);
const EXTERNAL_SOURCES = [
  ["textfile", (s: Snapshot) => s.textfile?.families ?? []],
  ["plugins", (s: Snapshot) => s.plugins?.families ?? []],
] as const;
for (const [name] of EXTERNAL_SOURCES) if (!COLLECTOR_RANK.has(name)) COLLECTOR_RANK.set(name, COLLECTOR_RANK.size);

/**
 * Creates the flattener the agent keeps for its life. Samples come in the Series table's order, then
 * the textfile and plugin series (levels only: gauges and untyped; a series given by both sources is
 * kept once). Every series is interned (`SeriesKeys`): its key and labels object are the same each
 * tick. New series are placed by `SeriesBudget` under `collect.max_series`; what is left out is counted
 * in `aiops_collect_series_dropped`, told in the log once per episode, and reported in the Snapshot's
 * `series_cap` (the API and the TUI show it).
 */
export function createSeriesFlattener(options: SeriesFlattenerOptions): SeriesFlattener {
  const keys = new SeriesKeys();
  // Textfile and plugin series apart: their names are free, and must not meet the table's lookup paths.
  const outside = new SeriesKeys();
  const budget = new SeriesBudget(options.limits);
  let lastSweep = 0;
  let dropped = new Map<string, number>();
  const seenCollectors = new Set<string>();
  const capped = new Set<string>();

  options.metrics?.gauge("aiops_collect_series", "Series kept at the last tick, by collector.", () =>
    [...seenCollectors].map((collector) => ({ labels: { collector }, value: budget.keptBy(collector) })),
  );
  options.metrics?.gauge(
    "aiops_collect_series_dropped",
    "Series left out at the last tick because collect.max_series was reached, by collector (0: none).",
    () => [...seenCollectors].map((collector) => ({ labels: { collector }, value: dropped.get(collector) ?? 0 })),
  );

  /** Series met this tick that had no place yet, with their sample: `budget.admit` places them at the end of the tick. */
  let fresh: Array<SeriesCandidate & { sample: Sample }> = [];
  let samples: Sample[] = [];
  const collectorsNow = new Set<string>();

  /** Adds a series' sample to the tick, or counts it left out. */
  const take = (id: SeriesId, value: number, collector: string, core: boolean, external: boolean) => {
    const place = id.place;
    if (place === false) {
      dropped.set(collector, (dropped.get(collector) ?? 0) + 1);
      return;
    }
    const sample: Sample = { metric: id.metric, labels: id.labels, value, key: id.key };
    if (external) sample.external = true;
    samples.push(sample);
    if (place === undefined) fresh.push({ id, collector, core, rank: COLLECTOR_RANK.get(collector) ?? COLLECTOR_RANK.size, sample });
  };

  /**
   * One reader per definition of the Series table, made once: it remembers which series came at each
   * place of its list last tick, so that a series in the same place as before (nearly all of them,
   * tick after tick) is known by comparing its label values, without a lookup or an allocation.
   */
  const readers = SERIES.map((def) => {
    if (def.labels.length > 3) throw new Error(`${def.metric}: the Series table gives at most three labels, not ${def.labels.length}`);
    const last: SeriesId[] = [];
    let count = 0;
    const emit: SeriesEmit = (value, a, b, c) => {
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      let id = last[count];
      if (id === undefined || id.values[0] !== a || id.values[1] !== b || id.values[2] !== c) {
        id = keys.internValues(def.metric, def.labels, a, b, c);
        last[count] = id;
      } else {
        id.seen = keys.pass;
      }
      count++;
      // Left out: counted here, and told to the others once per definition and tick.
      if (id.place === false) {
        left++;
        return;
      }
      // Whether it is core matters only to a series waiting for its place.
      const core = id.place === undefined && (def.labels.length === 0 || (def.core?.(id.labels) ?? false));
      take(id, value, def.collector, core, false);
    };
    let left = 0;
    return {
      read(snapshot: Snapshot): void {
        count = 0;
        left = 0;
        def.each(snapshot, emit);
        last.length = count;
        if (count > 0) collectorsNow.add(def.collector);
        if (left > 0) dropped.set(def.collector, (dropped.get(def.collector) ?? 0) + left);
      },
    };
  });

  function flatten(snapshot: Snapshot): Flattened {
    const pass = keys.beginPass();
    outside.beginPass();
    samples = [];
    fresh = [];
    dropped = new Map();
    collectorsNow.clear();

    for (const reader of readers) reader.read(snapshot);
    // Textfiles first: a series both sources give is kept once, from the textfile.
    const external = new Set<SeriesId>();
    for (const [collector, familiesOf] of EXTERNAL_SOURCES) {
      for (const family of familiesOf(snapshot)) {
        // Levels only: a counter's raw total, a histogram's buckets are not something to learn a normal of.
        if (family.type !== "gauge" && family.type !== "untyped") continue;
        for (const s of family.samples) {
          if (!Number.isFinite(s.value)) continue;
          const id = outside.intern(s.name, s.labels);
          if (external.has(id)) continue;
          external.add(id);
          collectorsNow.add(collector);
          take(id, s.value, collector, false, true);
        }
      }
    }

    let kept = samples;
    // Most ticks meet no new series: every sample taken stays.
    if (fresh.length > 0) {
      budget.admit(fresh);
      const left = new Set<Sample>();
      for (const f of fresh) {
        if (f.id.place) continue;
        left.add(f.sample);
        dropped.set(f.collector, (dropped.get(f.collector) ?? 0) + 1);
      }
      if (left.size > 0) kept = samples.filter((sample) => !left.has(sample));
    }
    for (const collector of collectorsNow) seenCollectors.add(collector);
    tell();

    if (pass - lastSweep >= SWEEP_EVERY) {
      lastSweep = pass;
      budget.release([...keys.forget(pass - FORGET_AFTER_PASSES), ...outside.forget(pass - FORGET_AFTER_PASSES)]);
    }
    return dropped.size > 0 ? { samples: kept, cap: report(kept.length) } : { samples: kept };
  }

  function report(kept: number): SeriesCapSection {
    let total = 0;
    const byCollector: Record<string, number> = {};
    for (const [collector, n] of [...dropped].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      byCollector[collector] = n;
      total += n;
    }
    const limits = budget.current;
    return { max_series: limits.total, max_series_per_collector: limits.per_collector, kept, dropped: total, dropped_by_collector: byCollector };
  }

  /** One line when a collector starts losing series, one when it stops: never one per tick. */
  function tell(): void {
    const limits = budget.current;
    for (const [collector, n] of dropped) {
      if (capped.has(collector)) continue;
      capped.add(collector);
      options.log?.warning(
        { collector, dropped: n, kept: budget.keptBy(collector), max_series: limits.total, max_series_per_collector: limits.per_collector },
        `collect.max_series reached: ${n} series of collector ${collector} are left out (counted in aiops_collect_series_dropped)`,
      );
    }
    for (const collector of capped) {
      if (dropped.has(collector)) continue;
      capped.delete(collector);
      options.log?.info({ collector }, `collect.max_series: every series of collector ${collector} is kept again`);
    }
  }

  return {
    flatten,
    filter() {
      if (dropped.size === 0) return undefined;
      return (metric, labels) => {
        const names = TABLE_LABELS.get(metric);
        const id = (names && keys.find(metric, labels, names)) || outside.find(metric, labels);
        return id?.place !== false;
      };
    },
    setLimits(limits) {
      budget.setLimits(limits);
    },
  };
}

/** Flattens one Snapshot on its own, without bounds (tests, benchmarks, one-off commands). */
export function toSamples(snapshot: Snapshot): Sample[] {
  return createSeriesFlattener({ limits: { total: Number.POSITIVE_INFINITY, per_collector: Number.POSITIVE_INFINITY } }).flatten(snapshot).samples;
}
