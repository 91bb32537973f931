/**
 * The hand-written protobuf encoders against protobufjs and the message definitions: what the agent
 * sends must decode, field for field, into what /metrics shows.
 */
import { describe, expect, test } from "bun:test";
import { renderFamilies } from "../../src/server/prometheus.ts";
import { encodeOtlpMetrics } from "../../src/export/otlp-encoder.ts";
import { encodeWriteRequest } from "../../src/export/remote-write-encoder.ts";
import { createNameFilter } from "../../src/export/name-filter.ts";
import { ProtobufWriter } from "../../src/export/protobuf-writer.ts";
import { EXTERNAL_HELP, type MetricFamily, exposedFamilies } from "../../src/export/metric-families.ts";
import { parsePrometheusText } from "../../src/collect/plugins/prometheus-text.ts";
import { SNAPSHOT, attributes, decodeOtlp, decodeWriteRequest, labelOrders, sampleFamilies, sampleSelfMetrics } from "./support.ts";

const T = Date.parse("2026-03-01T12:00:00.250Z");
const all = () => true;
const EXTERNAL = { agent: "web-1", environment: "staging", host: "node-7" };

/** The samples of the text exposition, as `name{labels}` → value. */
function exposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The key exposition() uses, from a decoded series (external labels left out). */
function keyOf(labels: Record<string, string>, leave: readonly string[]): string {
  const { __name__: name, ...rest } = labels;
  const names = Object.keys(rest).filter((n) => !leave.includes(n));
  return names.length === 0 ? name! : `${name}{${names.map((n) => `${n}="${rest[n]}"`).join(",")}}`;
}

describe("remote_write WriteRequest", () => {
  test("carries every sample /metrics renders, with its labels, the external labels and the push time", () => {
    const families = sampleFamilies();
    const encoded = encodeWriteRequest(families, T, EXTERNAL, all);
    const series = decodeWriteRequest(encoded.body);
    const text = exposition(renderFamilies(families, "prometheus"));
    expect(encoded.samples).toBe(text.size);
    expect(series).toHaveLength(text.size);
    const sent = new Map<string, number>();
    for (const s of series) {
      expect(s.samples).toEqual([{ value: expect.any(Number), timestamp: T }]);
      expect({ agent: s.labels.agent, environment: s.labels.environment, host: s.labels.host }).toEqual(EXTERNAL);
      // The label order of the exposition is the table's; compare by rebuilding in that order.
      sent.set(keyOf(s.labels, ["agent", "environment", "host"]), s.samples[0]!.value);
    }
    // Same names, labels and values (the exposition prints numbers as JavaScript does, so they round-trip).
    const reordered = new Map([...text].map(([k, v]) => [normalise(k), v]));
    expect(new Map([...sent].map(([k, v]) => [normalise(k), v]))).toEqual(reordered);
  });

  test("sorts each series' labels by name, __name__ first among them as bytes order puts it", () => {
    const encoded = encodeWriteRequest(sampleFamilies(), T, EXTERNAL, all);
    for (const names of labelOrders(encoded.body)) expect(names).toEqual([...names].sort());
  });

  test("a series' own label wins over an external label of the same name; empty values are left out", () => {
    const families = [
      { name: "m", help: "h", type: "gauge" as const, unit: "none" as const, samples: [{ name: "m", labels: { host: "own", empty: "" }, value: 1 }] },
    ];
    const [s] = decodeWriteRequest(encodeWriteRequest(families, T, EXTERNAL, all).body);
    expect(s!.labels).toEqual({ __name__: "m", host: "own", agent: "web-1", environment: "staging" });
  });

  test("allow and deny select metric names (whole-name regular expressions)", () => {
    const keep = createNameFilter("aiops_(cpu|memory)_.*|aiops_tick_duration_seconds_.*", "aiops_cpu_mode_percent|.*_bucket");
    const names = new Set(decodeWriteRequest(encodeWriteRequest(sampleFamilies(), T, EXTERNAL, keep).body).map((s) => s.labels.__name__));
    expect(names.has("aiops_cpu_usage_percent")).toBe(true);
    expect(names.has("aiops_memory_total_bytes")).toBe(true);
    expect(names.has("aiops_cpu_mode_percent")).toBe(false);
    expect(names.has("aiops_disk_total_bytes")).toBe(false);
    expect(names.has("aiops_tick_duration_seconds_sum")).toBe(true);
    expect(names.has("aiops_tick_duration_seconds_bucket")).toBe(false);
    // A partial match is not a match: the expression must cover the whole name.
    expect(createNameFilter("aiops_cpu", "")("aiops_cpu_usage_percent")).toBe(false);
  });

  test("two queued messages concatenated decode as one request with both, in order", () => {
    const families = sampleFamilies();
    const a = encodeWriteRequest(families, T, EXTERNAL, all).body;
    const b = encodeWriteRequest(families, T + 10_000, EXTERNAL, all).body;
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const series = decodeWriteRequest(both);
    const n = series.length / 2;
    expect(series.slice(0, n).every((s) => s.samples[0]!.timestamp === T)).toBe(true);
    expect(series.slice(n).every((s) => s.samples[0]!.timestamp === T + 10_000)).toBe(true);
  });
});

