/** Label names and values of one series, e.g. `{ device: "eth0" }`. */
export type Labels = Readonly<Record<string, string>>;

/** One value of one series at one time: the unit detectors, the store and `/metrics` share. */
export interface Sample {
  metric: string;
  labels: Labels;
  value: number;
  /**
   * `seriesKey(metric, labels)`, built once per series and shared by every tick's sample of it (the
   * flattener, `src/collect/series-keys.ts`, interns it, and the same `labels` object with it). Absent
   * only on samples built by hand (tests, benchmarks): read it through `sampleKey`.
   */
  key?: string;
  /**
   * A series from outside the Series table (a textfile or an exec plugin): the detectors learn it as
   * a level, as they learn the host's own.
   */
  external?: true;
}

/** The identity of a series as one string, `metric{a="1",b="2"}`, labels in the table's order. */
export function seriesKey(metric: string, labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return metric;
  return `${metric}{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(",")}}`;
}

/** The key of a sample's series: the interned one when it has it, built otherwise. */
export function sampleKey(sample: Sample): string {
  return sample.key ?? seriesKey(sample.metric, sample.labels);
}
