import type { Clock } from "../clock.ts";
import { type Labels } from "../contracts/sample.ts";
import type { Snapshot } from "../contracts/snapshot.ts";
import { hostFamilies, type MetricFamily, type SeriesFilter, selfFamilies, snapshotFamilies } from "../export/metric-families.ts";
import type { SelfFamily, SelfMetrics } from "../self-metrics.ts";

/** Content types of the two exposition formats. */
export const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
export const OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export type ExpositionFormat = "prometheus" | "openmetrics";

/** OpenMetrics when the scraper says it accepts it (Prometheus does by default), else text 0.0.4. */
export function negotiateFormat(accept: string | null): ExpositionFormat {
  return accept?.includes("application/openmetrics-text") ? "openmetrics" : "prometheus";
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return "";
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(",")}}`;
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/**
 * Families in exposition format, with HELP and TYPE. OpenMetrics names a counter family without its
 * `_total` (its samples keep it) and calls an untyped family `unknown`; a counter from a textfile or a
 * plugin whose samples lack `_total` is `unknown` there, rather than break the scrape.
 */
export function renderFamilies(families: readonly MetricFamily[], format: ExpositionFormat): string {
  const out: string[] = [];
  for (const family of families) {
    let name = family.name;
    let type: string = family.type;
    if (format === "openmetrics") {
      if (type === "untyped") type = "unknown";
      else if (type === "counter") {
        if (family.samples.every((s) => s.name.endsWith("_total"))) name = name.replace(/_total$/, "");
        else type = "unknown";
      }
    }
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${type}`);
    for (const s of family.samples) out.push(`${s.name}${labelText(s.labels)} ${valueText(s.value)}`);
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/**
 * The host series of one Snapshot in exposition format, every metric of the Series table with HELP and
 * TYPE (a metric with no sample this tick, such as pressure on a kernel without PSI, is left out).
 * Rendered once per tick and reused by every scrape until the next.
 */
export function renderHostSeries(snapshot: Snapshot | undefined): string {
  return renderFamilies(hostFamilies(snapshot), "prometheus");
}

/**
 * Every series of one Snapshot in the negotiated format: the host series, then the textfile and plugin
 * series with their own HELP and TYPE. Rendered once per tick and format, reused by every scrape until
 * the next.
 */
export function renderSnapshotSeries(snapshot: Snapshot | undefined, format: ExpositionFormat, keep?: SeriesFilter): string {
  return renderFamilies(snapshotFamilies(snapshot, keep), format);
}

/** Self metrics (ticks, errors, deliveries, process) in the negotiated format. */
export function renderSelfMetrics(families: readonly SelfFamily[], format: ExpositionFormat): string {
  return renderFamilies(selfFamilies(families), format);
}

/** Registers the process metrics every Prometheus client exports, and the agent's build info; the clock dates the start. */
export function registerProcessMetrics(metrics: SelfMetrics, build: { version: string }, clock: Clock): void {
  const startedAt = clock.wallMs() / 1000 - process.uptime();
  metrics.gauge("process_resident_memory_bytes", "Resident memory of the agent process.", () => [
    { labels: {}, value: process.memoryUsage.rss() },
  ]);
  // The JavaScript heap apart from RSS: growth of live objects (a cache without bound) shows here
  // first, while RSS also moves with the allocator, SQLite's page cache and native buffers.
  metrics.gauge("aiops_js_heap_bytes", "Bytes of the JavaScript heap in use by live objects (JavaScriptCore's heap size).", () => [
    { labels: {}, value: process.memoryUsage().heapUsed },
  ]);
  metrics.counter("process_cpu_seconds_total", "CPU time of the agent process, user and system.", () => {
    const used = process.cpuUsage();
    return [{ labels: {}, value: (used.user + used.system) / 1e6 }];
  });
  metrics.gauge("process_start_time_seconds", "Start time of the agent process, seconds since the epoch.", () => [
    { labels: {}, value: Math.round(startedAt) },
  ]);
  metrics.gauge("aiops_build_info", "Build of the running agent (always 1).", () => [
    { labels: { version: build.version, bun_version: Bun.version }, value: 1 },
  ]);
}

/** The whole exposition: host series then self metrics, with the trailing `# EOF` OpenMetrics requires. */
export function renderExposition(hostSeries: string, families: readonly SelfFamily[], format: ExpositionFormat): string {
  const body = hostSeries + renderSelfMetrics(families, format);
  return format === "openmetrics" ? `${body}# EOF\n` : body;
}
