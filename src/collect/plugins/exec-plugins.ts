import type { Clock } from "../../clock.ts";
import type { PluginConfig } from "../../config/plugins.ts";
import type { MetricFamily, PluginRun } from "../../contracts/snapshot.ts";
import type { SelfMetrics } from "../../self-metrics.ts";
import { parseJsonLines } from "./json-lines.ts";
import { parseNagiosOutput } from "./nagios.ts";
import { parsePrometheusText } from "./prometheus-text.ts";

/** The last run of a plugin and the series it gave (none when the run failed). */
export interface PluginOutcome {
  run: PluginRun;
  families: MetricFamily[];
}

/** Why a run's output was not used, as `aiops_plugin_runs_total{outcome}` counts it. */
export type RunOutcome = "ok" | "timeout" | "output_too_large" | "exit_code" | "bad_output" | "spawn_failed";

/** Runs the configured exec plugins, each on its own interval, off the tick. */
export interface PluginRunner {
  /** The last run of every configured plugin that has run, in configuration order. */
  latest(): PluginOutcome[];
  /** Takes a new plugin list: new and changed plugins start afresh, removed ones stop; the rest go on. */
  reload(plugins: readonly PluginConfig[]): void;
  /** Schedules every plugin: a first run at once, then one per interval. */
  start(): void;
  /** Runs one plugin now and records its outcome. Never rejects. */
  runOnce(plugin: PluginConfig): Promise<PluginOutcome>;
  /** Stops scheduling and kills runs in flight. Safe twice, and before start. */
  shutdown(): Promise<void>;
}

export interface PluginRunnerDeps {
  clock: Clock;
  log?: { warning(fields: object, message: string): void; info(fields: object, message: string): void };
  metrics?: SelfMetrics;
}

/** Plugins get this environment and their own `env`, never the agent's (it holds secrets). */
const BASE_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };
/** Standard error kept for the log; the rest is read and dropped so the plugin never blocks on it. */
const STDERR_KEPT = 2048;

interface Scheduled {
  plugin: PluginConfig;
  key: string;
  cancel?: () => void;
  inFlight?: Promise<PluginOutcome>;
  kill?: () => void;
  stopped: boolean;
}

/**
 * Exec plugins: each configured program runs as its own process group (no shell, an environment of its
 * own), on its own interval, with a time-out and an output cap. The next run is scheduled only once the
 * last has ended, so one plugin never runs twice at once. A plugin that hangs or floods is killed with
 * its whole process group; one that exits non-zero or prints garbage loses only its own series. Each
 * outcome is counted (`aiops_plugin_runs_total{plugin,outcome}`) and a change of outcome is logged once.
 */
