import { SERIES, type SeriesDetection } from "../collect/series.ts";
import { type Labels, type Sample, sampleKey, seriesKey } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import { type Ensemble, createEnsemble } from "./ensemble.ts";
import type { Finding } from "../contracts/finding.ts";
import { type Deviation, type ResourceOf, contextKey, createCorrelator, resourceOf } from "./correlation.ts";
import { EffectBaseline, type EffectFamily, type EffectReference, isFlatlineFinding, isLearnedFinding, type MinimumEffect, describeEffect, effectFamilyOf, effectOf, meetsMinimum, minimumEffectOf } from "./practical-effect.ts";

/** What the detection engine needs from the agent; every part is optional (tests, replay). */
export interface DetectionDeps {
  /** Told once per series whose saved state could not be taken back (it relearns). */
  log?: { warning(fields: object, message: string): void };
  metrics?: SelfMetrics;
}

/** What one tick yields: a score per watched series, by `seriesKey`, and every finding that holds. */
export interface DetectionResult {
  /** Made when first read. */
  readonly scores: Map<string, number>;
  findings: Finding[];
}

/** The anomaly detection of the whole host: one ensemble per watched series. */
export interface Detection {
  /** Runs every sample of one tick (`ts`: milliseconds since the epoch). Call once per tick. */
  update(ts: number, samples: readonly Sample[]): DetectionResult;
  /** Learned state of every series, by `seriesKey`: JSON, for the store. */
  exportState(): Record<string, unknown>;
  /** Takes back what `exportState` gave, before the first `update`; a series whose state does not fit relearns. */
  importState(state: Record<string, unknown>): void;
  /** Series learned now. */
  readonly size: number;
}

/** Saved form of one series. */
interface SeriesState {
  metric: string;
  labels: Labels;
  lastSeen: number;
  detectors: Record<string, unknown>;
  /** The reference its learned findings' effect is measured against (see `EffectBaseline`). */
  effect?: unknown;
  /** A learned finding of it had passed the minimum effect and still held (a reload keeps it open). */
  effectOpen?: true;
  /** A textfile or plugin series (not in the Series table). */
  external?: true;
  /** A context series (load, pressure): no detectors, only its effect baseline. */
  context?: true;
}

/** How the detectors watch a series from outside the Series table: they learn its normal. */
const EXTERNAL: SeriesDetection = { statistical: true };

interface Entry {
  /** Its key in `entries` (the series' `seriesKey`). */
  key: string;
  metric: string;
  labels: Labels;
  ensemble: Ensemble;
  lastSeen: number;
  external?: true;
  /** Present for series the learned detectors watch: the reference of their findings' effect. */
  baseline?: EffectBaseline;
  family: EffectFamily;
  /** What it measures, when its deviations belong with those of other series (see correlation.ts). */
  resource: ResourceOf | undefined;
  /** A learned finding of this series passed the minimum effect and still holds: it is not judged again. */
  effectOpen: boolean;
  /** How long (ms) it may go without a sample before it is forgotten. */
  forgetAfter: number;
}

/** A series no detector watches that tells what goes with a finding (load, pressure): only its reference is kept. */
interface ContextEntry {
  metric: string;
  labels: Labels;
  baseline: EffectBaseline;
  family: EffectFamily;
  resource: ResourceOf | undefined;
  lastSeen: number;
}

/** How often (ms) series not seen for `forget_after` are looked for. */
const SWEEP_EVERY = 60_000;

/**
 * How long (ms) the series of something that does not come back (`SeriesDetection.ephemeral`: a
 * container) are kept without a sample, when `detect.forget_after` is longer: a node whose pods come
 * and go would otherwise keep the learned state of every container it ran for days.
 */
export const EPHEMERAL_FORGET_AFTER_MS = 3_600_000;

