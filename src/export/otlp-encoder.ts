import type { Labels } from "../contracts/sample.ts";
import type { EncodedPush } from "./remote-write-encoder.ts";
import type { ExposedSample, MetricFamily, MetricUnit } from "./metric-families.ts";
import { ProtobufWriter } from "./protobuf-writer.ts";

/** Who is sending, as OTLP resource attributes (OpenTelemetry semantic conventions). */
export interface OtlpResource {
  /** `service.name`. */
  serviceName: string;
  /** `service.version`. */
  serviceVersion: string;
  /** `service.instance.id`: the agent's name. */
  instanceId: string;
  /** `host.name`. */
  hostName: string;
  /** `os.type`: linux, darwin, windows... */
  osType: string;
  /** `deployment.environment.name`. */
  environment: string;
  /** Further attributes (the configured external labels). */
  extra: Labels;
}

/** `AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE`: counters count since the agent started. */
const CUMULATIVE = 2;

/** UCUM units, as OTLP's `Metric.unit` wants them (temperatures and fan speeds as the hardware semantic conventions write them). */
const UCUM: Record<MetricUnit, string> = {
  percent: "%",
  bytes: "By",
  "bytes/s": "By/s",
  "1/s": "1/s",
  seconds: "s",
  count: "1",
  cores: "{cpu}",
  ratio: "1",
  celsius: "Cel",
  rpm: "rpm",
  none: "",
};

/** The `os.type` value of a Node platform name (semantic conventions' well-known values). */
export function osTypeOf(platform: string): string {
  return platform === "win32" ? "windows" : platform === "sunos" ? "solaris" : platform;
}

/**
 * An OTLP `ExportMetricsServiceRequest` (opentelemetry-proto, metrics v1) of every family `keep` lets
 * through: one ResourceMetrics with the resource's attributes and one ScopeMetrics (`aiops-agent`).
 * Gauges (and untyped series from textfiles and plugins) are Gauges, counters cumulative monotonic
 * Sums, histograms cumulative explicit-bucket Histograms and summaries Summaries, all starting at
 * `startMs` (the agent's start); every point is at `timeMs`. Names and labels (as point attributes)
 * are those of `/metrics`.
 */
export function encodeOtlpMetrics(
  families: readonly MetricFamily[],
  timeMs: number,
  startMs: number,
  resource: OtlpResource,
  keep: (name: string) => boolean,
): EncodedPush {
  const time = BigInt(Math.round(timeMs)) * 1_000_000n;
  const start = BigInt(Math.round(startMs)) * 1_000_000n;
  let samples = 0;
  const w = new ProtobufWriter(16 * 1024);
  // ExportMetricsServiceRequest.resource_metrics = 1
  w.message(1, (rm) => {
    // ResourceMetrics.resource = 1 → Resource.attributes = 1
    rm.message(1, (r) => {
      const attributes: Array<[string, string]> = [
        ["service.name", resource.serviceName],
        ["service.version", resource.serviceVersion],
        ["service.instance.id", resource.instanceId],
        ["host.name", resource.hostName],
        ["os.type", resource.osType],
        ["deployment.environment.name", resource.environment],
        ...Object.entries(resource.extra),
      ];
      for (const [key, value] of attributes) r.message(1, (kv) => keyValue(kv, key, value));
    });
    // ResourceMetrics.scope_metrics = 2
    rm.message(2, (sm) => {
      // ScopeMetrics.scope = 1 (InstrumentationScope.name = 1, .version = 2)
      sm.message(1, (scope) => scope.string(1, "aiops-agent").string(2, resource.serviceVersion));
      for (const family of families) {
        if (family.type === "histogram") {
          const points = histogramPoints(family.samples, family.name, keep);
          if (points.length === 0) continue;
          samples += points.length;
          sm.message(2, (m) => {
            metricHead(m, family);
            // Metric.histogram = 9 → Histogram.data_points = 1, .aggregation_temporality = 2
            m.message(9, (h) => {
              for (const p of points) h.message(1, (dp) => histogramPoint(dp, p, start, time));
              h.uint(2, CUMULATIVE);
            });
          });
          continue;
        }
        if (family.type === "summary") {
          const points = summaryPoints(family.samples, family.name, keep);
          if (points.length === 0) continue;
          samples += points.length;
          sm.message(2, (m) => {
            metricHead(m, family);
            // Metric.summary = 11 → Summary.data_points = 1
            m.message(11, (summary) => {
              for (const p of points) summary.message(1, (dp) => summaryPoint(dp, p, start, time));
            });
          });
          continue;
        }
        const kept = family.samples.filter((s) => keep(s.name));
        if (kept.length === 0) continue;
        samples += kept.length;
        sm.message(2, (m) => {
          metricHead(m, family);
          if (family.type === "counter") {
            // Metric.sum = 7 → Sum.data_points = 1, .aggregation_temporality = 2, .is_monotonic = 3
            m.message(7, (sum) => {
              for (const s of kept) sum.message(1, (dp) => numberPoint(dp, s, start, time));
              sum.uint(2, CUMULATIVE).uint(3, 1);
            });
          } else {
            // Metric.gauge = 5 → Gauge.data_points = 1
            m.message(5, (g) => {
              for (const s of kept) g.message(1, (dp) => numberPoint(dp, s, 0n, time));
            });
          }
        });
      }
    });
  });
  return { body: w.finish().slice(), samples };
}

/** Metric.name = 1, .description = 2, .unit = 3. */
function metricHead(m: ProtobufWriter, family: MetricFamily): void {
  m.string(1, family.name).string(2, family.help).string(3, UCUM[family.unit]);
}