export function createPluginRunner(plugins: readonly PluginConfig[], deps: PluginRunnerDeps): PluginRunner {
  const { clock } = deps;
  const runs = deps.metrics?.counter("aiops_plugin_runs_total", "Runs of exec plugins, by plugin and outcome (ok, timeout, output_too_large, exit_code, bad_output, spawn_failed).");
  const durations = deps.metrics?.gauge("aiops_plugin_duration_seconds", "Time the last run of an exec plugin took, by plugin.");
  const results = new Map<string, PluginOutcome>();
  const lastProblem = new Map<string, string | null>();
  let order: string[] = plugins.map((p) => p.name);
  let scheduled = new Map<string, Scheduled>();
  let running = false;

  for (const p of plugins) scheduled.set(p.name, { plugin: p, key: JSON.stringify(p), stopped: false });

  function record(plugin: PluginConfig, outcome: RunOutcome, result: PluginOutcome): void {
    runs?.inc({ plugin: plugin.name, outcome });
    durations?.set({ plugin: plugin.name }, result.run.duration_seconds);
    const problem = result.run.error;
    const before = lastProblem.get(plugin.name);
    if (problem !== null && problem !== before) deps.log?.warning({ plugin: plugin.name, outcome }, `Plugin ${plugin.name} failed: ${problem}; its series are left out`);
    if (problem === null && before) deps.log?.info({ plugin: plugin.name }, `Plugin ${plugin.name} works again`);
    lastProblem.set(plugin.name, problem);
  }

  async function execute(plugin: PluginConfig, entry?: Scheduled): Promise<PluginOutcome> {
    const started = clock.now();
    const finish = (outcome: RunOutcome, error: string | null, exitCode: number | null, families: MetricFamily[] = [], nagios?: PluginRun["nagios"]): PluginOutcome => {
      const run: PluginRun = {
        plugin: plugin.name,
        format: plugin.format,
        finished_at: clock.wall().toISOString(),
        duration_seconds: Math.round(clock.now() - started) / 1000,
        exit_code: exitCode,
        error,
        ...(nagios ? { nagios } : {}),
      };
      const result = { run, families };
      if (!entry?.stopped) results.set(plugin.name, result);
      record(plugin, outcome, result);
      return result;
    };

    let child: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
    try {
      child = Bun.spawn(plugin.command, {
        cwd: "/",
        env: { ...BASE_ENV, ...plugin.env },
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        // Its own process group, so a time-out kills what it started too.
        detached: true,
      });
    } catch (cause) {
      return finish("spawn_failed", `cannot start ${plugin.command[0]}: ${(cause as Error).message}`, null);
    }
    let stop: RunOutcome | undefined;
    const kill = (why: RunOutcome) => {
      stop ??= why;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    if (entry) entry.kill = () => kill("timeout");
    const cancelTimer = clock.setTimer(plugin.timeout * 1000, () => {
      kill("timeout");
      // A grandchild that left the group may still hold the pipes: stop waiting for them.
      void stdout.cancel().catch(() => {});
      void stderr.cancel().catch(() => {});
    });
    const stdout = capped(child.stdout, plugin.max_output_bytes, () => kill("output_too_large"));
    const stderr = capped(child.stderr, STDERR_KEPT);
    const [out, err, exitCode] = await Promise.all([stdout.result, stderr.result, child.exited]);
    cancelTimer();
    if (entry) entry.kill = undefined;
    const stderrText = new TextDecoder().decode(err.bytes).trim().split("\n")[0] ?? "";
    if (stop === "timeout") return finish("timeout", `timed out after ${plugin.timeout}s; its process group was killed`, null);
    if (stop === "output_too_large") return finish("output_too_large", `printed more than ${plugin.max_output_bytes} bytes; stopped`, null);
    const text = new TextDecoder().decode(out.bytes);
    if (child.signalCode) return finish("exit_code", `killed by ${child.signalCode}`, null);
    try {
      if (plugin.format === "nagios") {
        const r = parseNagiosOutput(text, exitCode);
        return finish("ok", null, exitCode, [], r);
      }
      if (exitCode !== 0) return finish("exit_code", `exited with code ${exitCode}${stderrText ? `: ${stderrText}` : ""}`, exitCode);
      const families =
        plugin.format === "json"
          ? parseJsonLines(text, { reservedPrefix: "aiops_", reservedLabels: ["plugin"] })
          : parsePrometheusText(text, { reservedPrefix: "aiops_", reservedLabels: ["plugin"] });
      return finish("ok", null, exitCode, withPluginLabel(families, plugin.name));
    } catch (cause) {
      const outcome = plugin.format === "nagios" && !(cause as Error).message.startsWith("performance") ? "exit_code" : "bad_output";
      return finish(outcome, `${(cause as Error).message}${stderrText && outcome === "exit_code" ? `: ${stderrText}` : ""}`, exitCode);
    }
  }

  function schedule(entry: Scheduled, delayMs: number): void {
    if (!running || entry.stopped) return;
    entry.cancel = clock.setTimer(delayMs, () => {
      entry.cancel = undefined;
      const startedAt = clock.now();
      entry.inFlight = execute(entry.plugin, entry);
      void entry.inFlight.then(() => {
        entry.inFlight = undefined;
        // From the start of the run: a steady rhythm; never before the run ended.
        schedule(entry, Math.max(0, startedAt + entry.plugin.interval * 1000 - clock.now()));
      });
    });
  }

  function stopEntry(entry: Scheduled): void {
    entry.stopped = true;
    entry.cancel?.();
    entry.kill?.();
  }

  return {
    latest() {
      return order.flatMap((name) => results.get(name) ?? []);
    },
    reload(next) {
      const fresh = new Map<string, Scheduled>();
      for (const p of next) {
        const key = JSON.stringify(p);
        const old = scheduled.get(p.name);
        if (old && old.key === key) {
          fresh.set(p.name, old);
          continue;
        }
        if (old) stopEntry(old);
        results.delete(p.name);
        const entry: Scheduled = { plugin: p, key, stopped: false };
        fresh.set(p.name, entry);
        schedule(entry, 0);
      }
      for (const [name, old] of scheduled) {
        if (fresh.has(name)) continue;
        stopEntry(old);
        results.delete(name);
        lastProblem.delete(name);
      }
      scheduled = fresh;
      order = next.map((p) => p.name);
    },
    start() {
      if (running) return;
      running = true;
      for (const entry of scheduled.values()) schedule(entry, 0);
    },
    runOnce: (plugin) => execute(plugin),
    async shutdown() {
      running = false;
      const inFlight: Promise<unknown>[] = [];
      for (const entry of scheduled.values()) {
        stopEntry(entry);
        if (entry.inFlight) inFlight.push(entry.inFlight);
      }
      await Promise.all(inFlight);
    },
  };
}

/** Reads a stream up to `cap` bytes; past it, calls `overflow` once and drains the rest unread. */
function capped(stream: ReadableStream<Uint8Array>, cap: number, overflow?: () => void) {
  const reader = stream.getReader();
  const result = (async () => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let over = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (over) continue;
        if (size + value.length > cap) {
          over = true;
          chunks.push(value.subarray(0, cap - size));
          size = cap;
          overflow?.();
          continue;
        }
        chunks.push(value);
        size += value.length;
      }
    } catch {
      // cancelled at the time-out
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return { bytes, over };
  })();
  return { result, cancel: () => reader.cancel() };
}

/** Every sample of a plugin carries `plugin="<name>"`, so two plugins never give the same series. */
function withPluginLabel(families: MetricFamily[], plugin: string): MetricFamily[] {
  return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, plugin } })) }));
}
