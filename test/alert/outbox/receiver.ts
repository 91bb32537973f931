import { createHmac, timingSafeEqual } from "node:crypto";
import type { Socket, TCPSocketListener } from "bun";
import { freePort } from "../sink.ts";

/** What the receiver does with one request. */
export type Action =
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  /** Close the connection without a word. */
  | { close: true };

/** One request the receiver read. */
export interface Arrival {
  key: string;
  /** Its X-Aiops-Signature matches HMAC-SHA256(secret, "<timestamp>.<body>"). */
  signed: boolean;
  /** The n-th request with this key (1-based). */
  attempt: number;
  at: number;
  body: Record<string, unknown>;
  /** What it was answered: a status, or "closed" (by the receiver, or by the sender before a late answer). */
  answer: number | "closed";
}

/** How the receiver answers a request, by its key's attempt number. */
export type Plan = (arrival: Omit<Arrival, "answer">) => Action;

/**
 * A webhook receiver on 127.0.0.1 that speaks HTTP/1.1 over a raw TCP listener, so that it can also
 * drop a connection mid-request. It checks each body's HMAC signature, counts deliveries by idempotency
 * key, and plays the faults its plan says (an error status, 429 with Retry-After, an answer slower than
 * the sender's time-out, a closed connection); `down()` and `up()` take it off the port and back.
 */
export interface Receiver {
  url: string;
  port: number;
  arrivals: Arrival[];
  /** Keys answered with a 2xx, and how many times each. */
  accepted(): Map<string, number>;
  /** Most requests it held unanswered at once (the sender's concurrency, as seen from here). */
  maxWaiting(): number;
  plan(plan: Plan): void;
  down(): void;
  up(): void;
  stop(): void;
}

interface Conn {
  buffer: Buffer;
  closed: boolean;
  /** Requests read on this connection and not answered yet. */
  waiting: Set<Arrival>;
}

export function startReceiver(secret: string, options: { down?: boolean } = {}): Receiver {
  const port = freePort();
  const arrivals: Arrival[] = [];
  const attempts = new Map<string, number>();
  let plan: Plan = () => ({ status: 200 });
  let waitingNow = 0;
  let mostWaiting = 0;
  let listener: TCPSocketListener<Conn> | undefined;

  const verify = (headers: Map<string, string>, body: string): boolean => {
    const ts = headers.get("x-aiops-timestamp");
    const sig = headers.get("x-aiops-signature");
    if (!ts || !sig?.startsWith("sha256=")) return false;
    const want = Buffer.from(createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex"));
    const got = Buffer.from(sig.slice(7));
    return want.length === got.length && timingSafeEqual(want, got);
  };

  const handle = (socket: Socket<Conn>, head: string, body: string) => {
    const headers = new Map<string, string>();
    for (const line of head.split("\r\n").slice(1)) {
      const i = line.indexOf(":");
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const key = headers.get("idempotency-key") ?? "";
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const arrival = { key, signed: verify(headers, body), attempt, at: Date.now(), body: JSON.parse(body || "{}") as Record<string, unknown> };
    const action = plan(arrival);
    if ("close" in action) {
      arrivals.push({ ...arrival, answer: "closed" });
      socket.end();
      return;
    }
    const entry: Arrival = { ...arrival, answer: action.status };
    arrivals.push(entry);
    socket.data.waiting.add(entry);
    waitingNow++;
    mostWaiting = Math.max(mostWaiting, waitingNow);
    const answer = () => {
      // The sender gave up waiting (its time-out, or it died): nobody hears this answer.
      if (socket.data.closed) return;
      socket.data.waiting.delete(entry);
      waitingNow--;
      const text = action.status < 300 ? "ok" : `status ${action.status}`;
      const extra = Object.entries(action.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      socket.write(`HTTP/1.1 ${action.status} X\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`);
    };
    if (action.delayMs) setTimeout(answer, action.delayMs);
    else answer();
  };

  const up = () => {
    listener = Bun.listen<Conn>({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.data = { buffer: Buffer.alloc(0), closed: false, waiting: new Set() };
        },
        close(socket) {
          socket.data.closed = true;
          for (const entry of socket.data.waiting) entry.answer = "closed";
          waitingNow -= socket.data.waiting.size;
          socket.data.waiting.clear();
        },
        data(socket, chunk) {
          socket.data.buffer = Buffer.concat([socket.data.buffer, chunk]);
          for (;;) {
            const buf = socket.data.buffer;
            const end = buf.indexOf("\r\n\r\n");
            if (end < 0) return;
            const head = buf.subarray(0, end).toString("latin1");
            const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? "0");
            if (buf.length < end + 4 + length) return;
            const body = buf.subarray(end + 4, end + 4 + length).toString("utf8");
            socket.data.buffer = buf.subarray(end + 4 + length);
            handle(socket, head, body);
          }
        },
        error() {},
      },
    });
  };
  if (!options.down) up();

  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    arrivals,
    accepted() {
      const out = new Map<string, number>();
      for (const a of arrivals) if (typeof a.answer === "number" && a.answer < 300) out.set(a.key, (out.get(a.key) ?? 0) + 1);
      return out;
    },
    maxWaiting: () => mostWaiting,
    plan(p) {
      plan = p;
    },
    down() {
      listener?.stop(true);
      listener = undefined;
    },
    up() {
      if (!listener) up();
    },
    stop() {
      listener?.stop(true);
      listener = undefined;
    },
  };
}