describe("OTLP ExportMetricsServiceRequest (official opentelemetry-proto definitions)", () => {
  const START = T - 3_600_000;
  const resource = {
    serviceName: "aiops-agent",
    serviceVersion: "1.2.3",
    instanceId: "web-1",
    hostName: "node-7",
    osType: "linux",
    environment: "staging",
    extra: { region: "eu-west" },
  };

  test("resource attributes follow the semantic conventions", () => {
    const request = decodeOtlp(encodeOtlpMetrics(sampleFamilies(), T, START, resource, all).body);
    expect(request.resourceMetrics).toHaveLength(1);
    expect(attributes(request.resourceMetrics[0]!.resource.attributes)).toEqual({
      "service.name": "aiops-agent",
      "service.version": "1.2.3",
      "service.instance.id": "web-1",
      "host.name": "node-7",
      "os.type": "linux",
      "deployment.environment.name": "staging",
      region: "eu-west",
    });
    expect(request.resourceMetrics[0]!.scopeMetrics[0]!.scope).toEqual({ name: "aiops-agent", version: "1.2.3" });
  });

  test("names, types, units, attributes and values are those of /metrics", () => {
    const families = sampleFamilies();
    const encoded = encodeOtlpMetrics(families, T, START, resource, all);
    const metrics = decodeOtlp(encoded.body).resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    // A counter with no sample yet has HELP and TYPE on /metrics, and nothing to push.
    expect(metrics.map((m) => m.name)).toEqual(families.filter((f) => f.samples.length > 0).map((f) => f.name));
    const byName = new Map(metrics.map((m) => [m.name, m]));
    const timeNs = String(BigInt(T) * 1_000_000n);

    const cpu = byName.get("aiops_cpu_usage_percent")!;
    expect(cpu.data).toBe("gauge");
    expect(cpu.unit).toBe("%");
    const cpuFamily = families.find((f) => f.name === "aiops_cpu_usage_percent")!;
    expect(cpu.gauge!.dataPoints).toEqual([{ timeUnixNano: timeNs, asDouble: cpuFamily.samples[0]!.value, value: "asDouble" }]);

    const perCpu = byName.get("aiops_cpu_core_usage_percent")!;
    const perCpuFamily = families.find((f) => f.name === "aiops_cpu_core_usage_percent")!;
    expect(perCpu.gauge!.dataPoints.map((p) => [attributes(p.attributes), p.asDouble])).toEqual(
      perCpuFamily.samples.map((s) => [{ ...s.labels }, s.value]),
    );
    expect(byName.get("aiops_memory_total_bytes")!.unit).toBe("By");
    expect(byName.get("process_resident_memory_bytes")).toMatchObject({ unit: "By", data: "gauge" });

    const sent = byName.get("aiops_notifications_sent_total")!;
    expect(sent.data).toBe("sum");
    expect(sent.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(sent.sum!.dataPoints).toEqual([
      { attributes: [{ key: "channel", value: { stringValue: "pager", value: "stringValue" } }], startTimeUnixNano: String(BigInt(START) * 1_000_000n), timeUnixNano: timeNs, asDouble: 3, value: "asDouble" },
    ]);

    const tick = byName.get("aiops_tick_duration_seconds")!;
    expect(tick).toMatchObject({ data: "histogram", unit: "s" });
    expect(tick.histogram!.aggregationTemporality).toBe(2);
    // Observed 0.0005, 0.002, 0.003, 0.05, 2 into buckets ≤0.001, ≤0.01, ≤0.1, +Inf.
    expect(tick.histogram!.dataPoints[0]).toMatchObject({ count: "5", sum: 2.0555, explicitBounds: [0.001, 0.01, 0.1], bucketCounts: ["1", "2", "1", "1"] });

    const points = metrics.reduce((n, m) => n + (m.gauge ?? m.sum ?? m.histogram)!.dataPoints.length, 0);
    expect(encoded.samples).toBe(points);
  });

  test("allow and deny select metric names; a histogram goes with its _bucket samples", () => {
    const keep = createNameFilter("aiops_cpu_.*|aiops_tick_duration_seconds_bucket", "aiops_cpu_mode_percent");
    const names = decodeOtlp(encodeOtlpMetrics(sampleFamilies(), T, START, resource, keep).body)
      .resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => m.name);
    expect(names).toContain("aiops_cpu_usage_percent");
    expect(names).toContain("aiops_tick_duration_seconds");
    expect(names).not.toContain("aiops_cpu_mode_percent");
    expect(names).not.toContain("aiops_memory_total_bytes");
  });
});

