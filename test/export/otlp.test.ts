/**
 * OTLP/HTTP export end to end: the configuration's target, through the durable queue, to a receiver
 * that decodes every request with the official opentelemetry-proto definitions.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createExporting } from "../../src/export/exporting.ts";
import { otlpMetricsUrl } from "../../src/export/otlp.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { openStore, quietLog } from "../alert/outbox/support.ts";
import { afterThisTest, cleanUp } from "../store/support/temp.ts";
import { attributes, decodeOtlp, sampleFamilies, startPushReceiver } from "./support.ts";

afterEach(cleanUp);

describe("OTLP export", () => {
  test("a collector's /v1/metrics receives gzip protobuf it decodes into the agent's metrics and resource", async () => {
    const rx = startPushReceiver();
    afterThisTest(() => void rx.stop());
    const { store } = openStore();
    const clock = new ManualClock(Date.parse("2026-03-01T12:00:00Z"));
    const families = sampleFamilies();
    const config = loadConfig({
      env: { AIOPS_AGENT_NAME: "web-1", AIOPS_ENVIRONMENT: "staging", AIOPS_EXPORT_OTLP_URL: rx.url, AIOPS_EXPORT_OTLP_DENY: "aiops_disk_.*" },
    }).config;
    const exporting = createExporting(config, {
      store,
      metrics: new SelfMetrics(),
      log: quietLog().log,
      clock,
      version: "1.2.3",
      hostName: "node-7",
      startedAt: Date.parse("2026-03-01T11:00:00Z"),
      source: () => families,
    });
    afterThisTest(() => void exporting.shutdown());
    expect([...exporting.pushers.keys()]).toEqual(["otlp"]);
    exporting.start();
    await clock.advance(10_000);
    await exporting.pushers.get("otlp")!.idle();

    expect(rx.received).toHaveLength(1);
    const req = rx.received[0]!;
    expect(req.path).toBe("/v1/metrics");
    expect(req.headers).toMatchObject({ "content-type": "application/x-protobuf", "content-encoding": "gzip", "user-agent": "aiops-agent/1.2.3" });
    const decoded = decodeOtlp(new Uint8Array(gunzipSync(req.body)));
    const rm = decoded.resourceMetrics[0]!;
    expect(attributes(rm.resource.attributes)).toMatchObject({
      "service.name": "aiops-agent",
      "service.version": "1.2.3",
      "service.instance.id": "web-1",
      "host.name": "node-7",
      "os.type": process.platform === "linux" ? "linux" : expect.any(String),
      "deployment.environment.name": "staging",
    });
    const metrics = rm.scopeMetrics[0]!.metrics;
    const names = metrics.map((m) => m.name);
    expect(names).toEqual(families.filter((f) => f.samples.length > 0 && !f.name.startsWith("aiops_disk_")).map((f) => f.name));
    const mem = metrics.find((m) => m.name === "aiops_memory_usage_percent")!;
    expect(mem).toMatchObject({ unit: "%", data: "gauge" });
    expect(mem.gauge!.dataPoints[0]!.asDouble).toBe(families.find((f) => f.name === "aiops_memory_usage_percent")!.samples[0]!.value);
    expect(mem.gauge!.dataPoints[0]!.timeUnixNano).toBe(String(BigInt(Date.parse("2026-03-01T12:00:10Z")) * 1_000_000n));
  });

  test("a bare base URL gets /v1/metrics; a URL with a path is used as given", () => {
    expect(otlpMetricsUrl("http://collector:4318")).toBe("http://collector:4318/v1/metrics");
    expect(otlpMetricsUrl("https://gw.example.com/otlp/v1/metrics")).toBe("https://gw.example.com/otlp/v1/metrics");
  });
});
