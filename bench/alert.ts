/**
 * Alert delivery benchmark, through the real engine, outbox transaction (SQLite in a temporary
 * directory, WAL) and delivery workers, to a signed webhook received by another process on 127.0.0.1:
 *
 * 1. latency from a finding (the alert stage's run) to the receipt of its notification, one alert at a
 *    time, p50 and p99 (target: p99 under 20 ms);
 * 2. drain rate of a backlog of notifications queued while the workers were stopped (target: at least
 *    2,000 notifications per second), with the default `alert.delivery` settings.
 *
 * The host has `--standing` alerts firing (20: a bad day); each tick one of them has been quiet for a
 * tick and fires again, so each tick makes exactly one notification while the engine tracks a steady
 * set of alerts, as a real agent's does (its cost per tick grows with the alerts it tracks). Latency
 * ticks come `--pace` ms apart (the agent's shortest interval is 100 ms); the backlog is queued as
 * fast as the engine and the outbox go.
 *
 *   bun bench/alert.ts [--alerts 2000] [--backlog 10000] [--standing 20] [--pace 10]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { TickContext } from "../src/agent.ts";
import { createAlerting } from "../src/alert/alerting.ts";
import { configSchema } from "../src/config/schema.ts";
import type { Finding } from "../src/detect/finding.ts";
import { EventBus } from "../src/events.ts";
import { createLogger } from "../src/log.ts";
import { SelfMetrics } from "../src/self-metrics.ts";
import { listNotifications } from "../src/store/notifications.ts";
import { createStore } from "../src/store/store.ts";

const { values: args } = parseArgs({
  options: {
    alerts: { type: "string", default: "2000" },
    backlog: { type: "string", default: "10000" },
    standing: { type: "string", default: "20" },
    pace: { type: "string", default: "10" },
    receiver: { type: "boolean", default: false },
  },
});

/** Epoch milliseconds with sub-millisecond precision, comparable across the two processes. */
const clock = () => performance.timeOrigin + performance.now();

if (args.receiver) {
  // The receiving end: accepts every POST and reports each idempotency key with its time of arrival.
  const out = Bun.stdout.writer();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await req.arrayBuffer();
      const at = clock();
      out.write(`${req.headers.get("idempotency-key")} ${at}\n`);
      out.flush();
      return new Response("ok");
    },
  });
  out.write(`PORT ${server.port}\n`);
  out.flush();
  await new Promise(() => {});
}

const ALERTS = Number(args.alerts);
const BACKLOG = Number(args.backlog);
const STANDING = Number(args.standing);
const PACE_MS = Number(args.pace);
const WARMUP = 100;

/** The receiver process and the arrivals it reports, in order. */
async function startReceiver() {
  const proc = Bun.spawn([process.execPath, import.meta.path, "--receiver"], { stdout: "pipe", stderr: "inherit" });
  const arrivals: Array<{ key: string; at: number }> = [];
  let waiting: (() => void) | undefined;
  let port!: number;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of proc.stdout) {
      buffered += decoder.decode(chunk);
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const [a, b] = buffered.slice(0, nl).split(" ");
        buffered = buffered.slice(nl + 1);
        if (a === "PORT") {
          port = Number(b);
          ready();
        } else {
          arrivals.push({ key: a!, at: Number(b) });
          waiting?.();
        }
      }
    }
  })();
  await started;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    /** Resolves once `n` arrivals have been reported. */
    async until(n: number) {
      while (arrivals.length < n) await new Promise<void>((resolve) => (waiting = resolve));
      waiting = undefined;
    },
    stop: () => proc.kill(),
  };
}

