/**
 * remote_write into real receivers: Debian's Prometheus 2.42 (`--web.enable-remote-write-receiver`)
 * and VictoriaMetrics. The agent runs in this process (real collectors, a store on disk, its HTTP
 * server); each receiver is queried back over its HTTP API and compared with what `/metrics` showed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../src/agent.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createExporting, type Exporting } from "../../src/export/exporting.ts";
import { exposedFamilies } from "../../src/export/metric-families.ts";
import { createLogger } from "../../src/log.ts";
import { registerProcessMetrics, renderFamilies } from "../../src/server/prometheus.ts";
import { createHttpServer } from "../../src/server/server.ts";
import { createStore } from "../../src/store/store.ts";
import { findPeer } from "../support/peers.ts";
import { waitFor } from "../support/ports.ts";
import { PROMETHEUS, type RunningMetricStore, startMetricStore, VICTORIA_METRICS } from "./peers/metric-store.ts";

const RECEIVERS = [
  { flavour: PROMETHEUS, binary: findPeer("Prometheus (Debian package prometheus)", ["/usr/bin/prometheus"]) },
  { flavour: VICTORIA_METRICS, binary: findPeer("VictoriaMetrics (Debian package victoria-metrics)", ["/usr/bin/victoria-metrics"]) },
];

/** `name{a="1",b="2"}` (labels sorted, external labels left out) → value, from exposition text. */
function textSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    const id = line.slice(0, at);
    const open = id.indexOf("{");
    const key = open < 0 ? id : `${id.slice(0, open)}{${(id.slice(open + 1, -1).match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []).sort().join(",")}}`;
    out.set(key, Number(line.slice(at + 1)));
  }
  return out;
}

function keyOf(labels: Record<string, string>): string {
  const { __name__: name, agent: _a, environment: _e, host: _h, ...rest } = labels;
  const names = Object.keys(rest).sort();
  return names.length === 0 ? name! : `${name}{${names.map((n) => `${n}=${JSON.stringify(rest[n])}`).join(",")}}`;
}

