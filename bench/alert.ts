/**
 * Alert delivery benchmark, through the real engine, outbox transaction (SQLite in a temporary
 * directory, WAL) and delivery workers, to a signed webhook on 127.0.0.1:
 *
 * 1. latency from a finding (the alert stage's run) to the receipt of its notification, one alert at a
 *    time, p50 and p99 (target: p99 under 20 ms), with the receiver in the agent's process and in
 *    another process (there the tail also holds the receiver's own scheduling);
 * 2. drain rate of a backlog of notifications queued while the workers were stopped (target: at least
 *    2,000 notifications per second), with the default `alert.delivery` settings, and the agent's
 *    CPU time per notification (what the rate would be with a core to itself).
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
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { TickContext } from "../src/contracts/tick.ts";
import { createAlerting } from "../src/alert/alerting.ts";
import { systemClock } from "../src/clock.ts";
import { configSchema } from "../src/config/schema.ts";
import type { Finding } from "../src/contracts/finding.ts";
import { EventBus } from "../src/event-bus.ts";
import { createLogger } from "../src/log.ts";
import { SelfMetrics } from "../src/self-metrics.ts";
import { createStore } from "../src/store/store.ts";
import { linesOf } from "../test/support/lines.ts";

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

/** Accepts every POST and calls `arrived` with its idempotency key and time of arrival. */
function serve(arrived: (key: string, at: number) => void) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await req.arrayBuffer();
      arrived(req.headers.get("idempotency-key") ?? "", clock());
      return new Response("ok");
    },
  });
}