/**
 * Creates the detection engine. Series are created lazily on their first sample (only those the Series
 * table marks with `detect`), forgotten after `detect.forget_after` without a sample (a removed disk or
 * interface), and bounded by `detect.max_series` (the series seen least recently goes first), so memory
 * stays bounded however many come and go.
 * Learned (statistical) findings open only when their change reaches the minimum practical effect of
 * their metric family (`detect.min_effect`, see practical-effect.ts), and then carry that effect; then
 * the findings of series of one resource that deviate together are folded into one (correlation.ts),
 * with the load and pressure series watched as context for it.
 */
export function createDetection(config: Config, deps: DetectionDeps = {}): Detection {
  const rules = new Map<string, SeriesDetection>();
  for (const def of SERIES) if (def.detect) rules.set(def.metric, def.detect);
  const entries = new Map<string, Entry>();
  const forgetAfter = config.detect.forget_after * 1000;
  const maxSeries = config.detect.max_series;
  let lastSweep = Number.NEGATIVE_INFINITY;

  const forgotten = deps.metrics?.counter("aiops_detect_series_forgotten_total", "Series whose learned state was dropped, by reason (absent, limit).");
  const rejected = deps.metrics?.counter(
    "aiops_detect_state_rejected_total",
    "Saved detector states that could not be taken back at start (the series relearns).",
  );
  deps.metrics?.gauge("aiops_detect_series", "Series the detectors are learning.", () => [{ labels: {}, value: entries.size }]);
  const belowEffect = deps.metrics?.counter(
    "aiops_detect_findings_below_effect_total",
    "Ticks on which a statistical finding was held back because its change was below detect.min_effect of its family.",
  );
  const context = new Map<string, ContextEntry>();
  const correlator = createCorrelator(config.detect.correlation_window * 1000);
  const minimums = new Map<EffectFamily, MinimumEffect>();
  const minimumOf = (family: EffectFamily): MinimumEffect => {
    let m = minimums.get(family);
    if (!m) minimums.set(family, (m = minimumEffectOf(family, config)));
    return m;
  };

  function newEntry(key: string, metric: string, labels: Labels, detect: SeriesDetection, lastSeen: number, saved?: SeriesState): Entry {
    const entry: Entry = {
      key,
      metric,
      labels,
      ensemble: make(metric, labels, detect, saved?.detectors),
      lastSeen,
      family: effectFamilyOf(metric),
      resource: resourceOf(metric, labels),
      effectOpen: saved?.effectOpen === true,
      forgetAfter: detect.ephemeral ? Math.min(forgetAfter, EPHEMERAL_FORGET_AFTER_MS) : forgetAfter,
    };
    if (detect.statistical) entry.baseline = restoreBaseline(metric, labels, saved?.effect);
    return entry;
  }

  function observeContext(key: string, ts: number, sample: Sample, deviations: Deviation[]): void {
    let e = context.get(key);
    if (!e) {
      // Few series (load, three pressures): bounded by what the host has, forgotten as the others are.
      e = {
        metric: sample.metric,
        labels: sample.labels,
        baseline: new EffectBaseline(),
        family: effectFamilyOf(sample.metric),
        resource: resourceOf(sample.metric, sample.labels),
        lastSeen: ts,
      };
      context.set(key, e);
    }
    e.lastSeen = ts;
    const ref = e.baseline.observe(ts, sample.value);
    if (ref) noteDeviation(e, ts, sample.value, ref, deviations);
  }

  function restoreBaseline(metric: string, labels: Labels, saved: unknown): EffectBaseline {
    if (saved === undefined) return new EffectBaseline();
    try {
      return EffectBaseline.restore(saved);
    } catch (cause) {
      rejected?.inc();
      deps.log?.warning({ series: seriesKey(metric, labels), problems: [(cause as Error).message] }, "saved effect baseline not taken back; relearning");
      return new EffectBaseline();
    }
  }

  /** Adds the series to this tick's deviations when it is off its range by its family's minimum effect. */
  function noteDeviation(e: Entry | ContextEntry, ts: number, value: number, ref: EffectReference, deviations: Deviation[]): void {
    if (!e.resource || !meetsMinimum(ref, value, minimumOf(e.family))) return;
    deviations.push({ metric: e.metric, labels: e.labels, value, effect: effectOf(e.metric, value, ts, ref) });
  }

  /**
   * Keeps the learned findings of one series whose effect reaches the family's minimum (once one
   * passed, it holds as long as its detector holds it) and gives each its effect, in numbers and in
   * its message; threshold, forecast and flatline findings pass as they are.
   */
  function gate(entry: Entry, ts: number, value: number, findings: readonly Finding[], out: Finding[], deviations: Deviation[]): void {
    const ref = entry.baseline?.observe(ts, value);
    if (ref) noteDeviation(entry, ts, value, ref, deviations);
    let learned = false;
    for (const f of findings) {
      // The operator's own rules, and a flatline (its size is how long, not how far), pass as they are.
      if (!isLearnedFinding(f) || isFlatlineFinding(f)) {
        out.push(f);
        continue;
      }
      learned = true;
      if (!ref) {
        belowEffect?.inc({ family: entry.family });
        continue;
      }
      if (!entry.effectOpen && !meetsMinimum(ref, value, minimumOf(entry.family))) {
        belowEffect?.inc({ family: entry.family });
        continue;
      }
      const effect = effectOf(entry.metric, value, ts, ref);
      entry.effectOpen = true;
      out.push({ ...f, effect, message: `${f.message}; ${describeEffect(effect)}` });
    }
    if (!learned) entry.effectOpen = false;
  }

  function make(metric: string, labels: Labels, detect: SeriesDetection, saved?: Record<string, unknown>): Ensemble {
    const ensemble = createEnsemble({ metric, labels, detect }, config, saved);
    if (ensemble.rejected.length > 0) {
      rejected?.inc({}, ensemble.rejected.length);
      deps.log?.warning({ series: seriesKey(metric, labels), problems: ensemble.rejected }, "saved detector state not taken back; relearning");
    }
    return ensemble;
  }

  /**
   * What came at each place of the last tick's samples: its key, and its entry (null: a series no
   * detector watches and no finding needs as context). Samples come in the same order tick after tick,
   * so a sample whose key is the one at its place last tick (the same interned string) is known
   * without a lookup. Forgotten whenever an entry is dropped.
   */
  let placeKeys: Array<string | undefined> = [];
  let placeEntries: Array<Entry | null | undefined> = [];
  function forgetPlaces(): void {
    placeKeys = [];
    placeEntries = [];
  }

  function makeRoom(): void {
    if (entries.size < maxSeries) return;
    let oldestKey: string | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, e] of entries) {
      if (e.lastSeen < oldest) {
        oldest = e.lastSeen;
        oldestKey = key;
      }
    }
    if (oldestKey !== undefined) {
      entries.delete(oldestKey);
      forgetPlaces();
      forgotten?.inc({ reason: "limit" });
    }
  }

  return {
    get size() {
      return entries.size;
    },

    update(ts: number, samples: readonly Sample[]): DetectionResult {
      // Scores are kept in two lists and made a Map only when read: the tick itself never reads them.
      const scoredKeys: string[] = [];
      const scoreValues: number[] = [];
      const findings: Finding[] = [];
      const deviations: Deviation[] = [];
      for (let i = 0; i < samples.length; i++) {
        const sample = samples[i]!;
        let entry = sample.key !== undefined && placeKeys[i] === sample.key ? placeEntries[i] : undefined;
        if (entry === null) continue;
        if (entry === undefined) {
          const detect = rules.get(sample.metric) ?? (sample.external ? EXTERNAL : undefined);
          if (!detect) {
            const key = contextKey(sample.metric, sample.labels);
            if (key !== undefined) observeContext(key, ts, sample, deviations);
            else {
              placeKeys[i] = sample.key;
              placeEntries[i] = null;
            }
            continue;
          }
          const key = sampleKey(sample);
          entry = entries.get(key);
          if (!entry) {
            makeRoom();
            entry = newEntry(key, sample.metric, sample.labels, detect, ts);
            if (sample.external) entry.external = true;
            entries.set(key, entry);
          }
          placeKeys[i] = sample.key;
          placeEntries[i] = entry;
        }
        entry.lastSeen = ts;
        const r = entry.ensemble.update(ts, sample.value);
        scoredKeys.push(entry.key);
        scoreValues.push(r.score);
        gate(entry, ts, sample.value, r.findings, findings, deviations);
      }
      placeKeys.length = Math.min(placeKeys.length, samples.length);
      placeEntries.length = Math.min(placeEntries.length, samples.length);
      if (ts - lastSweep >= SWEEP_EVERY) {
        lastSweep = ts;
        for (const [key, e] of entries) {
          if (ts - e.lastSeen > e.forgetAfter) {
            entries.delete(key);
            forgetPlaces();
            forgotten?.inc({ reason: "absent" });
          }
        }
        for (const [key, e] of context) if (ts - e.lastSeen > forgetAfter) context.delete(key);
      }
      let scores: Map<string, number> | undefined;
      return {
        get scores() {
          if (!scores) {
            scores = new Map();
            for (let i = 0; i < scoredKeys.length; i++) scores.set(scoredKeys[i]!, scoreValues[i]!);
          }
          return scores;
        },
        findings: correlator.correlate(ts, findings, deviations),
      };
    },

    exportState(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [key, e] of entries) {
        const s: SeriesState = {
          metric: e.metric,
          labels: e.labels,
          lastSeen: e.lastSeen,
          detectors: e.ensemble.snapshot(),
          ...(e.baseline ? { effect: e.baseline.toJSON() } : {}),
          ...(e.effectOpen ? { effectOpen: true as const } : {}),
          ...(e.external ? { external: true as const } : {}),
        };
        out[key] = s;
      }
      for (const e of context.values()) {
        const key = seriesKey(e.metric, e.labels);
        const s: SeriesState = { metric: e.metric, labels: e.labels, lastSeen: e.lastSeen, detectors: {}, effect: e.baseline.toJSON(), context: true };
        out[key] = s;
      }
      return out;
    },

    importState(state: Record<string, unknown>): void {
      const saved: [string, SeriesState][] = [];
      for (const [key, value] of Object.entries(state)) {
        const s = value as Partial<SeriesState> | null;
        const ok =
          s !== null &&
          typeof s === "object" &&
          typeof s.metric === "string" &&
          typeof s.labels === "object" &&
          s.labels !== null &&
          typeof s.lastSeen === "number" &&
          typeof s.detectors === "object" &&
          s.detectors !== null;
        const short = ok && s.context === true ? contextKey(s.metric!, s.labels!) : undefined;
        if (short !== undefined) {
          const c = s as SeriesState;
          context.set(short, {
            metric: c.metric,
            labels: c.labels,
            baseline: restoreBaseline(c.metric, c.labels, c.effect),
            family: effectFamilyOf(c.metric),
            resource: resourceOf(c.metric, c.labels),
            lastSeen: c.lastSeen,
          });
          continue;
        }
        if (!ok || !(rules.has(s.metric!) || s.external === true)) {
          rejected?.inc();
          deps.log?.warning({ series: key }, "saved detector state not taken back; relearning");
          continue;
        }
        saved.push([key, s as SeriesState]);
      }
      // The most recently seen first, so the bound keeps those.
      saved.sort((a, b) => b[1].lastSeen - a[1].lastSeen);
      for (const [key, s] of saved.slice(0, maxSeries)) {
        const detect = rules.get(s.metric) ?? EXTERNAL;
        const entry = newEntry(key, s.metric, s.labels, detect, s.lastSeen, s);
        if (s.external && !rules.has(s.metric)) entry.external = true;
        entries.set(key, entry);
      }
    },
  };
}
