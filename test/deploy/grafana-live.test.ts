/**
 * Every metric the Grafana dashboard queries (panels and annotations) exists in a live scrape of the
 * agent: the real program on this machine, with an alert channel, both export targets, a textfile
 * directory and a Nagios plugin configured (so their metrics are there). Some series exist only on
 * some machines: the agent's cgroup metrics inside a limited container, container metrics beside
 * running containers (their limits only when set), sensors where hwmon has some. Those not in the
 * scrape are checked on the rendering of a captured tree instead.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../support/ports.ts";
import { promqlMetricNames } from "./parse.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { renderHostSeries } from "../../src/server/prometheus.ts";

/** Series a machine may lack, by name prefix, and the captured snapshot that has them. */
const CAPTURED: Array<[prefix: string, golden: string]> = [
  ["aiops_cgroup_", "container-cgroup-v2"],
  ["aiops_container_", "containers-cgroup-v2"],
  ["aiops_sensor_", "sensors-hwmon"],
];

const ROOT = join(import.meta.dir, "../..");
// biome-ignore lint: the dashboard is untyped JSON on purpose.
type Doc = any;
const dashboard: Doc = JSON.parse(readFileSync(join(ROOT, "deploy/grafana/aiops-agent-hosts.json"), "utf8"));

/** Every metric name the dashboard's panels and annotations query. */
function queried(): Map<string, string> {
  const out = new Map<string, string>();
  for (const panel of dashboard.panels as Doc[]) {
    for (const t of panel.targets ?? []) for (const n of promqlMetricNames(t.expr)) out.set(n, `panel "${panel.title}"`);
  }
  for (const a of dashboard.annotations.list as Doc[]) if (a.expr) for (const n of promqlMetricNames(a.expr)) out.set(n, `annotation "${a.name}"`);
  return out;
}

describe("the Grafana dashboard against a live agent", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-grafana-"));
  const port = freePort();
  const sink = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(null, { status: 204 }) });
  let agent: ReturnType<typeof Bun.spawn> | undefined;
  let scrape = "";

  beforeAll(async () => {
    const sinkUrl = `http://127.0.0.1:${sink.port}`;
    const textfiles = mkdtempSync(join(dir, "textfile-"));
    writeFileSync(join(textfiles, "backup.prom"), "# TYPE backup_age_seconds gauge\nbackup_age_seconds 3600\n");
    const config = join(dir, "agent.yaml");
    const plugin = join(ROOT, "test/fixtures/plugins/check-critical");
    writeFileSync(config, `collect:\n  plugins:\n    - name: disk\n      command: [${JSON.stringify(plugin)}]\n      format: nagios\n      interval: 1s\n      timeout: 1s\n`);
    agent = Bun.spawn([join(ROOT, "node_modules/.bin/bun"), join(ROOT, "src/main.ts"), "run", "--config", config], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        AIOPS_LISTEN: `127.0.0.1:${port}`,
        AIOPS_DATA_DIR: dir,
        AIOPS_INTERVAL: "1",
        AIOPS_LOG_LEVEL: "error",
        AIOPS_WEBHOOK_URL: `${sinkUrl}/hook`,
        AIOPS_EXPORT_REMOTE_WRITE_URL: `${sinkUrl}/api/v1/write`,
        AIOPS_EXPORT_REMOTE_WRITE_INTERVAL: "1s",
        AIOPS_EXPORT_OTLP_URL: `${sinkUrl}/v1/metrics`,
        AIOPS_EXPORT_OTLP_INTERVAL: "1s",
        AIOPS_COLLECT_TEXTFILE_DIRECTORY: textfiles,
      },
      stdout: "ignore",
      stderr: "pipe",
    });
    scrape = await waitFor(
      "two ticks and a push on the agent's /metrics",
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const ticks = Number(text.match(/^aiops_ticks_total (\S+)$/m)?.[1] ?? 0);
        const pushed = Number(text.match(/^aiops_export_samples_sent_total\{target="remote_write"\} (\S+)$/m)?.[1] ?? 0);
        const pluginRan = /^aiops_plugin_nagios_status\{plugin="disk"\} 2$/m.test(text);
        return ticks >= 2 && pushed > 0 && pluginRan ? text : undefined;
      },
      30_000,
    );
  }, 40_000);

  afterAll(async () => {
    agent?.kill();
    await agent?.exited;
    await sink.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test("every metric a panel or an annotation queries is in the scrape", () => {
    const families = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const samples = new Set([...scrape.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]!));
    const captured = (golden: string) => {
      const snapshot = JSON.parse(readFileSync(join(ROOT, `test/golden/snapshots/${golden}.json`), "utf8")) as Snapshot;
      return new Set([...renderHostSeries(snapshot).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    };
    const inCapture = new Map(CAPTURED.map(([prefix, golden]) => [prefix, captured(golden)]));
    const missing = [...queried()]
      .filter(([name]) => !samples.has(name) && !families.has(name) && !families.has(name.replace(/_(bucket|sum|count)$/, "")))
      // A series this machine may lack (no containers, no limit set, no hwmon) counts when the capture has it.
      .filter(([name]) => {
        const prefix = CAPTURED.find(([p]) => name.startsWith(p))?.[0];
        return !(prefix && inCapture.get(prefix)!.has(name));
      })
      .map(([name, where]) => `${where}: ${name}`);
    expect(missing).toEqual([]);
    expect(queried().size).toBeGreaterThan(60);
  });

  test("the configured textfile and plugin series are in the scrape beside the host series", () => {
    expect(scrape).toContain("# TYPE backup_age_seconds gauge\nbackup_age_seconds 3600\n");
    expect(scrape).toMatch(/^aiops_plugin_perfdata\{plugin="disk",label="free space",unit="percent"\} 4$/m);
    expect(scrape).toMatch(/^aiops_process_cpu_usage_percent\{pid="\d+",name="[^"]+"\} /m);
  });
});
