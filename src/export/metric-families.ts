import { SERIES, type SeriesDefinition, externalFamilies, seriesOf } from "../collect/series.ts";
import type { Labels } from "../contracts/sample.ts";
import type { MetricType, Snapshot } from "../contracts/snapshot.ts";
import type { SelfFamily } from "../self-metrics.ts";

/** One sample as `/metrics` shows it: its full name (a histogram's `_bucket`, `_sum`, `_count` included). */
export interface ExposedSample {
  name: string;
  labels: Labels;
  value: number;
}

/**
 * One metric family the agent exports: what `/metrics` renders and what remote_write and OTLP push, so
 * that every way out carries the same series with the same names and labels.
 */
export interface MetricFamily {
  name: string;
  help: string;
  /** Prometheus's types; `summary` and `untyped` come only from textfiles and exec plugins. */
  type: MetricType;
  /** What the value measures: the Series table's unit for host series, read from the name for self metrics. */
  unit: MetricUnit;
  samples: ExposedSample[];
}

/** Units of the agent's metrics. */
export type MetricUnit = SeriesDefinition["unit"] | "none";

/**
 * Which series are shown: the agent's `seriesFilter()` while `collect.max_series` leaves some out, so
 * that every way out carries the series the agent learns and stores; absent, all are.
 */
export type SeriesFilter = (metric: string, labels: Labels) => boolean;

/**
 * The host series of one Snapshot, in the Series table's order. A metric with no finite sample this
 * tick (pressure on a kernel without PSI) is left out.
 */
export function hostFamilies(snapshot: Snapshot | undefined, keep?: SeriesFilter): MetricFamily[] {
  if (!snapshot) return [];
  const out: MetricFamily[] = [];
  for (const def of SERIES) {
    const samples: ExposedSample[] = [];
    for (const [labels, value] of seriesOf(def, snapshot)) {
      if (!keep || keep(def.metric, labels)) samples.push({ name: def.metric, labels, value });
    }
    if (samples.length > 0) out.push({ name: def.metric, help: def.help, type: "gauge", unit: def.unit, samples });
  }
  return out;
}

/**
 * The agent's own metrics, read now. A gauge or histogram without samples is left out; a counter is
 * kept even without samples (its HELP and TYPE tell a scraper it exists).
 */
export function selfFamilies(families: readonly SelfFamily[]): MetricFamily[] {
  const out: MetricFamily[] = [];
  for (const family of families) {
    const samples = family.samples();
    if (samples.length === 0 && family.type !== "counter") continue;
    out.push({
      name: family.name,
      help: family.help,
      type: family.type,
      unit: unitOfName(family.name),
      samples: samples.map((s) => ({ name: `${family.name}${s.suffix ?? ""}`, labels: s.labels, value: s.value })),
    });
  }
  return out;
}

/** What `/metrics` says of a textfile or plugin family that came without a HELP line (linting scrapers want one). */
export const EXTERNAL_HELP = "Read from a textfile or an exec plugin that gave no HELP line.";

/**
 * The series of the textfile collector and the exec plugins in one Snapshot, with the HELP and TYPE
 * their sources gave (textfiles first, a series given twice kept once). Values are kept as given,
 * NaN and infinities included: the text format allows them.
 */
export function textfileAndPluginFamilies(snapshot: Snapshot | undefined, keep?: SeriesFilter): MetricFamily[] {
  if (!snapshot || (!snapshot.textfile && !snapshot.plugins)) return [];
  const out: MetricFamily[] = [];
  for (const f of externalFamilies(snapshot)) {
    // Only levels are counted against collect.max_series (a counter is never learned or stored).
    const bounded = keep && (f.type === "gauge" || f.type === "untyped");
    const samples = bounded ? f.samples.filter((s) => keep(s.name, s.labels)) : f.samples;
    if (samples.length > 0) out.push({ name: f.name, help: f.help || EXTERNAL_HELP, type: f.type, unit: unitOfName(f.name), samples });
  }
  return out;
}

/** Every family a Snapshot gives: the host series, then the textfile and plugin series. */
export function snapshotFamilies(snapshot: Snapshot | undefined, keep?: SeriesFilter): MetricFamily[] {
  return [...hostFamilies(snapshot, keep), ...textfileAndPluginFamilies(snapshot, keep)];
}

/** Every family `/metrics` shows: host series, textfile and plugin series, then the agent's own. */
export function exposedFamilies(snapshot: Snapshot | undefined, self: readonly SelfFamily[], keep?: SeriesFilter): MetricFamily[] {
  return [...snapshotFamilies(snapshot, keep), ...selfFamilies(self)];
}

/** A self metric's (or a textfile's) unit, from the naming convention (`_seconds`, `_bytes`). */
function unitOfName(name: string): MetricUnit {
  const base = name.replace(/_total$/, "");
  if (base.endsWith("_seconds")) return "seconds";
  if (base.endsWith("_bytes")) return "bytes";
  return "none";
}