/**
 * A textfile of each type an operator's script may write, and a plugin's series: pushed like the host
 * series, with the names, labels and values /metrics shows.
 */
const TEXTFILE = `# HELP backup_age_seconds Age of the last backup.
# TYPE backup_age_seconds gauge
backup_age_seconds{target="db"} 3600
# TYPE backup_runs_total counter
backup_runs_total 12
legacy_jobs{queue="mail"} 7
# HELP resync_seconds Time resyncs took.
# TYPE resync_seconds histogram
resync_seconds_bucket{le="60"} 1
resync_seconds_bucket{le="+Inf"} 3
resync_seconds_sum 500
resync_seconds_count 3
# HELP rpc_latency_seconds RPC latency.
# TYPE rpc_latency_seconds summary
rpc_latency_seconds{quantile="0.5"} 0.02
rpc_latency_seconds{quantile="0.99"} 0.4
rpc_latency_seconds_sum 12.5
rpc_latency_seconds_count 310
`;

function withExternalSeries() {
  const textfile = { files: [{ file: "backup.prom", mtime_seconds: 1_700_000_000, error: null }], families: parsePrometheusText(TEXTFILE) };
  const plugins = {
    runs: [{ plugin: "queue", format: "prometheus" as const, finished_at: "2026-03-01T12:00:00.000Z", duration_seconds: 0.01, exit_code: 0, error: null }],
    families: [{ name: "queue_depth", help: "Messages waiting.", type: "gauge" as const, samples: [{ name: "queue_depth", labels: { queue: "mail", plugin: "queue" }, value: 42 }] }],
  };
  return exposedFamilies({ ...SNAPSHOT, textfile, plugins }, sampleSelfMetrics().all());
}

