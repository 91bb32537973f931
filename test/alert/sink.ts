import { readFileSync } from "node:fs";
import { join } from "node:path";

/** One request a sink received. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How the sink answers the n-th request (1-based). */
export type Responder = (req: Received, n: number) => Response | Promise<Response>;

/** A loopback HTTP(S) receiver for notifier tests: records every request and answers as told. */
export interface Sink {
  /** `http://127.0.0.1:PORT` (or https). */
  url: string;
  received: Received[];
  respond(responder: Responder): void;
  stop(): Promise<void>;
}

export const TLS_DIR = join(import.meta.dir, "..", "fixtures", "tls");
export const TEST_CA = readFileSync(join(TLS_DIR, "ca.pem"), "utf8");

/** Starts a `Bun.serve({ port: 0 })` receiver on 127.0.0.1; with `tls`, its certificate is signed by the test CA. */
export function startSink(options: { tls?: boolean } = {}): Sink {
  const received: Received[] = [];
  let responder: Responder = () => new Response("ok");
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    ...(options.tls ? { tls: { cert: Bun.file(join(TLS_DIR, "server.pem")), key: Bun.file(join(TLS_DIR, "server.key")) } } : {}),
    async fetch(req) {
      const url = new URL(req.url);
      const entry: Received = {
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
      };
      received.push(entry);
      return responder(entry, received.length);
    },
  });
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${server.port}`,
    received,
    respond(r) {
      responder = r;
    },
    async stop() {
      await server.stop(true);
    },
  };
}

/**
 * A responder that holds its answers: `arrived` resolves when the first request is in the sink's hands,
 * and every answer waits for `release()`. For a peer slower than the caller's patience, without sleeping.
 */
export function heldResponder(answer: () => Response = () => new Response("late")): { responder: Responder; arrived: Promise<void>; release(): void } {
  let arrive = () => {};
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    responder: async () => {
      arrive();
      await released;
      return answer();
    },
    arrived,
    release,
  };
}

/** A TCP listener that reads a request and closes the connection without answering. */
export function startClosingPeer(): { url: string; connections: () => number; stop: () => void } {
  let connections = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        connections++;
      },
      data(socket) {
        socket.end();
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, connections: () => connections, stop: () => listener.stop(true) };
}

export { freePort } from "../support/ports.ts";
