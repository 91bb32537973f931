import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { Agent } from "../../src/agent.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { acceptsGzip } from "../../src/server/compression.ts";
import { registerProcessMetrics } from "../../src/server/prometheus.ts";
import { createHttpServer } from "../../src/server/server.ts";
import { systemClock } from "../../src/clock.ts";
import { waitFor } from "../support/ports.ts";

/** One GET over a plain socket (node:http neither asks for nor undoes any encoding, unlike fetch). */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Each sample line without its value, and the HELP and TYPE lines: what two scrapes of one tick share. */
function shape(text: string): string[] {
  return text.split("\n").map((line) => (line.startsWith("#") ? line : line.slice(0, line.lastIndexOf(" "))));
}

describe("/metrics of the running agent, with and without gzip", () => {
  const clock = systemClock;
  const log = createLogger({ level: "warning", clock, sink: { write() {} } });
  const loaded = loadConfig({ env: { AIOPS_INTERVAL: "60", AIOPS_LISTEN: "127.0.0.1:0" } });
  const agent = new Agent({ config: loaded.config, log, clock });
  registerProcessMetrics(agent.metrics, { version: "0.0.0-test" }, clock);
  const server = createHttpServer({ agent, config: () => loaded, metrics: agent.metrics, events: agent.events, log, clock, version: "0.0.0-test" });
  let port = 0;

  beforeAll(async () => {
    port = server.listen("127.0.0.1:0").port;
    // One real collection of this machine; at a 60 s interval no other tick comes between the scrapes.
    await agent.start();
    await waitFor("the first collection", () => agent.latest() !== undefined);
  }, 30_000);

  afterAll(async () => {
    await agent.stop();
    await server.stop();
  });

  test("asked as Prometheus asks, the scrape comes gzip-compressed and unpacks to the same exposition", async () => {
    await get(port, "/metrics", {}); // the first scrape starts the agent's request counters
    const plain = await get(port, "/metrics", {});
    const gzipped = await get(port, "/metrics", { "accept-encoding": "gzip" });
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept-Encoding");
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers.vary).toBe("Accept-Encoding");
    expect(Number(gzipped.headers["content-length"])).toBe(gzipped.body.length);

    const unpacked = gunzipSync(gzipped.body).toString("utf8");
    const text = plain.body.toString("utf8");
    expect(text).toContain("aiops_memory_used_bytes ");
    // Same series, labels and order; only the agent's own counters (requests, CPU) moved in between.
    expect(shape(unpacked)).toEqual(shape(text));
    const host = (t: string) => t.split("\n").filter((l) => l.startsWith("aiops_memory_") || l.startsWith("aiops_filesystem_"));
    expect(host(unpacked)).toEqual(host(text));
    // What it is for: a host's exposition shrinks several times.
    expect(gzipped.body.length * 3).toBeLessThan(plain.body.length);
  });

  test("OpenMetrics is compressed too; a client that refuses gzip gets the text as it is", async () => {
    const openMetrics = await get(port, "/metrics", { accept: "application/openmetrics-text;version=1.0.0", "accept-encoding": "gzip" });
    expect(openMetrics.headers["content-type"]).toStartWith("application/openmetrics-text");
    expect(gunzipSync(openMetrics.body).toString("utf8")).toEndWith("# EOF\n");
    const refused = await get(port, "/metrics", { "accept-encoding": "gzip;q=0, identity" });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(refused.body.toString("utf8")).toContain("aiops_memory_used_bytes ");
  });
});

describe("Accept-Encoding", () => {
  test("gzip is taken when named with a quality above 0, or through * unless refused by name", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("deflate, gzip;q=0.5, br")).toBe(true);
    expect(acceptsGzip("GZIP")).toBe(true);
    expect(acceptsGzip("x-gzip")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("*, gzip;q=0")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("br, deflate")).toBe(false);
    expect(acceptsGzip(null)).toBe(false);
  });
});