describe("textfile and plugin series in the pushes", () => {
  const resource = { serviceName: "aiops-agent", serviceVersion: "1.2.3", instanceId: "web-1", hostName: "node-7", osType: "linux", environment: "staging", extra: {} };

  test("remote_write carries every textfile and plugin sample /metrics shows", () => {
    const families = withExternalSeries();
    const text = exposition(renderFamilies(families, "prometheus"));
    for (const key of ['backup_age_seconds{target="db"}', "backup_runs_total", 'legacy_jobs{queue="mail"}', 'resync_seconds_bucket{le="+Inf"}', 'rpc_latency_seconds{quantile="0.99"}', 'queue_depth{queue="mail",plugin="queue"}']) {
      expect(text.has(key)).toBe(true);
    }
    const series = decodeWriteRequest(encodeWriteRequest(families, T, EXTERNAL, all).body);
    const sent = new Map(series.map((s) => [normalise(keyOf(s.labels, ["agent", "environment", "host"])), s.samples[0]!.value]));
    expect(sent).toEqual(new Map([...text].map(([k, v]) => [normalise(k), v])));
  });

  test("OTLP: untyped as a gauge, a counter as a sum, a histogram and a summary as theirs; a family without HELP says where it came from", () => {
    const metrics = decodeOtlp(encodeOtlpMetrics(withExternalSeries(), T, T - 60_000, resource, all).body).resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    const byName = new Map(metrics.map((m) => [m.name, m]));
    expect(byName.get("backup_age_seconds")).toMatchObject({ data: "gauge", unit: "s", description: "Age of the last backup." });
    expect(byName.get("backup_runs_total")).toMatchObject({ data: "sum", description: EXTERNAL_HELP });
    expect(byName.get("legacy_jobs")).toMatchObject({ data: "gauge" });
    expect(attributes(byName.get("legacy_jobs")!.gauge!.dataPoints[0]!.attributes)).toEqual({ queue: "mail" });
    expect(byName.get("resync_seconds")!.histogram!.dataPoints[0]).toMatchObject({ count: "3", sum: 500, explicitBounds: [60], bucketCounts: ["1", "2"] });
    const summary = byName.get("rpc_latency_seconds")!;
    expect(summary.data).toBe("summary");
    expect(summary.summary!.dataPoints[0]).toMatchObject({ count: "310", sum: 12.5, quantileValues: [{ quantile: 0.5, value: 0.02 }, { quantile: 0.99, value: 0.4 }] });
    expect(attributes(byName.get("queue_depth")!.gauge!.dataPoints[0]!.attributes)).toEqual({ queue: "mail", plugin: "queue" });
  });

  test("a textfile histogram with a fractional or NaN count is sent as the nearest count, not a failed push", () => {
    const families: MetricFamily[] = [
      {
        name: "odd_seconds",
        help: "h",
        type: "histogram",
        unit: "seconds",
        samples: [
          { name: "odd_seconds_bucket", labels: { le: "1" }, value: 2.5 },
          { name: "odd_seconds_bucket", labels: { le: "+Inf" }, value: Number.NaN },
          { name: "odd_seconds_sum", labels: {}, value: 3 },
          { name: "odd_seconds_count", labels: {}, value: Number.NaN },
        ],
      },
    ];
    const [metric] = decodeOtlp(encodeOtlpMetrics(families, T, T, resource, all).body).resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(metric!.histogram!.dataPoints[0]).toMatchObject({ sum: 3, bucketCounts: ["3", "0"] });
  });
});

describe("ProtobufWriter", () => {
  test("strings of any length and script keep their bytes (the length prefix is fixed up)", () => {
    for (const s of ["", "a", "é".repeat(50), "x".repeat(200), "🙂".repeat(40), "z".repeat(20_000)]) {
      const bytes = new ProtobufWriter(4).string(2, s).finish();
      const [{ labels }] = [{ labels: decodeWriteRequestLabel(bytes) }];
      expect(labels).toBe(s);
    }
  });
});

/** Decodes a lone `Label.value = 2` field written by the writer. */
function decodeWriteRequestLabel(fieldBytes: Uint8Array): string {
  // Wrap it as WriteRequest.timeseries[0].labels[0] and decode with protobufjs.
  const label = new ProtobufWriter().string(1, "n").finish();
  const w = new ProtobufWriter().message(1, (ts) => ts.bytes(1, concat(label, fieldBytes)));
  const [series] = decodeWriteRequest(w.finish());
  return series?.labels.n ?? "";
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `name{b="2",a="1"}` with its labels sorted, so two orders compare equal. */
function normalise(key: string): string {
  const open = key.indexOf("{");
  if (open < 0) return key;
  const labels = key.slice(open + 1, -1).match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? [];
  return `${key.slice(0, open)}{${labels.sort().join(",")}}`;
}
