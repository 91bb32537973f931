import { hostname } from "node:os";
import type { z } from "zod";
import { apiTokenSchema, checkTokenText } from "./api-tokens.ts";
import { channelSchema, silenceSchema } from "./channels.ts";
import { actionSchema } from "./remediation.ts";
import { listenProblem } from "./listen-address.ts";
import { pluginSchema } from "./plugins.ts";
import { boolean, list, number, objects, oneOf, optionalText, optionalUrl, percent, seconds, section, text, textMap, url } from "./fields.ts";

/** Filesystem types that are not storage a person can fill: skipped by the disk collector. */
const PSEUDO_FILESYSTEMS = [
  "autofs",
  "binfmt_misc",
  "bpf",
  "cgroup",
  "cgroup2",
  "configfs",
  "debugfs",
  "devpts",
  "devtmpfs",
  "efivarfs",
  "fusectl",
  "fuse.lxcfs",
  "hugetlbfs",
  "mqueue",
  "nsfs",
  "overlay",
  "proc",
  "pstore",
  "ramfs",
  "rpc_pipefs",
  "securityfs",
  "selinuxfs",
  "squashfs",
  "sysfs",
  "tmpfs",
  "tracefs",
];

/** The settings of one push target (remote_write, OTLP): where, how often, how, and how much to keep. */
function pushTarget(what: string, urlDoc: string) {
  return section({
    url: optionalUrl({ doc: urlDoc, secret: true }),
    interval: seconds({ doc: `How often a push of every series /metrics shows is taken for ${what}.`, default: 10, min: 1, max: 3600 }),
    timeout: seconds({ doc: `Longest one request to ${what} may take.`, default: 10, min: 0.1, max: 300 }),
    headers: textMap({ doc: `Extra HTTP headers of every request to ${what} (authentication, tenant); values are secrets.`, secret: true }),
    ca_file: optionalText({ doc: "PEM file of extra certificate authorities to trust (verification is never turned off).", allowed: "a file path" }),
    cert_file: optionalText({ doc: "PEM client certificate, for a receiver that authenticates clients by TLS (with key_file).", allowed: "a file path" }),
    key_file: optionalText({ doc: "PEM key of cert_file.", allowed: "a file path" }),
    queue_max_mb: number({
      doc: `Bound of the queue of pushes waiting for ${what} in the store; past it the oldest are dropped (and counted).`,
      default: 64,
      min: 1,
      max: 100_000,
      unit: "MB",
    }),
    batch_samples: number({ doc: "Most samples in one request when the queue has a backlog.", default: 2000, min: 1, max: 1_000_000, integer: true }),
    allow: text({ doc: "Metric names pushed: a regular expression matching the whole name.", default: ".*", allowed: "a regular expression" }),
    deny: text({ doc: "Metric names not pushed, though allowed: a regular expression matching the whole name (empty: none).", default: "", allowed: "a regular expression" }),
    backoff_base: seconds({ doc: "First retry after a failed request comes within this; each later one within twice the one before.", default: 1, min: 0.01, max: 3600 }),
    backoff_max: seconds({ doc: "Longest wait between two requests, a receiver's Retry-After included.", default: 60, min: 0.01, max: 86400 }),
  });
}

/**
 * The one source of every setting: its type, default, environment name and one-line doc.
 * Later sources win: defaults < YAML file (`--config`) < environment (`AIOPS_*`).
 * Keys are snake_case; environment names are derived (`AIOPS_` + path) unless a key names its own.
 * Built on each call and dropped after use (loading, printing): the schema is some 3 MB of zod objects
 * that a running agent would otherwise keep for nothing.
 */