if (args.receiver) {
  // The receiving end in its own process: reports each arrival on stdout.
  const out = Bun.stdout.writer();
  const server = serve((key, at) => {
    out.write(`${key} ${at}\n`);
    out.flush();
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

/** A receiver: its URL and the arrivals, in order. */
interface Receiver {
  url: string;
  arrivals: Array<{ key: string; at: number }>;
  /** Resolves once `n` arrivals are known. */
  until(n: number): Promise<void>;
  stop(): void;
}

function arrivalsList() {
  const arrivals: Array<{ key: string; at: number }> = [];
  let waiting: (() => void) | undefined;
  return {
    arrivals,
    push(key: string, at: number) {
      arrivals.push({ key, at });
      waiting?.();
    },
    async until(n: number) {
      while (arrivals.length < n) await new Promise<void>((resolve) => (waiting = resolve));
      waiting = undefined;
    },
  };
}

/** A receiver in this process: it shares the agent's event loop and CPU. */
function inProcessReceiver(): Receiver {
  const list = arrivalsList();
  const server = serve((key, at) => list.push(key, at));
  return { url: `http://127.0.0.1:${server.port}/hook`, arrivals: list.arrivals, until: list.until, stop: () => void server.stop(true) };
}

/** A receiver in another process, reporting its arrivals through a pipe. */
async function otherProcessReceiver(): Promise<Receiver> {
  const proc = Bun.spawn([process.execPath, import.meta.path, "--receiver"], { stdout: "pipe", stderr: "inherit" });
  const list = arrivalsList();
  let port!: number;
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  void (async () => {
    for await (const line of linesOf(proc.stdout)) {
      const [a, b] = line.split(" ");
      if (a === "PORT") {
        port = Number(b);
        ready();
      } else list.push(a!, Number(b));
    }
  })();
  await started;
  return { url: `http://127.0.0.1:${port}/hook`, arrivals: list.arrivals, until: list.until, stop: () => proc.kill() };
}

/** A store in a temporary directory and alerting over it, with one signed webhook channel. */
async function setup(url: string) {
  const dir = mkdtempSync(join(tmpdir(), "aiops-bench-alert-"));
  const config = configSchema().parse({
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
  const log = createLogger({ level: "warning", clock: systemClock, sink: { write: (l) => process.stderr.write(l) } });
  const metrics = new SelfMetrics();
  const store = createStore({ dataDir: dir, settings: config.store, log, metrics, clock: systemClock });
  store.start();
  const alerting = await createAlerting(config, { store, metrics, events: new EventBus(systemClock), log, clock: systemClock });
  const pending = () => store.read((db) => db.query<{ n: number }, []>("SELECT count(*) AS n FROM notifications WHERE status = 'pending'").get()!.n);
  return {
    alerting,
    pending,
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
  return { time: Date.now(), findings, startedFindings: [], alertChanges: [], samples: [], snapshot: {} as TickContext["snapshot"] };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Finding → receipt of each of `ALERTS` alerts (after a warm-up), one tick at a time; sorted. */
async function latency(receiver: Receiver): Promise<number[]> {
  const run = await setup(receiver.url);
  run.alerting.start();
  run.alerting.stage.run(tick(-1));
  await receiver.until(receiver.arrivals.length + 1);
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ALERTS; i++) {
    const before = receiver.arrivals.length;
    const started = clock();
    run.alerting.stage.run(tick(i));
    await receiver.until(before + 1);
    if (i >= WARMUP) samples.push(receiver.arrivals[before]!.at - started);
    const rest = started + PACE_MS - clock();
    if (rest > 0) await Bun.sleep(rest);
  }
  await run.close();
  return samples.sort((a, b) => a - b);
}

/** CPUs and load average: on a shared machine the tail of the latency follows the load. */
const machine = () => `${navigator.hardwareConcurrency} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
const loadBefore = machine();

const local = inProcessReceiver();
const remote = await otherProcessReceiver();
const inProcess = await latency(local);
const otherProcess = await latency(remote);

// Drain: a backlog queued through the engine and the outbox while the workers are stopped.
const drain = await setup(remote.url);
drain.alerting.stage.run(tick(-1));
const queueStarted = performance.now();
for (let i = 0; i < BACKLOG - 1; i++) drain.alerting.stage.run(tick(i));
const queueSeconds = (performance.now() - queueStarted) / 1000;
const queued = drain.pending();
const received = remote.arrivals.length;
const drainStarted = performance.now();
const drainCpu = process.cpuUsage();
drain.alerting.start();
await remote.until(received + queued);
await drain.alerting.workers.idle();
const drainSeconds = (performance.now() - drainStarted) / 1000;
const cpu = process.cpuUsage(drainCpu);
const drainCpuUs = (cpu.user + cpu.system) / queued;
const stillPending = drain.pending();
await drain.close();
local.stop();
remote.stop();

const rate = queued / drainSeconds;
const row = (what: string, sorted: number[]) =>
  `| finding → receipt, ${what} | ${percentile(sorted, 50).toFixed(2)} ms | ${percentile(sorted, 99).toFixed(2)} ms | ${sorted.at(-1)!.toFixed(2)} ms |`;
console.log(`bench:alert  (bun bench/alert.ts --alerts ${ALERTS} --backlog ${BACKLOG} --standing ${STANDING} --pace ${PACE_MS})`);
console.log(`${STANDING} alerts firing, one more each tick, a tick every ${PACE_MS} ms; webhook signed with HMAC; SQLite WAL in ${tmpdir()}`);
console.log(`machine: ${loadBefore} at the start, ${machine()} at the end`);
console.log(`| ${ALERTS} alerts | p50 | p99 (target < 20 ms) | max |`);
console.log("|---|---|---|---|");
console.log(row("receiver in the agent's process", inProcess));
console.log(row("receiver in another process", otherProcess));
console.log();
console.log("| backlog | value | target |");
console.log("|---|---|---|");
console.log(`| queued through engine and outbox | ${queued} in ${queueSeconds.toFixed(2)} s | |`);
console.log(`| drained (concurrency 4, receiver in another process) | ${Math.round(rate)} notifications/s (${drainSeconds.toFixed(2)} s) | ≥ 2000/s |`);
console.log(`| agent CPU per notification drained | ${Math.round(drainCpuUs)} µs (a free core: ${Math.round(1e6 / drainCpuUs)}/s) | |`);
if (stillPending > 0) console.log(`WARNING: ${stillPending} notifications still pending after the drain`);