/** KeyValue.key = 1, .value = 2 → AnyValue.string_value = 1. */
function keyValue(kv: ProtobufWriter, key: string, value: string): void {
  kv.string(1, key).message(2, (v) => v.string(1, value));
}

/** NumberDataPoint: .start_time_unix_nano = 2, .time_unix_nano = 3, .as_double = 4, .attributes = 7. */
function numberPoint(dp: ProtobufWriter, s: ExposedSample, start: bigint, time: bigint): void {
  dp.fixed64(2, start).fixed64(3, time).double(4, s.value);
  for (const name in s.labels) dp.message(7, (kv) => keyValue(kv, name, s.labels[name]!));
}

interface HistogramPoint {
  labels: Labels;
  bounds: number[];
  /** Per bucket, not cumulative: OTLP's `bucket_counts`, one more than the bounds (the +Inf bucket). */
  counts: number[];
  count: number;
  sum: number;
}

/**
 * The histogram points of a family's samples: the cumulative `_bucket{le}` samples of each label set
 * turned into OTLP's per-bucket counts, with its `_sum` and `_count`. Kept when `keep` takes the
 * family's `_bucket` samples.
 */
function histogramPoints(samples: readonly ExposedSample[], name: string, keep: (name: string) => boolean): HistogramPoint[] {
  if (!keep(`${name}_bucket`)) return [];
  const byLabels = new Map<string, HistogramPoint & { cumulative: Array<[number, number]> }>();
  const pointOf = (labels: Labels) => {
    const rest: Record<string, string> = {};
    for (const k in labels) if (k !== "le") rest[k] = labels[k]!;
    const key = JSON.stringify(rest);
    let p = byLabels.get(key);
    if (!p) {
      p = { labels: rest, bounds: [], counts: [], count: 0, sum: 0, cumulative: [] };
      byLabels.set(key, p);
    }
    return p;
  };
  for (const s of samples) {
    const p = pointOf(s.labels);
    if (s.name === `${name}_bucket`) p.cumulative.push([s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le), s.value]);
    else if (s.name === `${name}_sum`) p.sum = s.value;
    else if (s.name === `${name}_count`) p.count = s.value;
  }
  return [...byLabels.values()].map((p) => {
    p.cumulative.sort((a, b) => a[0] - b[0]);
    let before = 0;
    for (const [le, c] of p.cumulative) {
      if (Number.isFinite(le)) p.bounds.push(le);
      p.counts.push(c - before);
      before = c;
    }
    return { labels: p.labels, bounds: p.bounds, counts: p.counts, count: p.count, sum: p.sum };
  });
}

/**
 * HistogramDataPoint: .start_time_unix_nano = 2, .time_unix_nano = 3, .count = 4 (fixed64), .sum = 5,
 * .bucket_counts = 6 (packed fixed64), .explicit_bounds = 7 (packed double), .attributes = 9.
 */
function histogramPoint(dp: ProtobufWriter, p: HistogramPoint, start: bigint, time: bigint): void {
  dp.fixed64(2, start).fixed64(3, time).fixed64(4, countOf(p.count)).double(5, p.sum);
  dp.packedFixed64(6, p.counts.map((c) => Number(countOf(c)))).packedDoubles(7, p.bounds);
  for (const name in p.labels) dp.message(9, (kv) => keyValue(kv, name, p.labels[name]!));
}

interface SummaryPoint {
  labels: Labels;
  quantiles: Array<[number, number]>;
  count: number;
  sum: number;
}

/**
 * The summary points of a family's samples (textfiles and plugins): the `{quantile}` samples of each
 * label set with its `_sum` and `_count`. Kept when `keep` takes the family's name.
 */
function summaryPoints(samples: readonly ExposedSample[], name: string, keep: (name: string) => boolean): SummaryPoint[] {
  if (!keep(name)) return [];
  const byLabels = new Map<string, SummaryPoint>();
  for (const s of samples) {
    const rest: Record<string, string> = {};
    for (const k in s.labels) if (k !== "quantile") rest[k] = s.labels[k]!;
    const key = JSON.stringify(rest);
    let p = byLabels.get(key);
    if (!p) byLabels.set(key, (p = { labels: rest, quantiles: [], count: 0, sum: 0 }));
    if (s.name === name && s.labels.quantile !== undefined) p.quantiles.push([Number(s.labels.quantile), s.value]);
    else if (s.name === `${name}_sum`) p.sum = s.value;
    else if (s.name === `${name}_count`) p.count = s.value;
  }
  return [...byLabels.values()].map((p) => ({ ...p, quantiles: p.quantiles.sort((a, b) => a[0] - b[0]) }));
}

/**
 * SummaryDataPoint: .start_time_unix_nano = 2, .time_unix_nano = 3, .count = 4 (fixed64), .sum = 5,
 * .quantile_values = 6 (ValueAtQuantile.quantile = 1, .value = 2), .attributes = 7.
 */
function summaryPoint(dp: ProtobufWriter, p: SummaryPoint, start: bigint, time: bigint): void {
  dp.fixed64(2, start).fixed64(3, time).fixed64(4, countOf(p.count)).double(5, p.sum);
  for (const [quantile, value] of p.quantiles) dp.message(6, (q) => q.double(1, quantile).double(2, value));
  for (const name in p.labels) dp.message(7, (kv) => keyValue(kv, name, p.labels[name]!));
}

/**
 * A count as OTLP's unsigned 64-bit field wants it. The agent's own counts always are; a textfile's or
 * a plugin's histogram may say 2.5, a negative bucket or NaN, which is sent as the nearest count
 * (0 for NaN) rather than fail the whole push.
 */
function countOf(n: number): bigint {
  return Number.isFinite(n) && n > 0 ? BigInt(Math.round(n)) : 0n;
}