export const configSchema = () =>
  section({
  agent: section({
    name: text({
      doc: "Name of this agent in alerts, labels and logs.",
      default: () => hostname(),
      defaultText: "hostname",
      env: "AIOPS_AGENT_NAME",
    }),
    environment: text({ doc: "Environment named in alerts (production, staging...).", default: "production", env: "AIOPS_ENVIRONMENT" }),
    interval: seconds({
      doc: "Collection interval (1 s with --tui unless set).",
      default: 10,
      min: 0.1,
      max: 3600,
      env: "AIOPS_INTERVAL",
    }),
    data_dir: text({ doc: "Directory of the SQLite database and the TUI log file.", default: "./data", env: "AIOPS_DATA_DIR" }),
    host_root: text({
      doc: "Where the host's /proc, /sys and mounts are seen (/host in a container).",
      default: "/",
      env: "AIOPS_HOST_ROOT",
      pattern: /^\//,
      allowed: "an absolute path",
    }),
  }),
  log: section({
    level: oneOf(["debug", "info", "warning", "error", "critical"], { doc: "Lowest level logged.", default: "info", env: "AIOPS_LOG_LEVEL" }),
    format: oneOf(["auto", "json", "pretty"], {
      doc: "Log format: JSON lines, readable lines, or auto (readable on a terminal).",
      default: "auto",
    }),
  }),
  collect: section({
    timeout: seconds({
      doc: "Longest a collector may take before its result is dropped from the tick.",
      default: 2,
      min: 0.01,
      max: 60,
    }),
    inventory_timeout: seconds({
      doc: "Longest the start-up inventory (OS, CPU model) may take on systems other than Linux, where systeminformation answers; on Linux the host's own files answer, without starting a program.",
      default: 5,
      min: 0.1,
      max: 120,
    }),
    max_series: section({
      total: number({
        doc: "Most series the collectors may give in all (the detectors' own bound is detect.max_series). Past it new series are left out, counted in aiops_collect_series_dropped and reported by /api/v1/snapshot and the TUI. The core series (metrics without labels, CPU, the root filesystem) are always kept and not counted.",
        default: 10_000,
        min: 100,
        max: 1_000_000,
        integer: true,
      }),
      per_collector: number({
        doc: "Most series any one collector may give (500 interfaces give 4,000; a mount 7). The series kept stay the same from tick to tick.",
        default: 2000,
        min: 10,
        max: 1_000_000,
        integer: true,
      }),
    }),
    disk: section({
      exclude_fs_types: list({
        doc: "Filesystem types the disk collector skips.",
        default: PSEUDO_FILESYSTEMS,
      }),
      exclude_mount_points: text({
        doc: "Mount points the disk collector skips (regular expression).",
        default: "^/(dev|proc|sys|run/credentials/.+|var/lib/docker/.+|var/lib/containers/storage/.+|var/lib/kubelet/.+)($|/)",
        allowed: "a regular expression",
      }),
    }),
    network: section({
      exclude_devices: text({
        doc: "Interfaces the network collector skips (regular expression; loopback is never in totals).",
        default: "^(veth.*|cali.*|docker\\d+|br-.*|virbr.*|cni\\d+|flannel.*|ifb\\d+)$",
        allowed: "a regular expression",
      }),
    }),
    processes: section({
      enabled: boolean({ doc: "Read every process from /proc/<pid> (for /api/v1/processes, the TUI and root-cause context).", default: true }),
      top: number({
        doc: "How many of the busiest processes, by CPU and by memory, are exported as aiops_process_* series.",
        default: 10,
        min: 0,
        max: 100,
        integer: true,
      }),
      interval: seconds({
        doc: "Least time between two readings of every process: at a shorter collection interval, the ticks in between report the last reading (0: every tick), except that a finding starting on one of them has the processes read then for its root-cause context.",
        default: 3,
        min: 0,
        max: 3600,
      }),
    }),
    containers: section({
      enabled: boolean({ doc: "Report containers and pods found in the cgroup v2 hierarchy (Docker, containerd, CRI-O, Kubernetes).", default: true }),
      max: number({
        doc: "Most containers reported (the busiest by CPU first): bounds the series of a node running many.",
        default: 200,
        min: 1,
        max: 10_000,
        integer: true,
      }),
    }),
    sensors: section({
      enabled: boolean({ doc: "Report temperatures and fans from /sys/class/hwmon.", default: true }),
    }),
    textfile: section({
      directory: text({
        doc: "Directory of *.prom files (node_exporter's textfile convention) exported and learned; off when empty.",
        default: "",
        pattern: /^($|\/)/,
        allowed: "an absolute path, or empty for off",
      }),
    }),
    plugins: objects(pluginSchema(), {
      doc: "Exec plugins: programs run on their own interval (name, command, format, interval, timeout, max_output_bytes, env).",
      allowed: "a list of plugins, each with name and command",
    }),
  }),
  server: section({
    listen: text({
      doc: "HTTP address and port (:0 picks a free port and logs it).",
      default: "0.0.0.0:8080",
      env: "AIOPS_LISTEN",
      allowed: "host:port, [ipv6]:port or :port, port 0 to 65535",
      check: listenProblem,
    }),
    api_token: optionalText({
      doc: "Bearer token with write scope (named api_token). With any token set, /api/v1 needs one; with none, only loopback may change state.",
      env: "AIOPS_API_TOKEN",
      secret: true,
    }),
    tokens: objects(apiTokenSchema(), {
      doc: "Named bearer tokens, each with scope read or write (the name is recorded as the creator of what it changes).",
      allowed: "a list of tokens, each with name, token (or token_file) and scope",
    }),
    metrics_auth: boolean({
      doc: "/metrics, /healthz and /readyz also need a token (any scope); open by default, as Prometheus and kubelet expect.",
      default: false,
    }),
    tls: section({
      cert_file: optionalText({ doc: "PEM certificate (chain) to serve HTTPS with; reloaded when the file changes.", allowed: "a file path" }),
      key_file: optionalText({ doc: "PEM private key of tls.cert_file.", allowed: "a file path" }),
      client_ca_file: optionalText({
        doc: "PEM certificate authorities clients must present a certificate from (mutual TLS); none asked when unset.",
        allowed: "a file path",
      }),
    }),
    also_listen: optionalText({
      doc: "A second address served alike, e.g. 127.0.0.1:9849 beside a node address, so kubectl port-forward reaches a hostNetwork pod.",
      env: "AIOPS_ALSO_LISTEN",
      allowed: "host:port or [ipv6]:port",
    }),
  }),
  store: section({
    raw_retention: seconds({ doc: "How long raw points are kept.", default: 86400, min: 60, max: 90 * 86400 }),
    rollup_retention: seconds({
      doc: "How long 1-minute and 1-hour roll-ups are kept; also anomalies, delivery attempts, and resolved alerts, finished notifications and expired silences.",
      default: 30 * 86400,
      min: 3600,
      max: 3650 * 86400,
    }),
    max_size_mb: number({
      doc: "Largest size of the database; the oldest history goes first.",
      default: 1024,
      min: 16,
      max: 1_000_000,
      unit: "MB",
    }),
    maintenance_interval: seconds({
      doc: "How often the store rolls up raw points, applies retention and the size cap (the heavy work runs once an hour).",
      default: 60,
      min: 1,
      max: 3600,
    }),
  }),
  thresholds: section({
    cpu: percent({ doc: "CPU usage above which a warning is raised.", default: 80, env: "AIOPS_CPU_THRESHOLD" }),
    memory: percent({ doc: "Memory usage above which a warning is raised.", default: 85, env: "AIOPS_MEMORY_THRESHOLD" }),
    disk: percent({ doc: "Disk usage above which a warning is raised.", default: 90, env: "AIOPS_DISK_THRESHOLD" }),
    critical: percent({ doc: "Usage at or above which any of them is critical.", default: 95, env: "AIOPS_CRITICAL_THRESHOLD" }),
    inodes: percent({ doc: "Inode usage of a filesystem above which a warning is raised.", default: 90 }),
    swap: percent({ doc: "Swap usage above which a warning is raised.", default: 80 }),
    cgroup_memory: percent({ doc: "Memory of the agent's cgroup, percent of its limit, above which a warning is raised.", default: 90 }),
    hysteresis: number({
      doc: "A threshold finding clears only once the value falls this many points below its warning level.",
      default: 5,
      min: 0,
      max: 50,
      unit: "(percentage points)",
    }),
    for: seconds({ doc: "How long a value must stay above its level before a threshold finding is raised.", default: 0, min: 0, max: 86400 }),
  }),
  detect: section({
    statistical: boolean({ doc: "Learn each series' normal and raise findings on anomalies (the thresholds always apply).", default: true }),
    contextual: boolean({
      doc: "Also raise pattern findings (e.g. cpu_usage_pattern_anomaly) when a series' recent sequence of values is new to it, though no single value is unusual; needs detect.statistical. Its score stays while detect.flatline is on; with both off the detector does not run (on a host with thousands of series it is about half of the detection stage).",
      default: true,
    }),
    flatline: boolean({
      doc: "Also raise flatline findings (e.g. disk_write_bytes_flatline) when a series that changes value holds one exactly for longer than 1.25 times the longest it ever held one; needs detect.statistical.",
      default: true,
    }),
    warmup_points: number({
      doc: "Points a new series is watched before the learned detectors score it (learning is quiet until then).",
      default: 150,
      min: 10,
      max: 100_000,
      integer: true,
    }),
    quiet_period: seconds({
      doc: "History a series needs before the learned detectors raise findings (its scores start after warmup_points).",
      default: 86400,
      min: 0,
      max: 30 * 86400,
    }),
    anomaly_score: number({
      doc: "Anomaly score (0 to 1) at or above which a statistical finding opens. Scores are calibrated: 0.999 means about one point in a thousand is as strange under the series' learned normal.",
      default: 0.999,
      min: 0,
      max: 1,
    }),
    min_deviation: number({
      doc: "How far from the learned normal a value must be for a statistical finding, in robust standard deviations.",
      default: 6,
      min: 0,
      max: 100,
    }),
    forecast_horizon: seconds({
      doc: "A filling resource (disk, inodes, memory) forecast to be full within this time raises a finding.",
      default: 86400,
      min: 60,
      max: 365 * 86400,
    }),
    forecast_window: seconds({
      doc: "Time constant of the trend fitted for forecasts: the recent history that counts most.",
      default: 6 * 3600,
      min: 60,
      max: 30 * 86400,
    }),
    forget_after: seconds({
      doc: "A series not seen for this long is forgotten (a removed disk or interface); a container's after at most an hour, as its id does not come back.",
      default: 3 * 86400,
      min: 60,
      max: 365 * 86400,
    }),
    max_series: number({
      doc: "Most series the detectors learn at once; beyond it the series seen least recently is forgotten first (collect.max_series bounds what is collected).",
      default: 5000,
      min: 1,
      max: 1_000_000,
      integer: true,
    }),
    correlation_window: seconds({
      doc: "Series of one resource (CPU with load and CPU pressure; memory with swap and memory pressure; a disk with I/O pressure; an interface) that deviate within this time of each other make one finding listing them all.",
      default: 60,
      min: 0,
      max: 3600,
    }),
    // The least change worth telling, per metric family: a statistical finding smaller than this is
    // true but not worth anyone's time (a busy host moves by such amounts all day).
    min_effect: section({
      cpu: number({
        doc: "Least change from the expected value for a statistical finding on CPU usage (host, modes, cgroup, containers).",
        default: 15,
        min: 0,
        max: 100,
        unit: "(percentage points)",
      }),
      memory: number({
        doc: "Least change from the expected value for a statistical finding on memory or swap usage (host, cgroup, containers).",
        default: 5,
        min: 0,
        max: 100,
        unit: "(percentage points)",
      }),
      filesystem: number({
        doc: "Least change from the expected value for a statistical finding on filesystem space or inode usage.",
        default: 5,
        min: 0,
        max: 100,
        unit: "(percentage points)",
      }),
      pressure: number({
        doc: "Least change from the expected value for a statistical finding on stall time (PSI) or disk busy time.",
        default: 10,
        min: 0,
        max: 100,
        unit: "(percentage points)",
      }),
      network_change: number({
        doc: "Least relative change for a statistical finding on network bytes/s: the change over the larger of value and expected (0.5: doubled or halved).",
        default: 0.5,
        min: 0,
        max: 1,
      }),
      network_floor: number({
        doc: "Least absolute change for a statistical finding on network bytes/s (with network_change).",
        default: 1_000_000,
        min: 0,
        max: 1e12,
        unit: "bytes/s",
      }),
      disk_io_change: number({
        doc: "Least relative change for a statistical finding on disk read or write bytes/s (0.5: doubled or halved).",
        default: 0.5,
        min: 0,
        max: 1,
      }),
      disk_io_floor: number({
        doc: "Least absolute change for a statistical finding on disk read or write bytes/s (with disk_io_change).",
        default: 5_000_000,
        min: 0,
        max: 1e12,
        unit: "bytes/s",
      }),
      ops_change: number({
        doc: "Least relative change for a statistical finding on other rates: operations, packets, errors, drops, throttling (0.5: doubled or halved).",
        default: 0.5,
        min: 0,
        max: 1,
      }),
      ops_floor: number({
        doc: "Least absolute change for a statistical finding on other rates (with ops_change).",
        default: 1,
        min: 0,
        max: 1e12,
        unit: "per second",
      }),
      other_change: number({
        doc: "Least relative change for a statistical finding on any other series: load, sensors, plugins, textfiles (0.5: doubled or halved).",
        default: 0.5,
        min: 0,
        max: 1,
      }),
    }),
  }),
  alert: section({
    webhook_url: url({
      doc: "Webhook that receives every alert: an implicit webhook channel named `webhook`.",
      env: "AIOPS_WEBHOOK_URL",
      secret: true,
    }),
    channels: objects(channelSchema(), {
      doc: "Notification channels: each has a name, a type (webhook, slack, pagerduty, alertmanager, servicenow, email) and its keys.",
      allowed: "a list of channels, each with name and type",
    }),
    for: seconds({ doc: "How long a finding must hold before its alert fires (pending until then).", default: 30, min: 0, max: 86400 }),
    repeat_interval: seconds({
      doc: "Re-send a still-firing alert this often (a channel may set its own).",
      default: 4 * 3600,
      min: 1,
      max: 30 * 86400,
    }),
    group_wait: seconds({
      doc: "Window that collects a burst of alert changes into one notification per channel (0: per tick).",
      default: 10,
      min: 0,
      max: 3600,
    }),
    severity_hold: seconds({
      doc: "An alert moving between warning and critical is told to a channel at most once per this hold, except its first escalation to critical, told at once (0: every change at once).",
      default: 300,
      min: 0,
      max: 86400,
    }),
    flap: section({
      window: seconds({ doc: "Window in which state changes are counted, and how long a flapping alert must stay quiet to resolve.", default: 600, min: 1, max: 86400 }),
      max_changes: number({
        doc: "State changes within the window beyond which an alert is flapping and held firing.",
        default: 4,
        min: 2,
        max: 1000,
        integer: true,
      }),
    }),
    inhibit: boolean({ doc: "A critical alert hides warning alerts of the same series (metric and labels).", default: true }),
    delivery: section({
      concurrency: number({
        doc: "Deliveries in flight at once per channel; a slow or failing channel never holds another's.",
        default: 4,
        min: 1,
        max: 256,
        integer: true,
      }),
      backoff_base: seconds({
        doc: "First retry of a failed delivery comes within this; each later one within twice the one before (full jitter).",
        default: 1,
        min: 0.01,
        max: 3600,
      }),
      backoff_max: seconds({
        doc: "Longest wait between two attempts, a receiver's Retry-After included.",
        default: 300,
        min: 0.01,
        max: 86400,
      }),
      max_age: seconds({
        doc: "A notification still undelivered this long after it was queued is given up (dead-lettered, with its last error).",
        default: 86400,
        min: 1,
        max: 30 * 86400,
      }),
    }),
    silences: objects(silenceSchema(), {
      doc: "Maintenance windows: matchers (alertname=cpu_high, device=~sd.*) with starts_at and ends_at.",
      allowed: "a list of silences, each with matchers, starts_at and ends_at",
    }),
  }),
  remediation: section({
    actions: objects(actionSchema(), {
      doc: "Actions on alerts (exec, signal, systemd, http, cleanup), each with match, mode (dry_run by default, approve, auto), verify_within and limit. None by default.",
      allowed: "a list of actions, each with name, match and one of exec, signal, systemd, http, cleanup",
    }),
    budget: section({
      runs: number({ doc: "Most action runs of all actions together within budget.within; past it the agent stops acting and raises remediation_budget_exhausted.", default: 10, min: 1, max: 10_000, integer: true }),
      within: seconds({ doc: "Window of the global budget.", default: 3600, min: 1, max: 30 * 86400 }),
    }),
    approval_timeout: seconds({ doc: "An action in approve mode not approved within this expires.", default: 3600, min: 10, max: 7 * 86400 }),
  }),
  export: section({
    external_labels: textMap({
      doc: "Labels added to every pushed series beside agent, environment and host (OTLP: resource attributes).",
    }),
    remote_write: pushTarget(
      "the remote_write receiver",
      "Prometheus remote_write receiver (…/api/v1/write of Prometheus, Mimir, Thanos, VictoriaMetrics); off when empty.",
    ),
    otlp: pushTarget(
      "the OTLP receiver",
      "OTLP/HTTP metrics endpoint (a collector's http://host:4318/v1/metrics; a bare base URL gets /v1/metrics); off when empty.",
    ),
  }),
}).superRefine((config, ctx) => {
  // Only the three of DESIGN.md (CPU, memory, disk): a lower AIOPS_CRITICAL_THRESHOLD must not make the newer defaults invalid
  // (a level at or above critical simply makes every finding of it critical).
  for (const key of ["cpu", "memory", "disk"] as const) {
    if (config.thresholds[key] >= config.thresholds.critical) {
      ctx.addIssue({
        code: "custom",
        path: ["thresholds", key],
        message: `expected a warning level below thresholds.critical (${config.thresholds.critical})`,
      });
    }
  }
  for (const key of ["exclude_mount_points"] as const) {
    checkRegex(config.collect.disk[key], ["collect", "disk", key], ctx);
  }
  checkRegex(config.collect.network.exclude_devices, ["collect", "network", "exclude_devices"], ctx);
  checkChannelNames(config.alert, ctx);
  checkPluginNames(config.collect.plugins, ctx);
  const actions = new Map<string, number>();
  config.remediation.actions.forEach((a, i) => {
    const first = actions.get(a.name);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: ["remediation", "actions", i, "name"], message: `"${a.name}" is already the name of remediation.actions[${first}]` });
    else actions.set(a.name, i);
  });
  const also = config.server.also_listen;
  const alsoProblem = also !== undefined ? listenProblem(also) : undefined;
  if (alsoProblem) ctx.addIssue({ code: "custom", path: ["server", "also_listen"], message: alsoProblem });
  for (const target of ["remote_write", "otlp"] as const) {
    const t = config.export[target];
    checkRegex(t.allow, ["export", target, "allow"], ctx);
    if (t.deny !== "") checkRegex(t.deny, ["export", target, "deny"], ctx);
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      ctx.addIssue({ code: "custom", path: ["export", target, t.cert_file === undefined ? "cert_file" : "key_file"], message: "required with " + (t.cert_file === undefined ? "key_file" : "cert_file") });
    }
    if (t.backoff_max < t.backoff_base) {
      ctx.addIssue({ code: "custom", path: ["export", target, "backoff_max"], message: `expected at least export.${target}.backoff_base (${t.backoff_base}s)` });
    }
  }
  checkServer(config.server, ctx);
  if (config.alert.delivery.backoff_max < config.alert.delivery.backoff_base) {
    ctx.addIssue({
      code: "custom",
      path: ["alert", "delivery", "backoff_max"],
      message: `expected at least alert.delivery.backoff_base (${config.alert.delivery.backoff_base}s)`,
    });
  }
});

