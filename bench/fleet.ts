/**
 * bench:fleet — the cost of pushing, and what one receiver takes.
 *  1. Agent CPU per push at a 10 s interval (encode, compress, queue in SQLite, send to a loopback
 *     receiver), and bytes on the wire per sample, plain and compressed, for remote_write and OTLP.
 *  2. How many simulated agents (each one push of this host's series every 10 s) one local Prometheus
 *     (Debian's, --web.enable-remote-write-receiver) takes from this machine: pushes as fast as it
 *     answers for DURATION seconds, from CONCURRENCY senders, each push from its own agent label.
 * PUSHES=300 DURATION=15 CONCURRENCY=4 bun bench/fleet.ts
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createHttpClient } from "../src/alert/http-client.ts";
import { ManualClock, systemClock } from "../src/clock.ts";
import { createCollectors } from "../src/collect/collectors.ts";
import { createSnapshotter } from "../src/collect/snapshotter.ts";
import { loadConfig } from "../src/config/load.ts";
import { createExportMetrics } from "../src/export/export-metrics.ts";
import { exposedFamilies } from "../src/export/metric-families.ts";
import { encodeOtlpMetrics } from "../src/export/otlp-encoder.ts";
import { createPushQueue } from "../src/export/push-queue.ts";
import { createPusher } from "../src/export/pusher.ts";
import { createRemoteWriteProtocol } from "../src/export/remote-write.ts";
import { encodeWriteRequest } from "../src/export/remote-write-encoder.ts";
import { snappyCompress } from "../src/export/snappy.ts";
import { createLogger } from "../src/log.ts";
import { SelfMetrics } from "../src/self-metrics.ts";
import { registerProcessMetrics } from "../src/server/prometheus.ts";
import { createStore } from "../src/store/store.ts";

const PUSHES = Number(process.env.PUSHES ?? 300);
const DURATION = Number(process.env.DURATION ?? 15);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);

const config = loadConfig({ env: {} }).config;
const metrics = new SelfMetrics();
registerProcessMetrics(metrics, { version: "bench" }, systemClock);
const snapshotter = createSnapshotter(createCollectors(config, { clock: systemClock, notice() {} }), { timeoutMs: 2000, metrics, clock: systemClock });
await snapshotter.collect();
await Bun.sleep(200);
const snapshot = await snapshotter.collect();
const work = mkdtempSync(join(tmpdir(), "aiops-bench-fleet-"));
const log = createLogger({ level: "error", clock: systemClock, sink: { write() {} } });
const store = createStore({ dataDir: work, settings: config.store, log, metrics, clock: systemClock });
store.open();
const exportMetrics = createExportMetrics(metrics, () => systemClock.wallMs());
const families = () => exposedFamilies(snapshot, metrics.all());
const external = { agent: "bench", environment: "bench", host: "bench" };

// 1. Bytes per sample.
const rw = encodeWriteRequest(families(), Date.now(), external, () => true);
const otlp = encodeOtlpMetrics(families(), Date.now(), Date.now() - 3600_000, {
  serviceName: "aiops-agent", serviceVersion: "bench", instanceId: "bench", hostName: "bench", osType: "linux", environment: "bench", extra: {},
}, () => true);
const perSample = (n: number, samples: number) => (n / samples).toFixed(1);

// 1. CPU per push through the real pusher to a loopback receiver.
let received = 0;
const sink = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch(req) { received += (await req.arrayBuffer()).byteLength; return new Response(null, { status: 204 }); } });
const clock = new ManualClock(Date.now());
const queue = createPushQueue(store, "remote_write", 64 * 1024 * 1024);
const pusher = createPusher(
  { url: `http://127.0.0.1:${sink.port}/api/v1/write`, headers: {}, intervalMs: 10_000, timeoutMs: 5000, batchSamples: 2000, backoff: { baseMs: 1000, maxMs: 60_000 } },
  { protocol: createRemoteWriteProtocol(external, () => true, "bench"), queue, http: createHttpClient({ clock }), clock, source: families, metrics: exportMetrics, log, scrub: (t) => t },
);
for (let i = 0; i < 20; i++) { pusher.takePush(); await pusher.idle(); }
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < PUSHES; i++) {
  await clock.advance(10_000);
  pusher.takePush();
  await pusher.idle();
}
const used = process.cpuUsage(cpu0);
const cpuPerPushMs = (used.user + used.system) / 1000 / PUSHES;
const wall = (performance.now() - t0) / PUSHES;
await pusher.shutdown();
await sink.stop(true);

console.log(`bench:fleet  (bun bench/fleet.ts; PUSHES=${PUSHES}, DURATION=${DURATION} s, CONCURRENCY=${CONCURRENCY}; ${rw.samples} samples per push from this host)`);
console.log("| push | samples | plain bytes | bytes/sample | compressed bytes | bytes/sample compressed |");
console.log("|---|---|---|---|---|---|");
const rwc = snappyCompress(rw.body).length;
const otc = gzipSync(otlp.body).length;
console.log(`| remote_write (snappy) | ${rw.samples} | ${rw.body.length} | ${perSample(rw.body.length, rw.samples)} | ${rwc} | ${perSample(rwc, rw.samples)} |`);
console.log(`| OTLP (gzip) | ${otlp.samples} | ${otlp.body.length} | ${perSample(otlp.body.length, otlp.samples)} | ${otc} | ${perSample(otc, otlp.samples)} |`);
console.log(`agent CPU per remote_write push (encode, compress, queue in SQLite, send, delete): ${cpuPerPushMs.toFixed(2)} ms (wall ${wall.toFixed(2)} ms); at a 10 s interval: ${(cpuPerPushMs / 100).toFixed(3)} % of one core`);

// 2. Simulated agents into one local Prometheus.
const prometheus = ["/usr/bin/prometheus"].find((p) => existsSync(p));
if (!prometheus) {
  console.log("Prometheus not installed (apt-get install prometheus): receiver capacity not measured");
} else {
  const dir = mkdtempSync(join(tmpdir(), "aiops-bench-prom-"));
  writeFileSync(join(dir, "p.yml"), "global:\n  scrape_interval: 1m\n");
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = Bun.spawn([prometheus, `--config.file=${join(dir, "p.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`, "--web.enable-remote-write-receiver"], { stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) break; } catch {}
    await Bun.sleep(200);
  }
  const http = createHttpClient({ clock: systemClock });
  let pushes = 0;
  let errors = 0;
  let agent = 0;
  const start = Date.now();
  const deadline = start + DURATION * 1000;
  const promCpu0 = Bun.spawnSync(["cat", `/proc/${proc.pid}/stat`]).stdout.toString().split(" ");
  const sender = async () => {
    while (Date.now() < deadline) {
      const body = snappyCompress(encodeWriteRequest(families(), Date.now(), { agent: `sim-${agent++}`, environment: "bench", host: "bench" }, () => true).body);
      const r = await http.send({ url: `http://127.0.0.1:${port}/api/v1/write`, headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" }, body, timeoutMs: 10_000 });
      if (r.status >= 200 && r.status < 300) pushes++; else errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  const seconds = (Date.now() - start) / 1000;
  const promCpu1 = Bun.spawnSync(["cat", `/proc/${proc.pid}/stat`]).stdout.toString().split(" ");
  const ticks = Number(promCpu1[13]) + Number(promCpu1[14]) - Number(promCpu0[13]) - Number(promCpu0[14]);
  await http.close();
  proc.kill();
  await proc.exited;
  rmSync(dir, { recursive: true, force: true });
  const perSecond = pushes / seconds;
  console.log(`one local Prometheus 2.42: ${pushes} pushes in ${seconds.toFixed(1)} s (${errors} errors), ${perSecond.toFixed(0)} pushes/s = ${(perSecond * rw.samples).toFixed(0)} samples/s, Prometheus CPU ${(ticks / 100 / seconds * 100).toFixed(0)} % of one core`);
  console.log(`=> about ${Math.floor(perSecond * 10)} simulated agents pushing every 10 s (each push a new series set: the worst case for the receiver), with the senders on the same 2-CPU machine`);
}
store.close();
rmSync(work, { recursive: true, force: true });
