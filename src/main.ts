#!/usr/bin/env bun
/**
 * The command line. The only module that reads `process.env`, installs signal handlers and calls
 * `process.exit`; everything else receives what it needs.
 */
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import { Agent } from "./agent.ts";
import { channelsOf } from "./config/resolved-channels.ts";
import { type Clock, systemClock } from "./clock.ts";
import { createCollectors } from "./collect/collectors.ts";
import { collectInventory } from "./collect/inventory.ts";
import { inventoryInChild, selfCommand } from "./collect/inventory-process.ts";
import { createHostPaths } from "./collect/linux/host-paths.ts";
import { createSnapshotter } from "./collect/snapshotter.ts";
import { ConfigError, type LoadedConfig, loadConfig } from "./config/load.ts";
import { formatEffectiveConfig } from "./config/print.ts";
import { ConfigWatcher } from "./config/watch.ts";
import { DETECTOR_NAMES, type DetectorName } from "./detect/ensemble.ts";
import { replay } from "./detect/replay.ts";
import { type LogSink, type Logger, componentLogger, createLogger } from "./log.ts";
import { openLogFile } from "./log-file.ts";
import { SelfMetrics } from "./self-metrics.ts";
import { registerProcessMetrics } from "./server/prometheus.ts";
import { createHttpServer } from "./server/server.ts";
import { createDetectionStage } from "./detect/detection-stage.ts";
import { agentIdentity } from "./server/agent-routes.ts";
import { createAlertRoutes } from "./server/alert-routes.ts";
import { createRemediationRoutes } from "./server/remediation-routes.ts";
import { createAction } from "./remediate/create-actions.ts";
import { createRemediationStage } from "./remediate/remediation-stage.ts";
import { annotateWithRemediation } from "./remediate/remediation-notes.ts";
import { createRemediator } from "./remediate/remediator.ts";
import { createSelfFindingsStage } from "./detect/self-findings-stage.ts";
import { createHistoryRoutes } from "./server/history-routes.ts";
import { createHistoryStage } from "./store/history-stage.ts";
import { createStore } from "./store/store.ts";
import { createAlerting } from "./alert/alerting.ts";
import { createDeliveryFailingWatch } from "./alert/delivery-failing.ts";
import { EventBus } from "./event-bus.ts";
import { createProcessTable } from "./collect/process-table.ts";
import { createPluginRunner } from "./collect/plugins/exec-plugins.ts";
import { createRootCauseStage } from "./detect/root-cause.ts";
import { createSourceLimitsStage } from "./detect/source-limits.ts";
import { createProcessRoutes } from "./server/process-routes.ts";
import { createExporting, type Exporting } from "./export/exporting.ts";
import { exposedFamilies } from "./export/metric-families.ts";
import { publishSeverityChanges } from "./alert/severity-changes.ts";
import { buildCommit, versionLine } from "./commands/build-info.ts";
import { healthcheck } from "./commands/healthcheck.ts";
import { localUrl, whereToLook } from "./commands/local-url.ts";
import { rerunWithoutOptimisingJit } from "./commands/optimising-jit.ts";
import { startMemoryUpkeep } from "./commands/memory-upkeep.ts";
import { COMMANDS, type Command, USAGE, commandHelp } from "./commands/usage.ts";

/** Exit codes: sysexits.h's EX_USAGE-like 2 for a bad command line, EX_CONFIG 78 for a bad configuration. */
const EXIT_USAGE = 2;
const EXIT_CONFIG = 78;


class UsageError extends Error {}

interface Cli {
  command: Command;
  configFile?: string;
  once: boolean;
  print: boolean;
  /** `test-alert --channel NAME`. */
  channel?: string;
  help: boolean;
  /** `COMMAND --help` (or `help COMMAND`): that command's help rather than the overview. */
  commandHelp?: boolean;
  version: boolean;
  /** `healthcheck --url URL`. */
  healthUrl?: string;
  /** `run --tui`: the terminal UI in this process. */
  tui: boolean;
  /** `tui --url URL [--token TOKEN]`: the terminal UI attached to a running agent. */
  attach?: { url: string; token?: string };
  replay?: { input: string; output?: string; detector: DetectorName; metric?: string };
}

