import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../src/clock.ts";
import { createPluginRunner } from "../../../src/collect/plugins/exec-plugins.ts";
import { createPluginsCollector } from "../../../src/collect/plugins/plugins-collector.ts";
import type { PluginConfig } from "../../../src/config/plugins.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { waitFor } from "../../support/ports.ts";

const SCRIPTS = join(import.meta.dir, "../../fixtures/plugins");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function plugin(name: string, script: string, extra: Partial<PluginConfig> = {}): PluginConfig {
  return { name, command: [join(SCRIPTS, script)], format: "prometheus", interval: 60, timeout: 5, max_output_bytes: 4096, env: {}, ...extra };
}

function setup() {
  const clock = new ManualClock();
  const metrics = new SelfMetrics();
  const logged: string[] = [];
  const log = { warning: (_: object, m: string) => logged.push(`warning: ${m}`), info: (_: object, m: string) => logged.push(`info: ${m}`) };
  return { clock, metrics, logged, log };
}

/** Processes whose process group is `pgid`, from /proc (field 5 of stat). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = readFileSync(`/proc/${name}/stat`, "latin1").split(") ")[1]!.split(" ");
      if (Number(f[2]) === pgid && f[0] !== "Z") out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

describe("exec plugins with real scripts", () => {
  test("one that hangs is killed at its time-out with its whole process group, and says so", async () => {
    const { clock, metrics, logged, log } = setup();
    const dir = mkdtempSync(join(tmpdir(), "aiops-plugin-"));
    dirs.push(dir);
    const pidfile = join(dir, "pid");
    const p = plugin("hangs", "hangs", { timeout: 2, env: { PIDFILE: pidfile } });
    const runner = createPluginRunner([p], { clock, metrics, log });
    const run = runner.runOnce(p);
    // Wait for the script (a real process) to have started its child; then time runs out.
    const pgid = await waitFor(
      "the hanging script's pid file",
      () => {
        const text = existsSync(pidfile) ? readFileSync(pidfile, "utf8").trim() : "";
        return text === "" ? undefined : Number(text);
      },
      10_000,
      10,
    );
    expect(groupMembers(pgid).length).toBeGreaterThanOrEqual(2);
    await clock.advance(2000);
    const outcome = await run;
    expect(outcome.run.error).toBe("timed out after 2s; its process group was killed");
    expect(outcome.families).toEqual([]);
    // The kernel reaps the killed group in its own time.
    await waitFor("the killed process group to be gone", () => groupMembers(pgid).length === 0, 10_000, 10);
    expect(metrics.counter("aiops_plugin_runs_total", "").get({ plugin: "hangs", outcome: "timeout" })).toBe(1);
    expect(logged).toEqual(["warning: Plugin hangs failed: timed out after 2s; its process group was killed; its series are left out"]);
  });

  test("one that floods is stopped at its output cap and loses only its own output", async () => {
    const { clock, metrics, log } = setup();
    const flood = plugin("floods", "floods", { max_output_bytes: 4096 });
    const good = plugin("good", "good-prometheus");
    const runner = createPluginRunner([flood, good], { clock, metrics, log });
    const [a, b] = await Promise.all([runner.runOnce(flood), runner.runOnce(good)]);
    expect(a.run.error).toBe("printed more than 4096 bytes; stopped");
    expect(b.run.error).toBeNull();
    const section = (createPluginsCollector(runner).collect(0) as { plugins: { families: Array<{ name: string }> } }).plugins;
    expect(section.families.map((f) => f.name)).toEqual(["queue_depth", "jobs_done_total"]);
    expect(metrics.counter("aiops_plugin_runs_total", "").get({ plugin: "floods", outcome: "output_too_large" })).toBe(1);
  });

  test("a Nagios plugin that exits 2 with performance data is CRITICAL, with its data in base units", async () => {
    const { clock, log } = setup();
    const p = plugin("disk", "check-critical", { format: "nagios" });
    const outcome = await createPluginRunner([p], { clock, log }).runOnce(p);
    expect(outcome.run.error).toBeNull();
    expect(outcome.run.exit_code).toBe(2);
    expect(outcome.run.nagios).toEqual({
      status: 2,
      text: "DISK CRITICAL - free space: / 512 MB (4% inode=90%);",
      perfdata: [
        { label: "/", value: 11776 * 1024 * 1024, unit: "bytes" },
        { label: "free space", value: 4, unit: "percent" },
        { label: "time", value: 0.025, unit: "seconds" },
      ],
    });
  });

  test("one that prints garbage, and one that exits non-zero, cost only their own section", async () => {
    const { clock, metrics, logged, log } = setup();
    const garbage = plugin("garbage", "garbage");
    const failing = plugin("failing", "exits-nonzero");
    const json = plugin("backups", "good-json", { format: "json" });
    const runner = createPluginRunner([garbage, failing, json], { clock, metrics, log });
    const [g, f, j] = await Promise.all([runner.runOnce(garbage), runner.runOnce(failing), runner.runOnce(json)]);
    expect(g.run.error).toBe('line 1: invalid value "is" for this');
    expect(f.run.error).toBe("exited with code 1: cannot reach the database");
    expect(j.families).toEqual([
      {
        name: "backup_age_seconds",
        help: "",
        type: "gauge",
        samples: [
          { name: "backup_age_seconds", labels: { target: "db", plugin: "backups" }, value: 3600 },
          { name: "backup_age_seconds", labels: { target: "files", plugin: "backups" }, value: 120 },
        ],
      },
    ]);
    expect(metrics.counter("aiops_plugin_runs_total", "").get({ plugin: "garbage", outcome: "bad_output" })).toBe(1);
    expect(metrics.counter("aiops_plugin_runs_total", "").get({ plugin: "failing", outcome: "exit_code" })).toBe(1);
    expect(logged.filter((l) => l.startsWith("warning")).length).toBe(2);
    // Told once: the same failure again is counted, not logged again.
    await runner.runOnce(failing);
    expect(logged.filter((l) => l.startsWith("warning")).length).toBe(2);
  });

  test("each plugin runs on its own interval and never twice at once", async () => {
    const { clock, metrics, log } = setup();
    const dir = mkdtempSync(join(tmpdir(), "aiops-plugin-"));
    dirs.push(dir);
    const p = plugin("hangs", "hangs", { interval: 10, timeout: 5, env: { PIDFILE: join(dir, "pid") } });
    const runner = createPluginRunner([p], { clock, metrics, log });
    runner.start();
    await clock.advance(0);
    const runs = () => metrics.counter("aiops_plugin_runs_total", "").get({ plugin: "hangs", outcome: "timeout" });
    // The first run hangs: nothing new starts while it runs, whatever the time.
    await waitFor("the first run to start", () => existsSync(join(dir, "pid")), 10_000, 10);
    await clock.advance(4000);
    expect(runs()).toBe(0);
    await clock.advance(1000);
    // The kill is real: its exit reaches the runner when the kernel says so.
    await waitFor("the run to end at its time-out", () => runs() === 1, 10_000, 10);
    await clock.advance(0);
    expect(runs()).toBe(1);
    await runner.shutdown();
    await runner.shutdown();
  });
});