function setup(url: string) {
  const dir = mkdtempSync(join(tmpdir(), "aiops-bench-alert-"));
  const config = configSchema.parse({
    agent: { name: "bench-host", environment: "bench" },
    alert: {
      for: 0,
      group_wait: 0,
      // Each alert fires again every few ticks by design here: not flapping.
      flap: { window: 1, max_changes: 1000 },
      // One notification per alert: a resolve would double the count without changing the path.
      channels: [{ name: "hook", type: "webhook", url, secret: "bench-hmac-secret", send_resolved: false }],
    },
  });
  const log = createLogger({ level: "warning", sink: { write: (l) => process.stderr.write(l) } });
  const metrics = new SelfMetrics();
  const store = createStore({ dataDir: dir, settings: config.store, log, metrics });
  store.start();
  const alerting = createAlerting(config, { store, metrics, events: new EventBus(), log });
  return {
    store,
    alerting,
    async close() {
      await alerting.stage.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function finding(i: number): Finding {
  return {
    type: "cpu_high",
    severity: "warning",
    message: `High CPU usage: ${(80 + (i % 20)).toFixed(2)}%`,
    value: 80 + (i % 20),
    threshold: 80,
    metric: "aiops_cpu_usage_percent",
    labels: { cpu: String(i) },
    detector: "threshold",
    score: 0.7,
    timestamp: new Date().toISOString(),
  };
}

const POOL = Array.from({ length: STANDING + 1 }, (_, i) => finding(i));

/** Tick `i`: every standing alert holds except one, which went quiet at tick i − 1 and now fires again. */
function tick(i: number): TickContext {
  const findings = POOL.filter((_, k) => k !== (i + 1) % POOL.length);
  return { time: Date.now(), findings, startedFindings: [], samples: [], snapshot: {} as TickContext["snapshot"] };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const receiver = await startReceiver();

// 1. Latency: one alert fires each tick; wait for its receipt before the next tick.
const latency = setup(receiver.url);
latency.alerting.start();
latency.alerting.stage.run(tick(-1));
await receiver.until(1);
const samples: number[] = [];
for (let i = 0; i < WARMUP + ALERTS; i++) {
  const before = receiver.arrivals.length;
  const started = clock();
  latency.alerting.stage.run(tick(i));
  await receiver.until(before + 1);
  if (i >= WARMUP) samples.push(receiver.arrivals[before]!.at - started);
  const rest = started + PACE_MS - clock();
  if (rest > 0) await Bun.sleep(rest);
}
await latency.close();
samples.sort((a, b) => a - b);

// 2. Drain: a backlog queued through the engine and the outbox while the workers are stopped.
const drain = setup(receiver.url);
drain.alerting.stage.run(tick(-1));
const queueStarted = performance.now();
for (let i = 0; i < BACKLOG - 1; i++) drain.alerting.stage.run(tick(i));
const queueSeconds = (performance.now() - queueStarted) / 1000;
const queued = drain.store.read((db) => db.query<{ n: number }, []>("SELECT count(*) AS n FROM notifications WHERE status = 'pending'").get()!.n);
const received = receiver.arrivals.length;
const drainStarted = performance.now();
drain.alerting.start();
await receiver.until(received + queued);
await drain.alerting.workers.idle();
const drainSeconds = (performance.now() - drainStarted) / 1000;
const delivered = drain.store.read((db) => listNotifications(db, { status: "delivered", limit: 1 }).items.length > 0);
const stillPending = drain.store.read((db) => db.query<{ n: number }, []>("SELECT count(*) AS n FROM notifications WHERE status = 'pending'").get()!.n);
await drain.close();
receiver.stop();

const rate = queued / drainSeconds;
const p50 = percentile(samples, 50);
const p99 = percentile(samples, 99);
console.log(
  `bench:alert  (bun bench/alert.ts --alerts ${ALERTS} --backlog ${BACKLOG} --standing ${STANDING} --pace ${PACE_MS}; ${STANDING} alerts firing, webhook signed, receiver in another process)`,
);
console.log("| measure | value | target |");
console.log("|---|---|---|");
console.log(`| finding → receipt, p50 (${samples.length} alerts, a tick every ${PACE_MS} ms) | ${p50.toFixed(2)} ms | |`);
console.log(`| finding → receipt, p99 | ${p99.toFixed(2)} ms | < 20 ms |`);
console.log(`| finding → receipt, max | ${samples.at(-1)!.toFixed(2)} ms | |`);
console.log(`| backlog queued through engine and outbox | ${queued} in ${queueSeconds.toFixed(2)} s (${Math.round(queued / queueSeconds)}/s) | |`);
console.log(`| drain of the backlog (concurrency 4) | ${Math.round(rate)} notifications/s (${drainSeconds.toFixed(2)} s) | ≥ 2000/s |`);
if (!delivered || stillPending > 0) console.log(`WARNING: ${stillPending} notifications still pending after the drain`);
console.log(`targets: ${p99 < 20 ? "p99 met" : "p99 MISSED"}, ${rate >= 2000 ? "drain met" : "drain MISSED"}`);
