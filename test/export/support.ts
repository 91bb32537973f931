import { readFileSync } from "node:fs";
import { join } from "node:path";
import protobuf from "protobufjs";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { createExportMetrics } from "../../src/export/export-metrics.ts";
import type { MetricFamily } from "../../src/export/metric-families.ts";
import { exposedFamilies } from "../../src/export/metric-families.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";

/** A real snapshot of a host (the golden of a captured /proc and /sys tree). */
export const SNAPSHOT = JSON.parse(readFileSync(join(import.meta.dir, "../golden/snapshots/this-machine.json"), "utf8")) as Snapshot;

/** Self metrics with one of each kind the agent has: a counter with labels, a gauge, a histogram. */
export function sampleSelfMetrics(): SelfMetrics {
  const metrics = new SelfMetrics();
  metrics.counter("aiops_ticks_total", "Collection ticks completed.").inc({}, 42);
  metrics.counter("aiops_notifications_sent_total", "Notifications delivered, by channel.").inc({ channel: "pager" }, 3);
  metrics.gauge("process_resident_memory_bytes", "Resident memory of the agent process.").set({}, 52_000_000);
  const h = metrics.histogram("aiops_tick_duration_seconds", "Time from the start of a tick to the end of its last stage.", [0.001, 0.01, 0.1]);
  for (const v of [0.0005, 0.002, 0.003, 0.05, 2]) h.observe(v);
  createExportMetrics(metrics, () => 0);
  return metrics;
}

/** The families of the real snapshot and the sample self metrics. */
export function sampleFamilies(): MetricFamily[] {
  return exposedFamilies(SNAPSHOT, sampleSelfMetrics().all());
}

/**
 * Prometheus's remote write 1.0 messages (prompb/remote.proto and prompb/types.proto of Prometheus
 * 2.42), field for field; gogoproto options left out (they change Go code, not the wire).
 */
const PROMPB = `
syntax = "proto3";
package prometheus;
message WriteRequest {
  repeated TimeSeries timeseries = 1;
  reserved 2;
  repeated MetricMetadata metadata = 3;
}
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1;
  string metric_family_name = 2;
  string help = 4;
  string unit = 5;
}
message Sample {
  double value = 1;
  int64 timestamp = 2;
}
message Exemplar {
  repeated Label labels = 1;
  double value = 2;
  int64 timestamp = 3;
}
message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Exemplar exemplars = 3;
}
message Label {
  string name = 1;
  string value = 2;
}
`;

const prompb = protobuf.parse(PROMPB, { keepCase: true }).root;
const WriteRequest = prompb.lookupType("prometheus.WriteRequest");

/** A decoded remote_write series: its labels as a map, its samples. */
export interface DecodedSeries {
  labels: Record<string, string>;
  samples: Array<{ value: number; timestamp: number }>;
}

/** Decodes a (not compressed) WriteRequest with protobufjs. */
export function decodeWriteRequest(bytes: Uint8Array): DecodedSeries[] {
  const message = WriteRequest.toObject(WriteRequest.decode(bytes), { longs: Number, defaults: true }) as {
    timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }>;
  };
  return message.timeseries.map((ts) => ({
    labels: Object.fromEntries(ts.labels.map((l) => [l.name, l.value])),
    samples: ts.samples,
  }));
}

/** Label names of every series, in the order they were sent (the protocol wants them sorted). */
export function labelOrders(bytes: Uint8Array): string[][] {
  const message = WriteRequest.decode(bytes) as unknown as { timeseries: Array<{ labels: Array<{ name: string }> }> };
  return message.timeseries.map((ts) => ts.labels.map((l) => l.name));
}

// The official opentelemetry-proto definitions, compiled by protobufjs (the static module the
// OpenTelemetry JavaScript SDK ships, generated from opentelemetry-proto).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const otlpRoot = require("@opentelemetry/otlp-transformer/build/src/generated/root.js") as {
  opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: protobuf.Type } } } } };
};
const ExportMetricsServiceRequest = otlpRoot.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

/** Decodes an ExportMetricsServiceRequest with the official definitions, as plain JSON-like objects. */
export function decodeOtlp(bytes: Uint8Array): OtlpRequest {
  const decoded = ExportMetricsServiceRequest.decode(bytes);
  return ExportMetricsServiceRequest.toObject(decoded, { longs: String, defaults: false, oneofs: true }) as OtlpRequest;
}

type KeyValue = { key: string; value: { stringValue?: string; value?: string } };
export interface OtlpPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano: string;
  asDouble?: number;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
  quantileValues?: Array<{ quantile?: number; value?: number }>;
  /** Which member of the value oneof is set (protobufjs's `oneofs: true`). */
  value?: string;
}
export interface OtlpMetric {
  name: string;
  description?: string;
  unit?: string;
  data: "gauge" | "sum" | "histogram" | "summary";
  gauge?: { dataPoints: OtlpPoint[] };
  sum?: { dataPoints: OtlpPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: OtlpPoint[]; aggregationTemporality: number };
  summary?: { dataPoints: OtlpPoint[] };
}
export interface OtlpRequest {
  resourceMetrics: Array<{
    resource: { attributes: KeyValue[] };
    scopeMetrics: Array<{ scope: { name: string; version?: string }; metrics: OtlpMetric[] }>;
  }>;
}

/** Attributes as a map. */
export function attributes(kvs: KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, kv.value.stringValue ?? ""]));
}

/** One request a push receiver got, with its body as bytes. */
export interface PushReceived {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A loopback receiver for push tests: keeps each request's bytes and answers as told. */
export function startPushReceiver() {
  const received: PushReceived[] = [];
  let responder: (n: number) => Response | Promise<Response> = () => new Response(null, { status: 204 });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      received.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body: new Uint8Array(await req.arrayBuffer()) });
      return responder(received.length);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    respond(r: (n: number) => Response | Promise<Response>) {
      responder = r;
    },
    stop: () => server.stop(true),
  };
}
