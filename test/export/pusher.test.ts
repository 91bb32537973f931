/**
 * The push loop against a loopback receiver: what it sends, what it keeps, how it retries, and what it
 * counts. Time is a ManualClock; the HTTP is real.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createHttpClient } from "../../src/alert/http-client.ts";
import { ManualClock } from "../../src/clock.ts";
import { createExportMetrics } from "../../src/export/export-metrics.ts";
import type { MetricFamily } from "../../src/export/metric-families.ts";
import { createPushQueue } from "../../src/export/push-queue.ts";
import { createPusher } from "../../src/export/pusher.ts";
import { createRemoteWriteProtocol } from "../../src/export/remote-write.ts";
import { snappyUncompress } from "../../src/export/snappy.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { openStore, quietLog } from "../alert/outbox/support.ts";
import { afterThisTest, cleanUp } from "../store/support/temp.ts";
import { freePort } from "../support/ports.ts";
import { decodeWriteRequest, startPushReceiver } from "./support.ts";

afterEach(cleanUp);

const T0 = Date.parse("2026-03-01T12:00:00Z");

/** A pusher of one gauge whose value counts the pushes (1, 2, 3...), so order and loss show. */
function setup(url: string, over: { maxBytes?: number; batchSamples?: number } = {}) {
  const clock = new ManualClock(T0);
  const { store } = openStore();
  const metrics = new SelfMetrics();
  const exportMetrics = createExportMetrics(metrics, () => clock.wall().getTime());
  const queue = createPushQueue(store, "remote_write", over.maxBytes ?? 1_000_000);
  exportMetrics.watch("remote_write", () => queue.stats());
  let n = 0;
  const source = (): MetricFamily[] => [
    { name: "m", help: "h", type: "gauge", unit: "none", samples: [{ name: "m", labels: { k: "v" }, value: ++n }, { name: "m", labels: { k: "w" }, value: -n }] },
  ];
  const { log, lines } = quietLog();
  const pusher = createPusher(
    { url, headers: { "x-scope-orgid": "tenant-1" }, intervalMs: 10_000, timeoutMs: 2000, batchSamples: over.batchSamples ?? 1000, backoff: { baseMs: 1000, maxMs: 60_000 } },
    {
      protocol: createRemoteWriteProtocol({ agent: "a1" }, () => true, "aiops-agent/test"),
      queue,
      http: createHttpClient({ clock }),
      clock,
      source,
      metrics: exportMetrics,
      log,
      scrub: (t) => t,
      // The longest wait the backoff allows: tests advance exactly that far.
      random: () => 0.999_999,
    },
  );
  afterThisTest(() => void pusher.shutdown());
  const counter = (name: string, labels: Record<string, string>) =>
    metrics.all().find((f) => f.name === name)?.samples().find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
  return { clock, pusher, queue, metrics, counter, lines };
}

/** The `m{k="v"}` values in a request, in order. */
const values = (body: Uint8Array) => decodeWriteRequest(snappyUncompress(body)).filter((s) => s.labels.k === "v").map((s) => s.samples[0]!.value);

