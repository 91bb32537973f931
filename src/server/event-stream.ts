import type { Clock } from "../clock.ts";
import { AGENT_EVENT_TYPES, type AgentEvent } from "../contracts/events.ts";
import type { EventBus } from "../event-bus.ts";
import { HttpError } from "./http.ts";

export interface EventStreamOptions {
  /** Times the keepalive. */
  clock: Clock;
  /** A comment line this often keeps proxies and the client from timing out. */
  keepaliveMs?: number;
  /** A client this far behind is disconnected; it can resume with Last-Event-ID. */
  maxQueuedBytes?: number;
}

function frame(event: AgentEvent): string {
  const { id, type } = event;
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The event types a request asks for with `?types=snapshot,finding` (all when absent). */
export function requestedTypes(url: URL): Set<string> {
  const param = url.searchParams.get("types");
  if (param === null) return new Set(AGENT_EVENT_TYPES);
  const types = param.split(",").map((t) => t.trim()).filter(Boolean);
  const unknown = types.filter((t) => !(AGENT_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0 || types.length === 0) {
    throw new HttpError(400, "invalid_parameter", `types: expected a comma-separated list of ${AGENT_EVENT_TYPES.join(", ")}; got ${JSON.stringify(param)}`);
  }
  return new Set(types);
}

/**
 * `/api/v1/events` as server-sent events: each snapshot, finding, alert change and delivery as it
 * happens. A client that reconnects with `Last-Event-ID` first receives what it missed from the
 * replay buffer (an `event: reset` says when the gap was too long to fill).
 */
export function eventStream(bus: EventBus, request: Request, options: EventStreamOptions): Response {
  const url = new URL(request.url);
  const types = requestedTypes(url);
  const lastIdText = request.headers.get("last-event-id") ?? url.searchParams.get("last_event_id");
  const lastId = lastIdText === null ? undefined : Number(lastIdText);
  if (lastId !== undefined && (!Number.isInteger(lastId) || lastId < 0)) {
    throw new HttpError(400, "invalid_parameter", `Last-Event-ID: expected a non-negative whole number; got ${JSON.stringify(lastIdText)}`);
  }
  const keepaliveMs = options.keepaliveMs ?? 15_000;
  const maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  const encoder = new TextEncoder();
  let cleanup = () => {};

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let closed = false;
        const send = (text: string) => {
          if (closed) return;
          if ((controller.desiredSize ?? 0) < -maxQueued) {
            // Too slow to keep up: drop it rather than buffer without bound.
            cleanup();
            controller.close();
            return;
          }
          controller.enqueue(encoder.encode(text));
        };
        send(`retry: 2000\n: aiops-agent event stream\n\n`);
        if (lastId !== undefined) {
          const { events, complete } = bus.since(lastId);
          if (!complete) send(`event: reset\ndata: {"reason":"events after ${lastId} are no longer buffered"}\n\n`);
          for (const event of events) if (types.has(event.type)) send(frame(event));
        }
        const unsubscribe = bus.subscribe((event) => {
          if (types.has(event.type)) send(frame(event));
        });
        const cancelKeepalive = options.clock.setRepeating(keepaliveMs, () => send(": keepalive\n\n"));
        cleanup = () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          cancelKeepalive();
        };
        request.signal.addEventListener("abort", () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
  );
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
