/**
 * Writes deploy/grafana/aiops-agent-hosts.json: every section the agent exports, templated by data
 * source, environment, agent, host (and instance for scraped agents), with anomalies and alert
 * changes as annotations. Run it after adding a metric; a test checks each panel's metrics against a
 * live scrape of the agent.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const SEL = 'environment=~"$environment", agent=~"$agent", host=~"$host", instance=~"$instance"';
const DS = { type: "prometheus", uid: "${datasource}" };
let id = 0;
let y = 0;
const panels: unknown[] = [];

function row(title: string): void {
  panels.push({ type: "row", id: ++id, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
}

/** One time series panel; each target is [expr, legend]. `w` of 24 columns. */
function graph(title: string, unit: string, targets: Array<[string, string]>, w = 12, x = 0, extra: Record<string, unknown> = {}): void {
  panels.push({
    type: "timeseries",
    id: ++id,
    title,
    datasource: DS,
    gridPos: { h: 8, w, x, y },
    fieldConfig: { defaults: { unit, ...extra }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
    targets: targets.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), datasource: DS, expr, legendFormat })),
  });
  if (x + w >= 24) y += 8;
}

const pct = { min: 0, max: 100 };
/** A percent panel with the agent's default warning level and its critical level (thresholds.*), dashed. */
const levels = (warning: number) => ({
  ...pct,
  custom: { thresholdsStyle: { mode: "dashed" } },
  thresholds: { mode: "absolute", steps: [{ color: "green", value: null }, { color: "orange", value: warning }, { color: "red", value: 95 }] },
});
row("CPU");
graph("CPU usage", "percent", [[`aiops_cpu_usage_percent{${SEL}}`, "{{host}}{{instance}}"]], 8, 0, levels(80));
graph("CPU usage per CPU", "percent", [[`aiops_cpu_core_usage_percent{${SEL}}`, "{{host}}{{instance}} cpu {{cpu}}"]], 8, 8, pct);
graph("CPU time by mode", "percent", [[`aiops_cpu_mode_percent{${SEL}}`, "{{host}}{{instance}} {{mode}}"]], 8, 16, pct);
row("Memory and swap");
graph("Memory usage", "percent", [[`aiops_memory_usage_percent{${SEL}}`, "{{host}}{{instance}}"], [`aiops_swap_usage_percent{${SEL}}`, "{{host}}{{instance}} swap"]], 12, 0, levels(85));
graph("Memory", "bytes", [
  [`aiops_memory_used_bytes{${SEL}}`, "{{host}}{{instance}} used"],
  [`aiops_memory_available_bytes{${SEL}}`, "{{host}}{{instance}} available"],
  [`aiops_memory_total_bytes{${SEL}}`, "{{host}}{{instance}} total"],
  [`aiops_swap_used_bytes{${SEL}}`, "{{host}}{{instance}} swap used"],
  [`aiops_swap_total_bytes{${SEL}}`, "{{host}}{{instance}} swap total"],
], 12, 12);
row("Load and pressure");
graph("Load average", "short", [
  [`aiops_load1{${SEL}}`, "{{host}}{{instance}} 1m"],
  [`aiops_load5{${SEL}}`, "{{host}}{{instance}} 5m"],
  [`aiops_load15{${SEL}}`, "{{host}}{{instance}} 15m"],
  [`aiops_cpu_online{${SEL}}`, "{{host}}{{instance}} CPUs"],
], 12, 0);
graph("Pressure stall (PSI, 10 s window)", "percent", [[`aiops_pressure_stalled_percent{${SEL}, window="10s"}`, "{{host}}{{instance}} {{resource}} {{kind}}"]], 12, 12);
row("Disk space and inodes");
graph("Filesystem usage", "percent", [[`aiops_disk_usage_percent{${SEL}}`, "{{host}}{{instance}} {{mountpoint}}"]], 8, 0, levels(90));
graph("Filesystem free", "bytes", [[`aiops_disk_free_bytes{${SEL}}`, "{{host}}{{instance}} {{mountpoint}}"], [`aiops_disk_total_bytes{${SEL}}`, "{{host}}{{instance}} {{mountpoint}} size"], [`aiops_disk_used_bytes{${SEL}}`, "{{host}}{{instance}} {{mountpoint}} used"]], 8, 8);
graph("Inodes usage", "percent", [[`aiops_disk_inodes_usage_percent{${SEL}}`, "{{host}}{{instance}} {{mountpoint}}"], [`aiops_disk_inodes_used{${SEL}} / aiops_disk_inodes{${SEL}} * 100`, "{{host}}{{instance}} {{mountpoint}} (from counts)"]], 8, 16, pct);
row("Disk I/O");
graph("Disk throughput", "Bps", [[`aiops_disk_read_bytes_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} read"], [`-aiops_disk_write_bytes_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} write"]], 8, 0);
graph("Disk operations", "iops", [
  [`aiops_disk_reads_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} reads"],
  [`aiops_disk_writes_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} writes"],
  [`aiops_disk_total_reads_per_second{${SEL}} + aiops_disk_total_writes_per_second{${SEL}}`, "{{host}}{{instance}} all devices"],
], 8, 8);
graph("Disk busy (iostat %util)", "percent", [[`aiops_disk_busy_percent{${SEL}}`, "{{host}}{{instance}} {{device}}"], [`aiops_disk_total_busy_percent{${SEL}}`, "{{host}}{{instance}} all"]], 8, 16, pct);
graph("Disk throughput, all devices", "Bps", [[`aiops_disk_total_read_bytes_per_second{${SEL}}`, "{{host}}{{instance}} read"], [`aiops_disk_total_write_bytes_per_second{${SEL}}`, "{{host}}{{instance}} write"]], 24, 0);
row("Network");
graph("Network throughput", "Bps", [[`aiops_network_receive_bytes_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} in"], [`-aiops_network_transmit_bytes_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} out"]], 12, 0);
graph("Network throughput, all interfaces", "Bps", [[`aiops_network_total_receive_bytes_per_second{${SEL}}`, "{{host}}{{instance}} in"], [`-aiops_network_total_transmit_bytes_per_second{${SEL}}`, "{{host}}{{instance}} out"]], 12, 12);
graph("Packets", "pps", [
  [`aiops_network_receive_packets_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} in"],
  [`aiops_network_transmit_packets_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} out"],
  [`aiops_network_total_receive_packets_per_second{${SEL}} + aiops_network_total_transmit_packets_per_second{${SEL}}`, "{{host}}{{instance}} all"],
], 12, 0);
graph("Errors and drops", "pps", [
  [`aiops_network_receive_errors_per_second{${SEL}} + aiops_network_transmit_errors_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} errors"],
  [`aiops_network_receive_drops_per_second{${SEL}} + aiops_network_transmit_drops_per_second{${SEL}}`, "{{host}}{{instance}} {{device}} drops"],
  [`aiops_network_total_receive_errors_per_second{${SEL}} + aiops_network_total_transmit_errors_per_second{${SEL}} + aiops_network_total_receive_drops_per_second{${SEL}} + aiops_network_total_transmit_drops_per_second{${SEL}}`, "{{host}}{{instance}} all"],
], 12, 12);
row("Processes");
// The agent exports the busiest processes (collect.processes.top by CPU and by memory): topk keeps each
// panel to the few that matter across the selected hosts.
graph("Top processes by CPU", "percent", [[`topk(10, aiops_process_cpu_usage_percent{${SEL}})`, "{{host}}{{instance}} {{name}} ({{pid}})"]], 12, 0);
graph("Top processes by resident memory", "bytes", [[`topk(10, aiops_process_resident_memory_bytes{${SEL}})`, "{{host}}{{instance}} {{name}} ({{pid}})"]], 12, 12);
graph("Process storage I/O", "Bps", [
  [`topk(10, aiops_process_read_bytes_per_second{${SEL}})`, "{{host}}{{instance}} {{name}} ({{pid}}) read"],
  [`-topk(10, aiops_process_write_bytes_per_second{${SEL}})`, "{{host}}{{instance}} {{name}} ({{pid}}) write"],
], 12, 0);
graph("Processes by state, threads", "short", [
  [`aiops_processes{${SEL}}`, "{{host}}{{instance}} {{state}}"],
  [`aiops_processes_threads{${SEL}}`, "{{host}}{{instance}} threads"],
  [`topk(10, aiops_process_threads{${SEL}})`, "{{host}}{{instance}} {{name}} ({{pid}}) threads"],
], 12, 12);
row("Containers and pods");
const CONTAINER = "{{host}}{{instance}} {{runtime}} {{container_id}} {{pod_uid}}";
graph("Container CPU", "percent", [[`aiops_container_cpu_usage_percent{${SEL}}`, CONTAINER]], 8, 0);
graph("Container memory, percent of its limit", "percent", [[`aiops_container_memory_usage_percent{${SEL}}`, CONTAINER]], 8, 8, levels(90));
graph("Container memory", "bytes", [
  [`aiops_container_memory_usage_bytes{${SEL}}`, `${CONTAINER} used`],
  [`aiops_container_memory_limit_bytes{${SEL}}`, `${CONTAINER} limit`],
], 8, 16);
graph("Container storage I/O", "Bps", [
  [`aiops_container_read_bytes_per_second{${SEL}}`, `${CONTAINER} read`],
  [`-aiops_container_write_bytes_per_second{${SEL}}`, `${CONTAINER} write`],
], 12, 0);
graph("Container tasks", "short", [
  [`aiops_container_pids{${SEL}}`, `${CONTAINER} tasks`],
  [`aiops_container_pids_limit{${SEL}}`, `${CONTAINER} limit`],
], 12, 12);
row("Sensors, textfiles and plugins");
graph("Temperatures", "celsius", [
  [`aiops_sensor_temperature_celsius{${SEL}}`, "{{host}}{{instance}} {{chip}} {{sensor}}"],
  [`aiops_sensor_temperature_critical_celsius{${SEL}}`, "{{host}}{{instance}} {{chip}} {{sensor}} critical"],
  [`aiops_sensor_temperature_high_celsius{${SEL}}`, "{{host}}{{instance}} {{chip}} {{sensor}} high"],
], 8, 0);
graph("Fans", "rotrpm", [[`aiops_sensor_fan_rpm{${SEL}}`, "{{host}}{{instance}} {{chip}} {{sensor}}"]], 8, 8);
graph("Textfiles and exec plugins", "short", [
  [`aiops_textfile_scrape_error{${SEL}}`, "{{host}}{{instance}} {{file}} unusable"],
  [`time() - aiops_textfile_mtime_seconds{${SEL}}`, "{{host}}{{instance}} {{file}} age (s)"],
  [`aiops_plugin_up{${SEL}}`, "{{host}}{{instance}} {{plugin}} up"],
  [`aiops_plugin_nagios_status{${SEL}}`, "{{host}}{{instance}} {{plugin}} Nagios status"],
  [`sum by (host, instance, plugin, outcome) (increase(aiops_plugin_runs_total{${SEL}}[1h]))`, "{{host}}{{instance}} {{plugin}} {{outcome}} runs (1h)"],
], 8, 16);
row("Host and container limits");
graph("Uptime", "s", [[`aiops_uptime_seconds{${SEL}}`, "{{host}}{{instance}}"]], 8, 0);
graph("Agent's cgroup: memory and CPU", "percent", [[`aiops_cgroup_memory_usage_percent{${SEL}}`, "{{host}}{{instance}} memory"], [`aiops_cgroup_cpu_usage_percent{${SEL}}`, "{{host}}{{instance}} CPU (of one core)"]], 8, 8);
graph("Agent's cgroup: limits", "short", [
  [`aiops_cgroup_memory_usage_bytes{${SEL}}`, "{{host}}{{instance}} memory bytes"],
  [`aiops_cgroup_memory_limit_bytes{${SEL}}`, "{{host}}{{instance}} memory limit"],
  [`aiops_cgroup_cpu_limit_cores{${SEL}}`, "{{host}}{{instance}} CPU limit"],
  [`aiops_cgroup_cpu_throttled_per_second{${SEL}}`, "{{host}}{{instance}} throttled/s"],
  [`aiops_cgroup_pids{${SEL}}`, "{{host}}{{instance}} tasks"],
  [`aiops_cgroup_pids_limit{${SEL}}`, "{{host}}{{instance}} task limit"],
], 8, 16);
row("Anomalies and alerts");
graph("Anomalies started per hour", "short", [[`sum by (host, instance, type, severity) (increase(aiops_anomalies_total{${SEL}}[1h]))`, "{{host}}{{instance}} {{type}} ({{severity}})"]], 12, 0);
graph("Alerts by state", "short", [[`aiops_alerts{${SEL}}`, "{{host}}{{instance}} {{state}}"]], 12, 12);
row("Delivery health");
graph("Notifications delivered and failed", "short", [
  [`sum by (host, instance, channel) (rate(aiops_notifications_sent_total{${SEL}}[5m])) * 60`, "{{host}}{{instance}} {{channel}} delivered/min"],
  [`sum by (host, instance, channel, reason) (rate(aiops_notifications_failed_total{${SEL}}[5m])) * 60`, "{{host}}{{instance}} {{channel}} failed ({{reason}})/min"],
  [`sum by (host, instance, channel) (rate(aiops_notifications_retried_total{${SEL}}[5m])) * 60`, "{{host}}{{instance}} {{channel}} retried/min"],
  [`sum by (host, instance, channel) (increase(aiops_notifications_dead_lettered_total{${SEL}}[1h]))`, "{{host}}{{instance}} {{channel}} given up (1h)"],
], 12, 0);
graph("Outbox", "short", [
  [`aiops_outbox_depth{${SEL}}`, "{{host}}{{instance}} {{channel}} waiting"],
  [`aiops_outbox_oldest_age_seconds{${SEL}}`, "{{host}}{{instance}} {{channel}} oldest (s)"],
], 12, 12);
graph("Delivery attempt duration (p50, p99)", "s", [
  [`histogram_quantile(0.5, sum by (host, instance, le) (rate(aiops_delivery_duration_seconds_bucket{${SEL}}[5m])))`, "{{host}}{{instance}} p50"],
  [`histogram_quantile(0.99, sum by (host, instance, le) (rate(aiops_delivery_duration_seconds_bucket{${SEL}}[5m])))`, "{{host}}{{instance}} p99"],
], 12, 0);
graph("Export (remote_write, OTLP)", "short", [
  [`sum by (host, instance, target) (rate(aiops_export_samples_sent_total{${SEL}}[5m]))`, "{{host}}{{instance}} {{target}} sent/s"],
  [`sum by (host, instance, target, reason) (rate(aiops_export_samples_failed_total{${SEL}}[5m]))`, "{{host}}{{instance}} {{target}} failed ({{reason}})/s"],
  [`sum by (host, instance, target, reason) (rate(aiops_export_samples_dropped_total{${SEL}}[5m]))`, "{{host}}{{instance}} {{target}} dropped ({{reason}})/s"],
  [`aiops_export_queue_samples{${SEL}}`, "{{host}}{{instance}} {{target}} queued"],
  [`aiops_export_queue_oldest_age_seconds{${SEL}}`, "{{host}}{{instance}} {{target}} oldest (s)"],
  [`aiops_export_queue_bytes{${SEL}}`, "{{host}}{{instance}} {{target}} queue bytes"],
  [`time() - aiops_export_last_success_timestamp_seconds{${SEL}}`, "{{host}}{{instance}} {{target}} since last success (s)"],
], 12, 12);
row("The agent itself");
graph("Ticks", "short", [
  [`rate(aiops_ticks_total{${SEL}}[5m])`, "{{host}}{{instance}} ticks/s"],
  [`rate(aiops_ticks_skipped_total{${SEL}}[5m])`, "{{host}}{{instance}} skipped/s"],
  [`histogram_quantile(0.99, sum by (host, instance, le) (rate(aiops_tick_duration_seconds_bucket{${SEL}}[5m])))`, "{{host}}{{instance}} tick p99 (s)"],
  [`aiops_interval_seconds{${SEL}}`, "{{host}}{{instance}} interval (s)"],
], 8, 0);
graph("Collectors", "short", [
  [`sum by (host, instance, collector) (rate(aiops_collector_errors_total{${SEL}}[5m]))`, "{{host}}{{instance}} {{collector}} errors/s"],
  [`aiops_collector_duration_seconds{${SEL}}`, "{{host}}{{instance}} {{collector}} duration (s)"],
  [`aiops_collector_success{${SEL}}`, "{{host}}{{instance}} {{collector}} ok"],
  [`rate(aiops_stage_errors_total{${SEL}}[5m])`, "{{host}}{{instance}} {{stage}} stage errors/s"],
], 8, 8);
graph("Process and store", "short", [
  [`process_resident_memory_bytes{${SEL}}`, "{{host}}{{instance}} RSS bytes"],
  [`rate(process_cpu_seconds_total{${SEL}}[5m])`, "{{host}}{{instance}} CPU (cores)"],
  [`aiops_store_degraded{${SEL}}`, "{{host}}{{instance}} store degraded"],
  [`aiops_store_series{${SEL}}`, "{{host}}{{instance}} stored series"],
  [`rate(aiops_store_points_written_total{${SEL}}[5m])`, "{{host}}{{instance}} points written/s"],
  [`aiops_build_info{${SEL}}`, "{{host}}{{instance}} {{version}}"],
], 8, 16);

/** A query variable over a label of the agent's build info (every agent has it, scraped or pushed). */
function variable(name: string, label: string, query: string) {
  return {
    name,
    label,
    type: "query",
    datasource: DS,
    query: { query, refId: name },
    definition: query,
    includeAll: true,
    multi: true,
    // A series without the label (a scraped agent has no agent label) matches .* too.
    allValue: ".*",
    current: { text: "All", value: "$__all" },
    refresh: 2,
    sort: 1,
    hide: 0,
  };
}

const dashboard = {
  title: "aiops-agent hosts",
  uid: "aiops-agent-hosts",
  description: "Every section aiops-agent exports, per host: CPU, memory, load, pressure, disks, network, processes, containers, sensors, textfiles and plugins, limits, anomalies, alerts, delivery and export health. Generated by scripts/grafana-dashboard.ts.",
  tags: ["aiops-agent"],
  editable: true,
  schemaVersion: 39,
  version: 3,
  refresh: "30s",
  time: { from: "now-6h", to: "now" },
  timezone: "",
  graphTooltip: 1,
  templating: {
    list: [
      { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1 },
      variable("environment", "Environment", "label_values(aiops_build_info, environment)"),
      variable("agent", "Agent", 'label_values(aiops_build_info{environment=~"$environment"}, agent)'),
      variable("host", "Host", 'label_values(aiops_build_info{environment=~"$environment", agent=~"$agent"}, host)'),
      variable("instance", "Instance (scraped)", 'label_values(aiops_build_info{environment=~"$environment"}, instance)'),
    ],
  },
  annotations: {
    list: [
      { builtIn: 1, datasource: { type: "grafana", uid: "-- Grafana --" }, enable: true, hide: true, iconColor: "rgba(0, 211, 255, 1)", name: "Annotations & Alerts", type: "dashboard" },
      {
        name: "Anomalies",
        datasource: DS,
        enable: true,
        iconColor: "orange",
        expr: `sum by (host, instance, type, severity) (changes(aiops_anomalies_total{${SEL}}[1m])) > 0`,
        step: "60s",
        titleFormat: "Anomaly: {{type}}",
        textFormat: "{{host}}{{instance}}: {{type}} ({{severity}})",
        tagKeys: "type,severity",
        useValueForTime: false,
      },
      {
        name: "Alerts firing",
        datasource: DS,
        enable: true,
        iconColor: "red",
        expr: `sum by (host, instance) (delta(aiops_alerts{${SEL}, state="firing"}[1m])) > 0`,
        step: "60s",
        titleFormat: "Alert fired",
        textFormat: "{{host}}{{instance}}: {{value}} more alerts firing",
        tagKeys: "host,instance",
        useValueForTime: false,
      },
    ],
  },
  panels,
};

writeFileSync(join(import.meta.dir, "..", "deploy/grafana/aiops-agent-hosts.json"), `${JSON.stringify(dashboard, null, 2)}\n`);
console.log(`deploy/grafana/aiops-agent-hosts.json written: ${panels.length} panels`);