/** Tokens are long, unique, and named once; TLS has both halves. */
function checkServer(server: Config["server"], ctx: z.RefinementCtx): void {
  if (server.api_token !== undefined) checkTokenText(server.api_token, ["server", "api_token"], ctx);
  const names = new Map<string, number>([["api_token", -1]]);
  const values = new Map<string, string>(server.api_token !== undefined ? [[server.api_token, "server.api_token"]] : []);
  server.tokens.forEach((t, i) => {
    const first = names.get(t.name);
    if (first !== undefined) {
      const other = first < 0 ? "the name of server.api_token" : `already the name of server.tokens[${first}]`;
      ctx.addIssue({ code: "custom", path: ["server", "tokens", i, "name"], message: `"${t.name}" is ${other}` });
    } else names.set(t.name, i);
    if (t.token !== undefined) {
      const same = values.get(t.token);
      if (same) ctx.addIssue({ code: "custom", path: ["server", "tokens", i, "token"], message: `the same token as ${same}; give each holder its own` });
      else values.set(t.token, `server.tokens[${i}]`);
    }
  });
  if (server.metrics_auth && server.api_token === undefined && server.tokens.length === 0) {
    ctx.addIssue({ code: "custom", path: ["server", "metrics_auth"], message: "needs a token to check: set server.api_token or server.tokens" });
  }
  const tls = server.tls;
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
    const missing = tls.cert_file === undefined ? "cert_file" : "key_file";
    ctx.addIssue({ code: "custom", path: ["server", "tls", missing], message: "required with the other half of the TLS pair (cert_file and key_file)" });
  }
  if (tls.client_ca_file !== undefined && tls.cert_file === undefined) {
    ctx.addIssue({ code: "custom", path: ["server", "tls", "client_ca_file"], message: "needs tls.cert_file and tls.key_file (client certificates are asked over TLS)" });
  }
}