for (const { flavour, binary } of RECEIVERS) {
  describe.skipIf(!binary)(`remote_write into a real ${flavour.name}`, () => {
    const work = mkdtempSync(join(tmpdir(), "aiops-rw-"));
    const log = createLogger({ level: "error", clock: systemClock, sink: { write() {} } });
    const agentName = `rw-${flavour.name.toLowerCase()}`;
    let receiver: RunningMetricStore;
    let exporting: Exporting;
    let clock: ManualClock;
    let agentPort = 0;
    /** The exposition of each push, rendered from the same families the push encoded. */
    const pushed: Array<{ at: number; text: string }> = [];
    const loaded = loadConfig({
      env: { AIOPS_AGENT_NAME: agentName, AIOPS_ENVIRONMENT: "e2e", AIOPS_DATA_DIR: work, AIOPS_LISTEN: "127.0.0.1:0" },
    });
    const agent = new Agent({ config: loaded.config, log, clock: systemClock });
    registerProcessMetrics(agent.metrics, { version: "0.0.0-test" }, systemClock);
    const server = createHttpServer({ agent, config: () => loaded, metrics: agent.metrics, events: agent.events, log, clock: systemClock, version: "0.0.0-test" });
    const store = createStore({ dataDir: work, settings: loaded.config.store, log, metrics: agent.metrics, clock: systemClock });

    beforeAll(async () => {
      receiver = await startMetricStore(binary!, flavour);
      store.open();
      agentPort = server.listen("127.0.0.1:0").port;
      // Two ticks, so rates have two readings; the loop itself is not started, so the snapshot holds still.
      await agent.tick();
      await agent.tick();
      // Wall time 20 minutes ago: ten-second pushes stay in the receivers' past.
      clock = new ManualClock(Date.now() - 20 * 60_000);
      const config = loadConfig({
        env: {
          AIOPS_AGENT_NAME: agentName,
          AIOPS_ENVIRONMENT: "e2e",
          AIOPS_EXPORT_REMOTE_WRITE_URL: receiver.writeUrl,
          AIOPS_EXPORT_REMOTE_WRITE_BATCH_SAMPLES: "700",
          AIOPS_EXPORT_REMOTE_WRITE_BACKOFF_MAX: "5s",
        },
      }).config;
      exporting = createExporting(config, {
        store,
        metrics: agent.metrics,
        log,
        clock,
        version: "0.0.0-test",
        hostName: "node-e2e",
        startedAt: Date.now(),
        source: () => {
          const families = exposedFamilies(agent.latest(), agent.metrics.all());
          pushed.push({ at: clock.wall().getTime(), text: renderFamilies(families, "prometheus") });
          return families;
        },
      });
    }, 60_000);

    afterAll(async () => {
      await exporting?.shutdown();
      await server.stop();
      store.close();
      await receiver?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    const pusher = () => exporting.pushers.get("remote_write")!;
    const counter = (name: string, labels: Record<string, string>) =>
      agent.metrics.all().find((f) => f.name === name)?.samples().find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

    test("it stores every series /metrics shows, with agent, environment and host, at the value pushed", async () => {
      pusher().takePush();
      await pusher().idle();
      const push = pushed.at(-1)!;
      const expected = textSamples(push.text);
      const stored = await waitFor(`the push in ${flavour.name}`, async () => {
        const s = await receiver.series(`{agent="${agentName}"}`);
        return s.length >= expected.size ? s : undefined;
      });
      for (const s of stored) expect({ environment: s.labels.environment, host: s.labels.host }).toEqual({ environment: "e2e", host: "node-e2e" });
      const got = new Map(stored.map((s) => [keyOf(s.labels), s.samples.find((p) => p.timestamp === push.at)?.value]));
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, value] of expected) {
        // Prometheus keeps float64 exactly; VictoriaMetrics stores a decimal mantissa (about 12 digits).
        if (flavour === PROMETHEUS) expect({ key, value: got.get(key) }).toEqual({ key, value });
        else expect(Math.abs(got.get(key)! - value)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(value)));
      }
      // And the series are those a scrape of the agent's /metrics shows right now (values of the
      // agent's own counters move between the push and the scrape; names and labels do not).
      const scraped = textSamples(await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text());
      const sentNames = new Set([...got.keys()]);
      const liveWithSamples = [...scraped.keys()].filter((k) => !k.startsWith("aiops_export_") && !k.startsWith("aiops_http_"));
      for (const k of liveWithSamples) expect(sentNames.has(k)).toBe(true);
    }, 60_000);

    test("down for a while and back: every push arrives, in order, none refused", async () => {
      const first = pushed.length;
      await receiver.down();
      for (let i = 0; i < 12; i++) {
        await clock.advance(10_000);
        pusher().takePush();
        await pusher().idle();
      }
      expect(counter("aiops_export_samples_failed_total", { target: "remote_write", reason: "unreachable" })).toBeGreaterThan(0);
      expect(counter("aiops_export_queue_samples", { target: "remote_write" })).toBeGreaterThan(0);
      await receiver.up();
      // The longest backoff is 5 s: the retry comes within it, then the backlog drains in batches.
      await clock.advance(5_000);
      await pusher().idle();
      expect(counter("aiops_export_queue_samples", { target: "remote_write" })).toBe(0);
      expect(counter("aiops_export_samples_dropped_total", { target: "remote_write", reason: "rejected" })).toBe(0);
      expect(counter("aiops_export_samples_dropped_total", { target: "remote_write", reason: "queue_full" })).toBe(0);

      const times = pushed.slice(first - 1).map((p) => p.at);
      const series = await waitFor(`the backlog in ${flavour.name}`, async () => {
        const s = await receiver.series(`aiops_uptime_seconds{agent="${agentName}"}`);
        return s[0] && s[0].samples.length >= times.length ? s : undefined;
      });
      expect(series).toHaveLength(1);
      expect(series[0]!.samples.map((p) => p.timestamp)).toEqual(times);
      // Every series has every push.
      const all = await receiver.series(`{agent="${agentName}",__name__=~"aiops_(cpu|memory|disk)_.*"}`);
      for (const s of all) expect(s.samples.map((p) => p.timestamp)).toEqual(times);
    }, 90_000);
  });
}
