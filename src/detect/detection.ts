import { SERIES, type SeriesDetection } from "../collect/series.ts";
import { type Labels, type Sample, sampleKey, seriesKey } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import { type Ensemble, createEnsemble } from "./ensemble.ts";
import type { Finding } from "../contracts/finding.ts";

/** What the detection engine needs from the agent; every part is optional (tests, replay). */
export interface DetectionDeps {
  /** Told once per series whose saved state could not be taken back (it relearns). */
  log?: { warning(fields: object, message: string): void };
  metrics?: SelfMetrics;
}

/** What one tick yields: a score per watched series, by `seriesKey`, and every finding that holds. */
export interface DetectionResult {
  scores: Map<string, number>;
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
  /** A textfile or plugin series (not in the Series table). */
  external?: true;
}

/** How the detectors watch a series from outside the Series table: they learn its normal. */
const EXTERNAL: SeriesDetection = { statistical: true };

interface Entry {
  metric: string;
  labels: Labels;
  ensemble: Ensemble;
  lastSeen: number;
  external?: true;
}

/** How often (ms) series not seen for `forget_after` are looked for. */
const SWEEP_EVERY = 60_000;

/**
 * Creates the detection engine. Series are created lazily on their first sample (only those the Series
 * table marks with `detect`), forgotten after `detect.forget_after` without a sample (a removed disk or
 * interface), and bounded by `detect.max_series` (the series seen least recently goes first), so memory
 * stays bounded however many come and go.
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

  function make(metric: string, labels: Labels, detect: SeriesDetection, saved?: Record<string, unknown>): Ensemble {
    const ensemble = createEnsemble({ metric, labels, detect }, config, saved);
    if (ensemble.rejected.length > 0) {
      rejected?.inc({}, ensemble.rejected.length);
      deps.log?.warning({ series: seriesKey(metric, labels), problems: ensemble.rejected }, "saved detector state not taken back; relearning");
    }
    return ensemble;
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
      forgotten?.inc({ reason: "limit" });
    }
  }

  return {
    get size() {
      return entries.size;
    },

    update(ts: number, samples: readonly Sample[]): DetectionResult {
      const scores = new Map<string, number>();
      const findings: Finding[] = [];
      for (const sample of samples) {
        const detect = rules.get(sample.metric) ?? (sample.external ? EXTERNAL : undefined);
        if (!detect) continue;
        const key = sampleKey(sample);
        let entry = entries.get(key);
        if (!entry) {
          makeRoom();
          entry = { metric: sample.metric, labels: sample.labels, ensemble: make(sample.metric, sample.labels, detect), lastSeen: ts };
          if (sample.external) entry.external = true;
          entries.set(key, entry);
        }
        entry.lastSeen = ts;
        const r = entry.ensemble.update(ts, sample.value);
        scores.set(key, r.score);
        for (const f of r.findings) findings.push(f);
      }
      if (ts - lastSweep >= SWEEP_EVERY) {
        lastSweep = ts;
        for (const [key, e] of entries) {
          if (ts - e.lastSeen > forgetAfter) {
            entries.delete(key);
            forgotten?.inc({ reason: "absent" });
          }
        }
      }
      return { scores, findings };
    },

    exportState(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [key, e] of entries) {
        const s: SeriesState = { metric: e.metric, labels: e.labels, lastSeen: e.lastSeen, detectors: e.ensemble.snapshot(), ...(e.external ? { external: true as const } : {}) };
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
        entries.set(key, {
          metric: s.metric,
          labels: s.labels,
          lastSeen: s.lastSeen,
          ensemble: make(s.metric, s.labels, detect, s.detectors),
          ...(s.external && !rules.has(s.metric) ? { external: true as const } : {}),
        });
      }
    },
  };
}
