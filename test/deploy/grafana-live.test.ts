/**
 * Every metric the Grafana dashboard queries (panels and annotations) exists in a live scrape of the
 * agent: the real program on this machine, with an alert channel and both export targets configured
 * (so their metrics are registered). The agent's cgroup metrics exist only inside a limited container:
 * when this machine is not one, they are checked on the rendering of a captured container instead.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../support/ports.ts";
import { promqlMetricNames } from "./parse.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { renderHostSeries } from "../../src/server/prometheus.ts";

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
  let liveHasCgroup = false;

  beforeAll(async () => {
    const sinkUrl = `http://127.0.0.1:${sink.port}`;
    agent = Bun.spawn([join(ROOT, "node_modules/.bin/bun"), join(ROOT, "src/main.ts"), "run"], {
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
        return ticks >= 2 && pushed > 0 ? text : undefined;
      },
      30_000,
    );
    const snapshot = (await (await fetch(`http://127.0.0.1:${port}/api/v1/snapshot`)).json()) as { snapshot?: Snapshot } & Snapshot;
    liveHasCgroup = Boolean((snapshot.snapshot ?? snapshot).cgroup);
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
    const container = JSON.parse(readFileSync(join(ROOT, "test/golden/snapshots/container-cgroup-v2.json"), "utf8")) as Snapshot;
    const inContainer = new Set([...renderHostSeries(container).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const missing = [...queried()]
      .filter(([name]) => !samples.has(name) && !families.has(name) && !families.has(name.replace(/_(bucket|sum|count)$/, "")))
      .filter(([name]) => !(name.startsWith("aiops_cgroup_") && !liveHasCgroup && inContainer.has(name)))
      .map(([name, where]) => `${where}: ${name}`);
    expect(missing).toEqual([]);
    expect(queried().size).toBeGreaterThan(60);
  });
});