/** Channel names are how `test-alert --channel` and delivery records find a channel: they must be unique. */
function checkChannelNames(alert: { webhook_url?: string | undefined; channels: Array<{ name: string }> }, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  alert.channels.forEach((c, i) => {
    if (c.name === "webhook" && alert.webhook_url !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["alert", "channels", i, "name"],
        message: `"webhook" is the channel of alert.webhook_url; choose another name or drop alert.webhook_url`,
      });
    }
    const first = seen.get(c.name);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: ["alert", "channels", i, "name"], message: `"${c.name}" is already the name of alert.channels[${first}]` });
    } else {
      seen.set(c.name, i);
    }
  });
}

/** Plugin names label their series and their log lines: they must be unique. */
function checkPluginNames(plugins: Array<{ name: string }>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  plugins.forEach((p, i) => {
    const first = seen.get(p.name);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: ["collect", "plugins", i, "name"], message: `"${p.name}" is already the name of collect.plugins[${first}]` });
    else seen.set(p.name, i);
  });
}

function checkRegex(pattern: string, path: string[], ctx: z.RefinementCtx): void {
  try {
    new RegExp(pattern);
  } catch (cause) {
    ctx.addIssue({ code: "custom", path, message: `expected a regular expression (${(cause as Error).message})` });
  }
}

/** The effective configuration, every key filled. */
export type Config = z.output<ReturnType<typeof configSchema>>;
