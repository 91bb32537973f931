import { type BackoffSettings, retryDelayMs } from "../alert/delivery/backoff.ts";
import type { HttpClient } from "../alert/http-client.ts";
import { sendHttp } from "../alert/http-send.ts";
import { failureReason } from "../alert/delivery/outbox-metrics.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { ExportMetrics } from "./export-metrics.ts";
import type { MetricFamily } from "./metric-families.ts";
import type { PushProtocol } from "./push-protocol.ts";
import type { PushQueue, QueuedPush } from "./push-queue.ts";
import { snappyCompress, snappyUncompress } from "./snappy.ts";

/** How one target pushes. */
export interface PusherSettings {
  /** Where requests go (a secret: it may carry credentials). */
  url: string;
  /** Extra headers (authentication, tenant); their values are secrets. */
  headers: Readonly<Record<string, string>>;
  intervalMs: number;
  timeoutMs: number;
  /** Most samples in one request; a single push larger than this still goes whole. */
  batchSamples: number;
  backoff: BackoffSettings;
}

/** What a pusher works with; all injected, so tests drive it with a ManualClock and a local receiver. */
export interface PusherDeps {
  protocol: PushProtocol;
  queue: PushQueue;
  http: HttpClient;
  clock: Clock;
  /** The families `/metrics` shows right now. */
  source: () => readonly MetricFamily[];
  metrics: ExportMetrics;
  log: Logger;
  /** Strikes secrets (URL credentials, header values) from error texts. */
  scrub: (text: string) => string;
  random?: () => number;
}

/** One export target's loop: take a push every interval into the queue, and send the queue in order. */
export interface Pusher {
  /** Takes a push every interval, and sends what an earlier run left queued. Safe twice. */
  start(): void;
  /** Takes one push now (also what the interval timer does). */
  takePush(): void;
  /** Resolves once the sender is idle: the queue empty, or waiting for a retry. */
  idle(): Promise<void>;
  /** Stops the timers and the request in flight (it stays queued). Safe twice, and before start. */
  shutdown(): Promise<void>;
}

/**
 * Creates the pusher of one target. Pushes leave the queue oldest first, in batches of whole pushes
 * (so every series' samples arrive in time order), one request at a time. A receiver that answers
 * 5xx or 429, or does not answer, is tried again with exponential backoff and full jitter, honouring
 * Retry-After; nothing leaves the queue until it is taken. A 4xx other than 429 refuses the data for
 * good: a batch of several pushes is then sent again push by push, so only the refused push is dropped
 * (counted with reason `rejected`). A TLS failure is a configuration problem: the data stays queued,
 * within its bound, until it is fixed.
 */
export function createPusher(settings: PusherSettings, deps: PusherDeps): Pusher {
  const { protocol, queue, clock, metrics, log } = deps;
  const target = protocol.target;
  const random = deps.random ?? Math.random;
  let running = false;
  let stopped = false;
  let nextAt = 0;
  let cancelInterval: (() => void) | undefined;
  let cancelRetry: (() => void) | undefined;
  let sending: Promise<void> | undefined;
  let again = false;
  let inFlight: AbortController | undefined;
  let failures = 0;
  /** After a refused batch: send one push per request up to this id, to find the refused one. */
  let isolateThrough = 0;
  /** The failure being reported, so a receiver down for an hour logs once, not every retry. */
  let reported: string | undefined;

  const takePush = () => {
    if (stopped) return;
    const timeMs = clock.wallMs();
    let encoded;
    try {
      encoded = protocol.encode(deps.source(), timeMs);
    } catch (cause) {
      log.error({ err: cause, target }, `Export to ${target}: a push could not be encoded; it is skipped`);
      return;
    }
    if (encoded.samples === 0) return;
    try {
      const dropped = queue.append({ createdAt: timeMs, samples: encoded.samples, body: snappyCompress(encoded.body) });
      if (dropped.samples > 0) metrics.dropped.inc({ target, reason: "queue_full" }, dropped.samples);
    } catch (cause) {
      log.error({ err: cause, target }, `Export to ${target}: the push could not be queued`);
      return;
    }
    wake();
  };

  const arm = () => {
    if (!running) return;
    cancelInterval = clock.setTimer(nextAt - clock.now(), () => {
      takePush();
      // From the planned time, not from now: no drift; missed slots are skipped.
      nextAt += settings.intervalMs;
      const now = clock.now();
      if (nextAt <= now) nextAt += (Math.floor((now - nextAt) / settings.intervalMs) + 1) * settings.intervalMs;
      arm();
    });
  };

  const wake = () => {
    if (stopped || cancelRetry) return;
    if (sending) {
      // The drain in progress may already have seen an empty queue: look again once it ends.
      again = true;
      return;
    }
    sending = drain().finally(() => {
      sending = undefined;
      if (again) {
        again = false;
        wake();
      }
    });
  };

  const send = async (batch: QueuedPush[]) => {
    const { body, headers } = protocol.request(batch.map((p) => snappyUncompress(p.body)));
    inFlight = new AbortController();
    try {
      return await sendHttp(
        deps.http,
        { url: settings.url, headers: { ...settings.headers, ...headers }, body, timeoutMs: settings.timeoutMs, signal: inFlight.signal },
        clock,
        deps.scrub,
      );
    } finally {
      inFlight = undefined;
    }
  };

  const drain = async () => {
    while (!stopped) {
      const batch = queue.peek(settings.batchSamples, isolateThrough > 0 ? 1 : undefined);
      if (batch.length === 0) return;
      const last = batch.at(-1)!;
      const samples = batch.reduce((n, p) => n + p.samples, 0);
      const result = await send(batch);
      if (stopped) return;
      if (last.id >= isolateThrough) isolateThrough = 0;
      if (result.delivered) {
        queue.removeThrough(last.id);
        metrics.sent.inc({ target }, samples);
        metrics.lastSuccess.set({ target }, clock.wallMs() / 1000);
        failures = 0;
        if (reported) log.info({ target }, `Export to ${target} recovered`);
        reported = undefined;
        continue;
      }
      if (!result.retryable && result.status !== undefined) {
        if (batch.length > 1) {
          isolateThrough = last.id;
          continue;
        }
        queue.removeThrough(last.id);
        metrics.dropped.inc({ target, reason: "rejected" }, samples);
        log.warning({ target, status: result.status, error: result.error, samples }, `Export to ${target}: the receiver refused a push; it is dropped`);
        continue;
      }
      metrics.failed.inc({ target, reason: failureReason(result) }, samples);
      failures++;
      if (reported !== result.error) {
        log.warning({ target, error: result.error }, `Export to ${target} failed; the queue keeps the data and retries`);
        reported = result.error;
      }
      const delay = retryDelayMs(failures, settings.backoff, random, result.retryAfterMs);
      cancelRetry = clock.setTimer(delay, () => {
        cancelRetry = undefined;
        wake();
      });
      return;
    }
  };

  return {
    start() {
      if (running || stopped) return;
      running = true;
      nextAt = clock.now() + settings.intervalMs;
      arm();
      wake();
    },
    takePush,
    async idle() {
      while (sending) await sending;
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      running = false;
      cancelInterval?.();
      cancelRetry?.();
      inFlight?.abort(new Error("the agent is stopping"));
      await sending;
      await deps.http.close();
    },
  };
}