function parseCli(argv: string[]): Cli {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: "string", short: "c" },
        once: { type: "boolean" },
        print: { type: "boolean" },
        channel: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
        input: { type: "string" },
        output: { type: "string" },
        detector: { type: "string" },
        metric: { type: "string" },
        tui: { type: "boolean" },
        url: { type: "string" },
        token: { type: "string" },
      },
    });
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const [first = "run", ...rest] = parsed.positionals;
  // `help COMMAND` is `COMMAND --help`.
  const asksHelp = first === "help";
  const [name = "run", ...extra] = asksHelp ? rest : [first, ...rest];
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command '${name}'`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const command = name as Command;
  const { values } = parsed;
  // `COMMAND --help` explains the command, whatever else the line holds.
  if (values.help || asksHelp) {
    return { command, help: true, commandHelp: asksHelp ? rest.length > 0 : parsed.positionals.length > 0, once: false, print: false, version: false, tui: false };
  }
  if (values.once && command !== "collect") throw new UsageError("--once goes with the collect command");
  if (values.print && command !== "config") throw new UsageError("--print goes with the config command");
  if (command === "collect" && !values.once) throw new UsageError("collect needs --once");
  if (command === "config" && !values.print) throw new UsageError("config needs --print");
  for (const flag of ["input", "output", "detector", "metric"] as const) {
    if (values[flag] !== undefined && command !== "replay") throw new UsageError(`--${flag} goes with the replay command`);
  }
  let replayArgs: Cli["replay"];
  if (command === "replay") {
    if (values.input === undefined) throw new UsageError("replay needs --input FILE.csv");
    const detector = values.detector ?? "ensemble";
    if (!(DETECTOR_NAMES as readonly string[]).includes(detector)) {
      throw new UsageError(`unknown detector '${detector}' (expected one of ${DETECTOR_NAMES.join(", ")})`);
    }
    replayArgs = {
      input: values.input,
      detector: detector as DetectorName,
      ...(values.output !== undefined ? { output: values.output } : {}),
      ...(values.metric !== undefined ? { metric: values.metric } : {}),
    };
  }
  if (values.channel !== undefined && command !== "test-alert") throw new UsageError("--channel goes with the test-alert command");
  if (values.tui && command !== "run") throw new UsageError("--tui goes with the run command (to watch a running agent: tui --url URL)");
  if (values.token !== undefined && command !== "tui") throw new UsageError("--token goes with the tui command");
  if (values.url !== undefined && command !== "tui" && command !== "healthcheck") throw new UsageError("--url goes with the tui and healthcheck commands");
  if (command === "tui" && values.url === undefined) throw new UsageError("tui needs --url URL of a running agent (or run --tui to start one here)");
  if (values.url !== undefined && !/^https?:\/\/[^/]/.test(values.url)) throw new UsageError(`--url: expected http://host:port or https://…; got ${JSON.stringify(values.url)}`);
  return {
    command,
    once: values.once ?? false,
    print: values.print ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
    tui: values.tui ?? false,
    ...(values.url !== undefined ? { attach: { url: values.url, ...(values.token !== undefined ? { token: values.token } : {}) } } : {}),
    ...(values.url !== undefined && command === "healthcheck" ? { healthUrl: values.url } : {}),
    ...(values.config !== undefined ? { configFile: values.config } : {}),
    ...(replayArgs ? { replay: replayArgs } : {}),
    ...(values.channel !== undefined ? { channel: values.channel } : {}),
  };
}

