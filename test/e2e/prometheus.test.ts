import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../src/agent.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { registerProcessMetrics } from "../../src/server/prometheus.ts";
import { createHttpServer } from "../../src/server/server.ts";
import { findPeer } from "../support/peers.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { systemClock } from "../../src/clock.ts";

const prometheusBin = findPeer("Prometheus (Debian package prometheus)", ["/usr/bin/prometheus"]);
const promtoolBin = findPeer("promtool (Debian package prometheus)", ["/usr/bin/promtool"]);

describe.skipIf(!prometheusBin || !promtoolBin)("a real Prometheus scraping the agent", () => {
  const work = mkdtempSync(join(tmpdir(), "aiops-prom-"));
  // A real Prometheus scrapes on its own schedule: the agent runs on real time too.
  const clock = systemClock;
  const log = createLogger({ level: "warning", clock, sink: { write() {} } });
  const loaded = loadConfig({ env: { AIOPS_INTERVAL: "1", AIOPS_LISTEN: "127.0.0.1:0" } });
  const agent = new Agent({ config: loaded.config, log, clock });
  registerProcessMetrics(agent.metrics, { version: "0.0.0-test" }, clock);
  const server = createHttpServer({ agent, config: () => loaded, metrics: agent.metrics, events: agent.events, log, clock, version: "0.0.0-test" });
  const published = new Set<number>();
  agent.events.subscribe((e) => {
    if (e.type === "snapshot" && e.snapshot.cpu) published.add(e.snapshot.cpu.usage_percent);
  });
  let prometheus: ReturnType<typeof Bun.spawn> | undefined;
  let agentPort = 0;
  let promPort = 0;

  beforeAll(async () => {
    agentPort = server.listen("127.0.0.1:0").port;
    await agent.start();
    promPort = await freePort();
    const config = join(work, "prometheus.yml");
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: aiops-agent\n    static_configs:\n      - targets: ["127.0.0.1:${agentPort}"]\n`,
    );
    prometheus = Bun.spawn(
      [prometheusBin!, `--config.file=${config}`, `--storage.tsdb.path=${join(work, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { stdout: "ignore", stderr: "pipe" },
    );
    await waitFor("Prometheus to be ready", async () => ((await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    prometheus?.kill();
    await prometheus?.exited;
    await agent.stop();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("Prometheus's query API returns the agent's own CPU value", async () => {
    const value = await waitFor(
      "aiops_cpu_usage_percent in Prometheus",
      async () => {
        const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=aiops_cpu_usage_percent`);
        const body = (await response.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
        const sample = body.data.result[0];
        return sample ? { labels: sample.metric, value: Number(sample.value[1]) } : undefined;
      },
      45_000,
    );
    expect(value.labels.job).toBe("aiops-agent");
    expect(published.has(value.value)).toBe(true);
    // And the scrape itself is healthy.
    const up = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=up`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
    expect(up.data.result[0]!.value[1]).toBe("1");
  }, 60_000);

  test("promtool check metrics passes on the text exposition", async () => {
    const text = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
    const check = Bun.spawnSync([promtoolBin!, "check", "metrics"], { stdin: new TextEncoder().encode(text) });
    expect({ code: check.exitCode, problems: check.stdout.toString() + check.stderr.toString() }).toEqual({ code: 0, problems: "" });
  });

  test("Prometheus reads the OpenMetrics exposition it asks for: counters keep their _total samples", async () => {
    // promtool only parses text 0.0.4; Prometheus itself asks for OpenMetrics first when it scrapes.
    const result = await waitFor("aiops_ticks_total in Prometheus", async () => {
      const body = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=aiops_ticks_total`)).json()) as {
        data: { result: Array<{ value: [number, string] }> };
      };
      return body.data.result[0];
    });
    expect(Number(result.value[1])).toBeGreaterThan(0);
  }, 30_000);
});