describe("the pusher", () => {
  test("every interval it pushes a snappy WriteRequest with the protocol's headers and the configured ones", async () => {
    const rx = startPushReceiver();
    afterThisTest(() => void rx.stop());
    const { clock, pusher, counter } = setup(`${rx.url}/api/v1/write`);
    pusher.start();
    await clock.advance(10_000);
    await pusher.idle();
    await clock.advance(10_000);
    await pusher.idle();
    expect(rx.received).toHaveLength(2);
    expect(rx.received[0]!.path).toBe("/api/v1/write");
    expect(rx.received[0]!.headers).toMatchObject({
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-write-version": "0.1.0",
      "x-scope-orgid": "tenant-1",
      "user-agent": "aiops-agent/test",
    });
    const series = decodeWriteRequest(snappyUncompress(rx.received[1]!.body));
    expect(series.map((s) => [s.labels, s.samples])).toEqual([
      [{ __name__: "m", agent: "a1", k: "v" }, [{ value: 2, timestamp: T0 + 20_000 }]],
      [{ __name__: "m", agent: "a1", k: "w" }, [{ value: -2, timestamp: T0 + 20_000 }]],
    ]);
    expect(counter("aiops_export_samples_sent_total", { target: "remote_write" })).toBe(4);
    expect(counter("aiops_export_queue_samples", { target: "remote_write" })).toBe(0);
    expect(counter("aiops_export_last_success_timestamp_seconds", { target: "remote_write" })).toBe((T0 + 20_000) / 1000);
  });

  test("5xx: the data stays queued, is counted as failed and goes in order, batched, once the receiver is back", async () => {
    const rx = startPushReceiver();
    afterThisTest(() => void rx.stop());
    const { clock, pusher, counter, queue, lines } = setup(rx.url, { batchSamples: 4 });
    rx.respond(() => new Response("overloaded", { status: 503 }));
    for (let i = 0; i < 5; i++) {
      pusher.takePush();
      await pusher.idle();
    }
    expect(queue.stats().pushes).toBe(5);
    expect(counter("aiops_export_samples_failed_total", { target: "remote_write", reason: "server_error" })).toBeGreaterThanOrEqual(2);
    // One warning for the whole outage, not one per attempt.
    expect(lines.filter((l) => String(l.message).includes("failed; the queue keeps the data")).length).toBe(1);
    expect(counter("aiops_export_queue_oldest_age_seconds", { target: "remote_write" })).toBe(0);
    await clock.advance(30_000);
    expect(counter("aiops_export_queue_oldest_age_seconds", { target: "remote_write" })).toBe(30);

    rx.respond(() => new Response(null, { status: 204 }));
    const before = rx.received.length;
    await clock.advance(60_000);
    await pusher.idle();
    const after = rx.received.slice(before).map((r) => values(r.body));
    // Two pushes of two samples per request (batch_samples 4), oldest first.
    expect(after).toEqual([[1, 2], [3, 4], [5]]);
    expect(queue.stats().pushes).toBe(0);
    expect(counter("aiops_export_samples_sent_total", { target: "remote_write" })).toBe(10);
    expect(lines.some((l) => l.message === "Export to remote_write recovered")).toBe(true);
  });

  test("429 with Retry-After: the next attempt waits as long as the receiver asked", async () => {
    const rx = startPushReceiver();
    afterThisTest(() => void rx.stop());
    const { clock, pusher, counter } = setup(rx.url);
    rx.respond((n) => (n === 1 ? new Response("slow down", { status: 429, headers: { "retry-after": "45" } }) : new Response(null, { status: 200 })));
    // A backoff far shorter than the Retry-After.
    pusher.takePush();
    await pusher.idle();
    expect(counter("aiops_export_samples_failed_total", { target: "remote_write", reason: "rate_limited" })).toBe(2);
    await clock.advance(44_000);
    await pusher.idle();
    expect(rx.received).toHaveLength(1);
    await clock.advance(1_000);
    await pusher.idle();
    expect(rx.received).toHaveLength(2);
    expect(values(rx.received[1]!.body)).toEqual([1]);
  });

  test("another 4xx drops the push with reason rejected; in a batch, only the refused push is dropped", async () => {
    const rx = startPushReceiver();
    afterThisTest(() => void rx.stop());
    const { clock, pusher, counter, queue } = setup(rx.url);
    rx.respond(() => new Response("down", { status: 502 }));
    for (let i = 0; i < 3; i++) pusher.takePush();
    await pusher.idle();
    // Back, but refusing any request that carries push 2 (as Prometheus refuses a whole request for one bad sample).
    const delivered: number[][] = [];
    rx.respond((n) => {
      const v = values(rx.received[n - 1]!.body);
      if (v.includes(2)) return new Response("out of order sample", { status: 400 });
      delivered.push(v);
      return new Response(null, { status: 204 });
    });
    await clock.advance(60_000);
    await pusher.idle();
    expect(delivered).toEqual([[1], [3]]);
    expect(counter("aiops_export_samples_dropped_total", { target: "remote_write", reason: "rejected" })).toBe(2);
    expect(counter("aiops_export_samples_sent_total", { target: "remote_write" })).toBe(4);
    expect(queue.stats().pushes).toBe(0);
    // Later pushes go in batches again.
    rx.respond(() => new Response(null, { status: 204 }));
    pusher.takePush();
    await pusher.idle();
    expect(values(rx.received.at(-1)!.body)).toEqual([4]);
  });

  test("a receiver that is not listening: counted unreachable, kept within the bound (oldest dropped first, counted)", async () => {
    const url = `http://127.0.0.1:${freePort()}/api/v1/write`;
    const { pusher, counter, queue } = setup(url, { maxBytes: 400 });
    for (let i = 0; i < 20; i++) {
      pusher.takePush();
      await pusher.idle();
    }
    expect(counter("aiops_export_samples_failed_total", { target: "remote_write", reason: "unreachable" })).toBeGreaterThan(0);
    const kept = queue.stats();
    expect(kept.bytes).toBeLessThanOrEqual(400);
    expect(kept.samples + counter("aiops_export_samples_dropped_total", { target: "remote_write", reason: "queue_full" })).toBe(40);
    // What is kept is the newest.
    const ids = queue.peek(1000).map((p) => p.createdAt);
    expect(ids.at(-1)).toBe(T0);
    expect(counter("aiops_export_samples_dropped_total", { target: "remote_write", reason: "queue_full" })).toBeGreaterThan(0);
  });

  test("shutdown is safe twice and before start; a push after it is not taken", async () => {
    const { pusher, queue } = setup("http://127.0.0.1:9/");
    await pusher.shutdown();
    await pusher.shutdown();
    pusher.takePush();
    expect(queue.stats().pushes).toBe(0);
  });
});