/** `test-alert [--channel NAME]`: one line per channel; exit 1 when any failed, 2 for an unknown channel. */
async function sendTestAlert(cli: Cli, loaded: LoadedConfig, clock: Clock): Promise<number> {
  const names = channelsOf(loaded.config).map((c) => c.name);
  if (names.length === 0) {
    process.stderr.write("aiops-agent: no alert channels configured (set alert.webhook_url or alert.channels)\n");
    return 1;
  }
  if (cli.channel !== undefined && !names.includes(cli.channel)) {
    process.stderr.write(`aiops-agent: no channel named ${JSON.stringify(cli.channel)}; configured: ${names.join(", ")}\n`);
    return EXIT_USAGE;
  }
  // The channel libraries (undici, nodemailer) are loaded only by the commands that send.
  const { describeTestAlertResult, testAlert } = await import("./alert/test-alert.ts");
  let results;
  try {
    results = await testAlert(loaded.config, { clock }, cli.channel !== undefined ? { channel: cli.channel } : {});
  } catch (cause) {
    // A channel's ca_file that cannot be read: a configuration problem, named by its key.
    process.stderr.write(`aiops-agent: invalid configuration\n  ${(cause as Error).message}\n`);
    return EXIT_CONFIG;
  }
  for (const r of results) process.stdout.write(`${describeTestAlertResult(r)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

function load(cli: Cli): LoadedConfig {
  const file = cli.configFile ?? process.env.AIOPS_CONFIG;
  // With --tui the screen shows every tick: collect every second unless the interval is set.
  const modeDefaults = cli.tui ? { modeDefaults: { mode: "--tui", values: { "agent.interval": 1 } } } : {};
  return loadConfig({ env: process.env, ...(file ? { file } : {}), ...modeDefaults });
}

/** The root logger: to stdout, or to `sink` (the TUI's log file, as JSON unless log.format is pretty). */
function rootLogger(loaded: LoadedConfig, clock: Clock, secrets: () => readonly string[], sink?: LogSink): Logger {
  const format = loaded.config.log.format;
  return createLogger({
    level: loaded.config.log.level,
    clock,
    secrets,
    pretty: format === "pretty" || (format === "auto" && !sink && process.stdout.isTTY === true),
    ...(sink ? { sink } : {}),
  });
}

/** How the terminal UI may draw: NO_COLOR (any non-empty value) means no colour; TERM=dumb, no escape sequences either. */
function terminalMode(): { plain: boolean; lines: boolean } {
  const dumb = process.env.TERM === "dumb";
  return { plain: dumb || (process.env.NO_COLOR ?? "") !== "", lines: dumb };
}

/** The terminal UI needs a terminal: raw keys in, a screen out. */
function hasTerminal(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

/** `tui --url URL`: the UI attached to a running agent until q, Ctrl-C or SIGTERM. */
async function attachTui(attach: NonNullable<Cli["attach"]>, loaded: LoadedConfig, clock: Clock): Promise<number> {
  const { createApiSource } = await import("../tui/source.ts");
  const { startTui } = await import("../tui/start.tsx");
  const token = attach.token ?? loaded.config.server.api_token;
  const source = createApiSource({ url: attach.url, clock, ...(token ? { token } : {}) });
  const tui = startTui({ source, clock, onQuit: () => void tui.close(), mode: terminalMode() });
  // `on`, not `once`: Ink's exit hook kills the process on a signal nobody else listens to any more.
  const quit = () => void tui.close();
  process.on("SIGTERM", quit);
  process.on("SIGINT", quit);
  await tui.closed;
  await tui.close();
  return 0;
}

function inventoryOptions(loaded: LoadedConfig, clock: Clock) {
  return {
    paths: process.platform === "linux" ? createHostPaths(loaded.config.agent.host_root) : undefined,
    timeoutMs: loaded.config.collect.inventory_timeout * 1000,
    clock,
  };
}

/** `collect --once`: two readings a short window apart, so rates are real, then the Snapshot as JSON. */
async function collectOnce(loaded: LoadedConfig, clock: Clock): Promise<void> {
  const notices: string[] = [];
  const snapshotter = createSnapshotter(createCollectors(loaded.config, { clock, notice: (m) => notices.push(m) }), {
    timeoutMs: loaded.config.collect.timeout * 1000,
    metrics: new SelfMetrics(),
    clock,
  });
  await snapshotter.collect();
  await new Promise<void>((resolve) => clock.setTimer(250, resolve));
  const snapshot = await snapshotter.collect();
  for (const notice of notices) process.stderr.write(`note: ${notice}\n`);
  process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
}

async function run(cli: Cli, loaded: LoadedConfig, clock: Clock): Promise<number> {
  let current = loaded;
  // With --tui the screen belongs to the UI: the log goes to a file in the data directory.
  const logFile = cli.tui ? openLogFile(loaded.config.agent.data_dir) : undefined;
  const root = rootLogger(loaded, clock, () => current.secrets, logFile?.sink);
  const log = componentLogger(root, "main");
  if (logFile?.fallbackReason) log.warning(`${logFile.fallbackReason}; logging to ${logFile.path}`);
  for (const warning of loaded.warnings) log.warning(warning);

  // On Linux the host's files answer, in this process, starting nothing; elsewhere systeminformation
  // does, in a child that takes its memory and its programs away when it exits.
  const options = inventoryOptions(loaded, clock);
  const inventory = options.paths
    ? await collectInventory(options)
    : await inventoryInChild({ ...options, command: selfCommand(import.meta.path, ["inventory"]), env: process.env });
  log.info({ version: pkg.version, commit: buildCommit(), ...inventory }, "Starting aiops-agent");

  const metrics = new SelfMetrics();
  registerProcessMetrics(metrics, { version: pkg.version }, clock);
  const store = createStore({ dataDir: loaded.config.agent.data_dir, settings: loaded.config.store, log: root, metrics, clock });
  store.start();
  const detection = createDetectionStage(loaded.config, { log: componentLogger(root, "detect"), metrics });
  const history = createHistoryStage({ store, clock, detection: () => detection.detection });
  const restored = history.restoreDetectorState();
  if (restored > 0) log.info({ series: restored }, "Learned baselines restored");
  // Alerting: engine resumed from the store, outbox, delivery workers, /api/v1/alerts, deliveries, silences.
  const events = new EventBus(clock);
  let alerting;
  try {
    alerting = await createAlerting(loaded.config, { store, metrics, events, log: root, clock, annotate: annotateWithRemediation });
  } catch (cause) {
    log.critical({ err: cause }, `Invalid configuration: ${(cause as Error).message}`);
    store.close();
    return EXIT_CONFIG;
  }
  // Remediation: actions only from the configuration; a run a kill -9 cut short is recorded interrupted now.
  let remediator: ReturnType<typeof createRemediator>;
  try {
    remediator = createRemediator(loaded.config, {
      store,
      clock,
      events,
      metrics,
      log: root,
      createAction: (action) =>
        createAction(action, {
          clock,
          env: process.env,
          paths: createHostPaths(current.config.agent.host_root),
          hostRoot: current.config.agent.host_root,
          agent: { name: current.config.agent.name, environment: current.config.agent.environment },
        }),
      currentAlert: (fingerprint) => alerting.stage.engine.alerts(clock.wall()).find((a) => a.fingerprint === fingerprint),
    });
  } catch (cause) {
    log.critical({ err: cause }, `Invalid configuration: ${(cause as Error).message}`);
    await alerting.stage.close();
    store.close();
    return EXIT_CONFIG;
  }
  remediator.start();
  // What the agent says of itself: a channel failing for 5 minutes (a delivery_failing alert on the
  // others), the remediation budget used up.
  const self = createSelfFindingsStage([
    createDeliveryFailingWatch({ events, config: loaded.config, store, log: root }),
    { findings: () => remediator.findings() },
  ]);
  // Processes (full list for the API and root-cause context) and exec plugins live as long as the agent:
  // a reload rebuilds the collectors around them.
  const processTable = createProcessTable(clock);
  const plugins = createPluginRunner(loaded.config.collect.plugins, { clock, log: componentLogger(root, "plugins"), metrics });
  const collectLog = componentLogger(root, "collect");
  const stages = [
    detection,
    createSourceLimitsStage(loaded.config),
    // Host findings name their top processes; the agent's findings about itself come after, without.
    createRootCauseStage(processTable),
    self,
    history,
    alerting.stage,
    createRemediationStage(remediator),
  ];
  const agent = new Agent({
    config: loaded.config,
    log: root,
    clock,
    inventory,
    metrics,
    events,
    collectors: (config) =>
      createCollectors(config, { clock, notice: (m) => collectLog.info(m), warn: (m) => collectLog.warning(m), processTable, plugins }),
    stages,
  });
  // Export: remote_write and OTLP push what /metrics shows, through durable queues in the store.
  let exporting: Exporting;
  try {
    exporting = createExporting(loaded.config, {
      store,
      metrics,
      log: root,
      source: () => exposedFamilies(agent.latest(), metrics.all(), agent.seriesFilter()),
      version: pkg.version,
      hostName: inventory.hostname,
      clock,
      startedAt: clock.wallMs() - process.uptime() * 1000,
    });
  } catch (cause) {
    log.critical({ err: cause }, `Invalid configuration: ${(cause as Error).message}`);
    await alerting.stage.close();
    store.close();
    return EXIT_CONFIG;
  }
  // Escalations and de-escalations reach the event stream (and so the TUI), not only changes of state.
  const stopSeverityChanges = publishSeverityChanges(events, (now) => alerting.stage.engine.alerts(now));
  const serverDeps: Parameters<typeof createHttpServer>[0] = {
    agent,
    config: () => current,
    metrics,
    events: agent.events,
    log: root,
    clock,
    version: pkg.version,
    routes: [
      ...createHistoryRoutes(store, clock),
      ...createAlertRoutes({ store, stage: alerting.stage, clock }),
      ...createRemediationRoutes({ store, remediator }),
      ...createProcessRoutes({ table: processTable, clock, enabled: () => process.platform === "linux" && current.config.collect.processes.enabled }),
    ],
    readiness: () => {
      const degraded = store.degraded;
      return { store: degraded ? `${degraded.problem}: ${degraded.reason}` : undefined };
    },
  };
  const server = createHttpServer(serverDeps);
  // A second listener (the DaemonSet's loopback one, for kubectl port-forward) answers exactly alike.
  const alsoListen = loaded.config.server.also_listen;
  const extra = alsoListen !== undefined ? createHttpServer(serverDeps) : undefined;
  let bound: { hostname: string; port: number };
  try {
    bound = server.listen(loaded.config.server.listen);
    if (alsoListen !== undefined) extra!.listen(alsoListen);
  } catch (cause) {
    await server.stop();
    log.critical({ err: cause, listen: loaded.config.server.listen }, "Cannot listen on the configured address");
    await exporting.shutdown();
    await alerting.stage.close();
    store.close();
    return 1;
  }
  alerting.start();
  await agent.start();
  plugins.start();
  exporting.start();
  const { message: where, ...urls } = whereToLook(bound);
  log.info(urls, where);
  const stopMemoryUpkeep = startMemoryUpkeep({ clock, log, intervalMs: () => current.config.agent.interval * 1000 });

  const watcher = new ConfigWatcher((file) => reload(`${file} changed`), clock);
  const reload = (why: string) => {
    let next: LoadedConfig;
    try {
      next = load(cli);
    } catch (cause) {
      if (!(cause instanceof ConfigError)) throw cause;
      log.error({ reason: why, problems: cause.problems }, "Configuration not reloaded: the running one is kept");
      return;
    }
    const previousListen = current.config.server.listen;
    current = next;
    root.level = next.config.log.level;
    for (const warning of next.warnings) log.warning(warning);
    agent.reload(next.config);
    plugins.reload(next.config.collect.plugins);
    exporting.reload(next.config);
    server.reload();
    extra?.reload();
    agent.events.publish({ type: "agent", agent: agentIdentity(next, pkg.version) });
    watcher.watch(next);
    if (next.config.server.listen !== previousListen) void rebind(previousListen, next.config.server.listen);
    log.info({ reason: why }, "Configuration reloaded");
  };
  /** Moves the server to a new address; if it cannot bind there, it goes back to the old one. */
  const rebind = async (from: string, to: string) => {
    await server.stop();
    try {
      server.listen(to);
    } catch (cause) {
      log.error({ err: cause, listen: to }, `Cannot listen on ${to}; staying on ${from}`);
      server.listen(from);
    }
  };
  // With --tui a hang-up means the terminal is gone (the SSH session dropped): stop, as on SIGTERM.
  if (!cli.tui) process.on("SIGHUP", () => reload("SIGHUP"));
  watcher.watch(current);

  let tui: import("../tui/start.tsx").RunningTui | undefined;
  let stopping = false;
  return new Promise<number>((resolve) => {
    const stop = (signal: string, code = 0) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "Stopping");
      watcher.close();
      stopMemoryUpkeep();
      // The terminal comes back first, then the agent stops as on SIGTERM.
      (tui?.close() ?? Promise.resolve())
        .then(() => exporting.shutdown())
        .then(() => plugins.shutdown())
        .then(() => agent.stop())
        .then(() => stopSeverityChanges())
        .then(() => server.stop())
        .then(() => extra?.stop())
        .then(() => {
          if (logFile) process.stderr.write(`aiops-agent: stopped; the log is in ${logFile.path}\n`);
          logFile?.close();
          resolve(code);
        });
    };
    // A second signal while stopping exits at once. `on`, not `once`: with --tui, Ink's exit hook would
    // otherwise kill the process on a signal that no other listener is left to handle.
    const onSignal = (signal: NodeJS.Signals) => {
      if (!stopping) return stop(signal);
      log.warning({ signal }, "Second signal while stopping: exiting now");
      process.exit(1);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    if (cli.tui) {
      process.on("SIGHUP", onSignal);
      // Loaded only here: the headless agent never loads Ink and React.
      Promise.all([import("../tui/source.ts"), import("../tui/start.tsx")])
        .then(([{ createApiSource }, { startTui }]) => {
          if (stopping) return;
          // The UI reads this agent as it reads any other, through its API: here without a socket.
          // Any configured token reads; the in-process UI only reads.
          const token = current.config.server.api_token ?? current.config.server.tokens.find((t) => t.token !== undefined)?.token;
          const source = createApiSource({
            url: "http://in-process",
            label: "in-process",
            inProcess: true,
            clock,
            fetch: ((input: string | URL | Request, init?: RequestInit) => server.fetch(new Request(input as string, init))) as typeof fetch,
            ...(token ? { token } : {}),
          });
          tui = startTui({ source, clock, onQuit: () => stop("quit key"), mode: terminalMode() });
        })
        .catch((cause) => {
          log.critical({ err: cause }, "The terminal UI failed to start");
          process.stderr.write(`aiops-agent: the terminal UI failed to start: ${(cause as Error).message}\n`);
          stop("UI failure", 1);
        });
    }
  });
}

/**
 * `replay`: the detectors over a CSV with the loaded configuration (the defaults when there is no file
 * and no AIOPS_* variable). Bad rows and a summary go to stderr, so stdout stays a clean CSV.
 */
function replayCsv(args: NonNullable<Cli["replay"]>, loaded: LoadedConfig): number {
  try {
    const counts = replay({
      input: args.input,
      output: args.output ?? process.stdout,
      detector: args.detector,
      ...(args.metric !== undefined ? { metric: args.metric } : {}),
      config: loaded.config,
      warn: (message) => process.stderr.write(`warning: ${message}\n`),
    });
    process.stderr.write(
      `replayed ${counts.rows} rows (${counts.missing} missing values, ${counts.skipped} bad rows scored 0), ${counts.findings} with a finding\n`,
    );
    return 0;
  } catch (cause) {
    const reason = (cause as Error).cause instanceof Error ? `: ${((cause as Error).cause as Error).message}` : "";
    process.stderr.write(`aiops-agent: ${(cause as Error).message}${reason}\n`);
    return 1;
  }
}

/** `healthcheck [--url URL]`: 0 when the agent answers ready, 1 otherwise, with one line saying which. */
async function checkHealth(cli: Cli): Promise<number> {
  let url = cli.healthUrl;
  if (url === undefined) {
    try {
      url = localUrl(load(cli).config.server.listen);
    } catch (cause) {
      const problems = cause instanceof ConfigError ? `invalid configuration: ${cause.problems.join("; ")}` : (cause as Error).message;
      process.stdout.write(`not ready: ${problems}\n`);
      return 1;
    }
  }
  const result = await healthcheck(url);
  process.stdout.write(`${result.message}\n`);
  return result.ok ? 0 : 1;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The one clock: everything that reads the time or sets a timer gets it from here.
  const clock = systemClock;
  let cli: Cli;
  try {
    cli = parseCli(argv);
  } catch (cause) {
    if (!(cause instanceof UsageError)) throw cause;
    process.stderr.write(`aiops-agent: ${cause.message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (cli.help) {
    process.stdout.write(`${cli.commandHelp ? commandHelp(cli.command) : USAGE}\n`);
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`${versionLine(pkg.version, buildCommit())}\n`);
    return 0;
  }
  // A health check needs no configuration when it is given the URL, and answers only 0 or 1 (Docker
  // reserves other codes): a configuration it cannot read is "not ready", said on one line.
  if (cli.command === "healthcheck") return checkHealth(cli);

  let loaded: LoadedConfig;
  try {
    loaded = load(cli);
  } catch (cause) {
    if (!(cause instanceof ConfigError)) throw cause;
    process.stderr.write(`aiops-agent: invalid configuration\n${cause.problems.map((p) => `  ${p}`).join("\n")}\n`);
    return EXIT_CONFIG;
  }
  for (const warning of cli.command === "run" ? [] : loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  if ((cli.tui || cli.command === "tui") && !hasTerminal()) {
    process.stderr.write("aiops-agent: the terminal UI needs a terminal (standard input and output are not both TTYs)\n");
    return EXIT_USAGE;
  }

  // The attached UI runs, like the deployed agent, without the optimising JIT (a child, unless set already).
  if (cli.command === "tui") {
    const code = await rerunWithoutOptimisingJit(import.meta.path, argv, process.env);
    if (code !== undefined) return code;
  }

  switch (cli.command) {
    case "check-config":
      process.stdout.write(`configuration is valid${loaded.file ? ` (${loaded.file})` : " (defaults and environment)"}\n`);
      return 0;
    case "config":
      process.stdout.write(`${formatEffectiveConfig(loaded)}\n`);
      return 0;
    case "inventory":
      process.stdout.write(`${JSON.stringify(await collectInventory(inventoryOptions(loaded, clock)), null, 2)}\n`);
      return 0;
    case "collect":
      await collectOnce(loaded, clock);
      return 0;
    case "replay":
      return replayCsv(cli.replay!, loaded);
    case "test-alert":
      return sendTestAlert(cli, loaded, clock);
    case "run":
      return run(cli, loaded, clock);
    case "tui":
      return attachTui(cli.attach!, loaded, clock);
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (cause) => {
      process.stderr.write(`aiops-agent: ${(cause as Error).stack ?? String(cause)}\n`);
      process.exit(1);
    },
  );
}
