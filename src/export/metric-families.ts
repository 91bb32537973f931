import { SERIES, type SeriesDefinition } from "../collect/series.ts";
import type { Labels } from "../contracts/sample.ts";
import type { Snapshot } from "../contracts/snapshot.ts";
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
  type: "gauge" | "counter" | "histogram";
  /** What the value measures: the Series table's unit for host series, read from the name for self metrics. */
  unit: MetricUnit;
  samples: ExposedSample[];
}

/** Units of the agent's metrics. */
export type MetricUnit = SeriesDefinition["unit"] | "none";

/**
 * The host series of one Snapshot, in the Series table's order. A metric with no finite sample this
 * tick (pressure on a kernel without PSI) is left out.
 */
export function hostFamilies(snapshot: Snapshot | undefined): MetricFamily[] {
  if (!snapshot) return [];
  const out: MetricFamily[] = [];
  for (const def of SERIES) {
    const samples: ExposedSample[] = [];
    for (const [labels, value] of def.read(snapshot)) {
      if (Number.isFinite(value)) samples.push({ name: def.metric, labels, value });
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

/** Every family `/metrics` shows: host series, then the agent's own. */
export function exposedFamilies(snapshot: Snapshot | undefined, self: readonly SelfFamily[]): MetricFamily[] {
  return [...hostFamilies(snapshot), ...selfFamilies(self)];
}

/** A self metric's unit, from the naming convention (`_seconds`, `_bytes`). */
function unitOfName(name: string): MetricUnit {
  const base = name.replace(/_total$/, "");
  if (base.endsWith("_seconds")) return "seconds";
  if (base.endsWith("_bytes")) return "bytes";
  return "none";
}
