import type { Socket, TCPSocketListener } from "bun";
import type { Clock } from "../clock.ts";
import type { TlsFiles } from "../config/tls-files.ts";
import { errorResponse, HttpError } from "./http.ts";

/** Where a request came from. */
export interface ConnectionOrigin {
  address: string;
}

export interface Http1ListenerOptions {
  hostname: string;
  port: number;
  tls?: TlsFiles;
  /** Answers one request; never throws (the server turns every error into a JSON answer). */
  handle(request: Request, origin: ConnectionOrigin): Promise<Response>;
  /**
   * Seconds a client has to send a whole request, from the opening of its connection or the last
   * answer, and to take an answer: a silent or dribbling client is then cut off.
   */
  idleTimeoutSeconds: number;
  /** Runs the idle time-outs and dates the answers. */
  clock: Clock;
  /** Largest request body read, bytes. */
  maxBodyBytes: number;
}

export interface Http1Listener {
  readonly hostname: string;
  readonly port: number;
  /** Serves new connections with another certificate; open connections keep theirs. */
  reloadTls(tls: TlsFiles): void;
  /** Stops listening and closes every connection. Safe twice. */
  stop(): void;
}

/** Largest request head (request line and headers), bytes. */
const MAX_HEAD = 16 * 1024;
/** Longest request target, bytes. */
const MAX_TARGET = 8 * 1024;
const MAX_HEADERS = 100;
/** Connections served at once; beyond, new ones are closed at once. */
const MAX_CONNECTIONS = 512;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(:\d{0,5})?$/;
/** Methods a fetch `Request` cannot carry; none of them is served here. */
const UNSERVED = new Set(["CONNECT", "TRACE", "TRACK"]);

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  411: "Length Required",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

interface Connection {
  buffer: Buffer;
  busy: boolean;
  /** The request being read was told `100 Continue`. */
  continued: boolean;
  closed: boolean;
  /** Bytes waiting for the socket to drain. */
  pending: Buffer[];
  drained: Array<() => void>;
  abort: AbortController | undefined;
  /** Cancels the idle time-out; undefined while a request is served or an event stream is open. */
  cancelIdle: (() => void) | undefined;
}

/**
 * The agent's HTTP/1.1 server, on a plain TCP (or TLS) listener: the request line, headers and body
 * are read here, so every request, however malformed, gets an answer this agent wrote: a JSON error
 * with the right 4xx (bad syntax, no Host, a bad length, a head or body too large, an unknown method,
 * HTTP/2 or 0.9), never a bare status line or a silently closed connection. Bounded: 16 KiB of head,
 * the body limit, 100 headers, 512 connections, an idle time-out. Keep-alive and pipelining are served
 * in order; a `text/event-stream` answer is streamed with chunked encoding and back-pressure.
 */
export function listenHttp1(options: Http1ListenerOptions): Http1Listener {
  let connections = 0;
  const open = new Set<Socket<Connection>>();

  const handlers = {
    open(socket: Socket<Connection>) {
      if (connections >= MAX_CONNECTIONS) {
        socket.end();
        return;
      }
      connections++;
      open.add(socket);
      socket.data = { buffer: Buffer.alloc(0), busy: false, continued: false, closed: false, pending: [], drained: [], abort: undefined, cancelIdle: undefined };
      waitFor(socket);
    },
    data(socket: Socket<Connection>, chunk: Buffer) {
      const c = socket.data;
      if (!c || c.closed) return;
      c.buffer = c.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([c.buffer, chunk]);
      // A client that floods a connection while its request is served is cut off.
      if (c.buffer.length > MAX_HEAD + options.maxBodyBytes + 64 * 1024) {
        close(socket);
        return;
      }
      if (!c.busy) void serve(socket);
    },
    drain(socket: Socket<Connection>) {
      flush(socket);
    },
    close(socket: Socket<Connection>) {
      forget(socket);
    },
    error(socket: Socket<Connection>) {
      forget(socket);
    },
    end(socket: Socket<Connection>) {
      forget(socket);
    },
  };

  function forget(socket: Socket<Connection>): void {
    const c = socket.data;
    if (!c || c.closed) return;
    c.closed = true;
    active(socket);
    c.abort?.abort();
    for (const resolve of c.drained.splice(0)) resolve();
    if (open.delete(socket)) connections--;
  }

  /** Starts the idle time-out: the client is to send its next request, or take its answer, within it. */
  function waitFor(socket: Socket<Connection>): void {
    const c = socket.data;
    c.cancelIdle?.();
    c.cancelIdle = options.clock.setTimer(options.idleTimeoutSeconds * 1000, () => {
      c.cancelIdle = undefined;
      close(socket);
    });
  }

  /** Stops the idle time-out: the agent is answering, or streams events as long as the client listens. */
  function active(socket: Socket<Connection>): void {
    const c = socket.data;
    c.cancelIdle?.();
    c.cancelIdle = undefined;
  }

  function close(socket: Socket<Connection>): void {
    forget(socket);
    socket.end();
  }

  /** Writes bytes, keeping what the socket did not take for its next drain. */
  function write(socket: Socket<Connection>, bytes: Buffer): void {
    const c = socket.data;
    if (c.closed) return;
    if (c.pending.length > 0) {
      c.pending.push(bytes);
      return;
    }
    const n = socket.write(bytes);
    if (n < bytes.length) c.pending.push(bytes.subarray(Math.max(0, n)));
  }

  function flush(socket: Socket<Connection>): void {
    const c = socket.data;
    if (!c) return;
    while (c.pending.length > 0) {
      const next = c.pending[0]!;
      const n = socket.write(next);
      if (n < next.length) {
        c.pending[0] = next.subarray(Math.max(0, n));
        return;
      }
      c.pending.shift();
    }
    for (const resolve of c.drained.splice(0)) resolve();
  }

  /** Resolves once everything written so far has left (or the connection is gone). */
  function drained(socket: Socket<Connection>): Promise<void> {
    const c = socket.data;
    if (c.closed || c.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => c.drained.push(resolve));
  }

  /** Serves the requests in the buffer, one at a time, until it holds no complete request. */
  async function serve(socket: Socket<Connection>): Promise<void> {
    const c = socket.data;
    c.busy = true;
    try {
      while (!c.closed) {
        // Empty lines before a request line are ignored (RFC 9112 2.2).
        let skip = 0;
        while (skip < c.buffer.length && (c.buffer[skip] === 0x0d || c.buffer[skip] === 0x0a)) skip++;
        if (skip > 0) c.buffer = c.buffer.subarray(skip);
        const parsed = parseRequest(c.buffer, options.maxBodyBytes);
        if (parsed.kind === "incomplete") {
          // The client waits for a go-ahead before it sends its body.
          if (parsed.expectsContinue && !c.continued) write(socket, Buffer.from("HTTP/1.1 100 Continue\r\n\r\n"));
          c.continued ||= parsed.expectsContinue;
          break;
        }
        if (parsed.kind === "error") {
          await answer(socket, errorResponse(parsed.error), { keepAlive: false, head: false });
          close(socket);
          break;
        }
        c.buffer = c.buffer.subarray(parsed.consumed);
        c.continued = false;
        active(socket);
        const abort = new AbortController();
        c.abort = abort;
        const request = toRequest(parsed, abort.signal);
        let response: Response;
        if (request instanceof HttpError) response = errorResponse(request);
        else {
          response = await options.handle(request, { address: socket.remoteAddress ?? "" });
        }
        await answer(socket, response, { keepAlive: parsed.keepAlive && !(request instanceof HttpError), head: parsed.method === "HEAD" });
        c.abort = undefined;
        if (!parsed.keepAlive || request instanceof HttpError) {
          close(socket);
          break;
        }
        waitFor(socket);
      }
    } catch {
      close(socket);
    } finally {
      c.busy = false;
    }
    // Data that arrived while the last request was served.
    if (!c.closed && c.buffer.length > 0 && parseRequest(c.buffer, options.maxBodyBytes).kind !== "incomplete") void serve(socket);
  }

  async function answer(socket: Socket<Connection>, response: Response, how: { keepAlive: boolean; head: boolean }): Promise<void> {
    const headers: string[] = [`HTTP/1.1 ${response.status} ${REASONS[response.status] ?? "Status"}`, `date: ${options.clock.wall().toUTCString()}`];
    for (const [name, value] of response.headers) {
      if (name === "content-length" || name === "transfer-encoding" || name === "connection") continue;
      headers.push(`${name}: ${value.replace(/[\r\n]/g, " ")}`);
    }
    if (!how.keepAlive) headers.push("connection: close");
    const streaming = (response.headers.get("content-type") ?? "").startsWith("text/event-stream") && response.body !== null && !how.head;
    if (!streaming) {
      const body = how.head || response.body === null ? Buffer.alloc(0) : Buffer.from(await response.arrayBuffer());
      const length = how.head ? (response.headers.get("content-length") ?? "0") : String(body.length);
      if (!(how.head && response.body === null && length === "0")) headers.push(`content-length: ${length}`);
      write(socket, Buffer.concat([Buffer.from(`${headers.join("\r\n")}\r\n\r\n`, "latin1"), body]));
      // A client that does not take its answer is cut off like a silent one.
      if (socket.data.pending.length > 0) waitFor(socket);
      await drained(socket);
      return;
    }
    headers.push("transfer-encoding: chunked");
    write(socket, Buffer.from(`${headers.join("\r\n")}\r\n\r\n`, "latin1"));
    const reader = response.body!.getReader();
    const c = socket.data;
    try {
      while (!c.closed) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length === 0) continue;
        write(socket, Buffer.concat([Buffer.from(`${value.length.toString(16)}\r\n`), Buffer.from(value), Buffer.from("\r\n")]));
        await drained(socket);
      }
      if (!c.closed) write(socket, Buffer.from("0\r\n\r\n"));
    } finally {
      void reader.cancel().catch(() => {});
    }
  }

  function start(tls: TlsFiles | undefined, port: number, reusePort: boolean): TCPSocketListener<Connection> {
    return Bun.listen<Connection>({
      hostname: options.hostname,
      port,
      socket: handlers,
      ...(reusePort ? { reusePort: true } : {}),
      ...(tls ? { tls: { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) } } : {}),
    } as import("bun").TCPSocketListenOptions<Connection>);
  }

  // With TLS, a new certificate is served by a second listener on the same port before the first
  // stops: SO_REUSEPORT lets both hold it for that moment, so no connection is refused.
  let listener = start(options.tls, options.port, options.tls !== undefined);
  const port = listener.port;
  let stopped = false;
  return {
    hostname: listener.hostname,
    port,
    reloadTls(tls) {
      if (stopped) return;
      const next = start(tls, port, true);
      listener.stop(false);
      listener = next;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      listener.stop(true);
      for (const socket of [...open]) close(socket);
    },
  };
}

type Parsed =
  /** More bytes are needed; `expectsContinue` when the head is in and asks `Expect: 100-continue`. */
  | { kind: "incomplete"; expectsContinue: boolean }
  | { kind: "error"; error: HttpError }
  | {
      kind: "request";
      method: string;
      target: string;
      host: string | undefined;
      headers: Array<[string, string]>;
      body: Buffer | undefined;
      keepAlive: boolean;
      consumed: number;
    };

function bad(status: number, code: string, message: string): Parsed {
  return { kind: "error", error: new HttpError(status, code, message) };
}

/** Reads one request from the front of `buffer`, or says it is incomplete or why it is refused. */
export function parseRequest(buffer: Buffer, maxBody: number): Parsed {
  let headEnd = buffer.indexOf("\r\n\r\n");
  let separator = 4;
  const lf = buffer.indexOf("\n\n");
  if (lf >= 0 && (headEnd < 0 || lf < headEnd)) {
    headEnd = lf;
    separator = 2;
  }
  if (headEnd < 0) {
    if (buffer.length > MAX_HEAD) return bad(431, "header_too_large", `the request line and headers may be at most ${MAX_HEAD} bytes`);
    // A TLS handshake or HTTP/2 preface on the plain port: say so at once rather than wait.
    if (buffer.length > 0 && buffer[0] === 0x16) return bad(400, "bad_request", "this port speaks plain HTTP/1.1, not TLS (use http://)");
    return { kind: "incomplete", expectsContinue: false };
  }
  if (headEnd > MAX_HEAD) return bad(431, "header_too_large", `the request line and headers may be at most ${MAX_HEAD} bytes`);
  const lines = buffer.toString("latin1", 0, headEnd).split(/\r?\n/);
  const requestLine = lines[0]!;
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return bad(400, "bad_request", "expected a request line: METHOD /path HTTP/1.1");
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return bad(400, "bad_request", `the method ${JSON.stringify(method.slice(0, 20))} is not a valid HTTP token`);
  // A client's wrong version is its mistake: a 400 that says which are spoken (not a 505, which blames the server).
  if (version === "HTTP/2.0") return bad(400, "unsupported_http_version", "HTTP/2 is not served here; use HTTP/1.1");
  if (!/^HTTP\/1\.[01]$/.test(version)) return bad(400, "unsupported_http_version", `expected HTTP/1.1 or HTTP/1.0; got ${JSON.stringify(version.slice(0, 20))}`);
  if (target.length > MAX_TARGET) return bad(414, "uri_too_long", `the URL may be at most ${MAX_TARGET} bytes`);
  if (!/^[\x21-\x7e]+$/.test(target)) return bad(400, "bad_request", "the request target holds characters a URL may not (spaces, controls or non-ASCII bytes; percent-encode them)");
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    if (/^[ \t]/.test(line)) return bad(400, "bad_request", "folded header lines are not accepted (RFC 9112)");
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) return bad(400, "bad_request", `expected a header line such as Name: value; got ${JSON.stringify(line.slice(0, 40))}`);
    const value = line.slice(colon + 1).trim();
    if (/[\0-\x08\x0a-\x1f\x7f]/.test(value)) return bad(400, "bad_request", `the header ${name} holds control characters`);
    headers.push([name.toLowerCase(), value]);
    if (headers.length > MAX_HEADERS) return bad(431, "header_too_large", `at most ${MAX_HEADERS} headers are accepted`);
  }
  const all = (name: string) => headers.filter(([n]) => n === name).map(([, v]) => v);
  const hosts = all("host");
  if (hosts.length > 1) return bad(400, "bad_request", "more than one Host header");
  if (version === "HTTP/1.1" && hosts.length === 0) return bad(400, "bad_request", "an HTTP/1.1 request needs a Host header");
  const host = hosts[0];
  if (host !== undefined && !HOST.test(host)) return bad(400, "bad_request", `the Host header ${JSON.stringify(host.slice(0, 60))} is not a host[:port]`);
  const connection = all("connection").join(",").toLowerCase();
  const keepAlive = version === "HTTP/1.1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);

  const bodyStart = headEnd + separator;
  const encodings = all("transfer-encoding");
  const lengths = all("content-length");
  let body: Buffer | undefined;
  let consumed: number;
  if (encodings.length > 0) {
    if (lengths.length > 0) return bad(400, "bad_request", "both Transfer-Encoding and Content-Length: send one");
    if (encodings.join(",").toLowerCase().replace(/\s/g, "") !== "chunked") {
      return bad(400, "bad_request", `the only transfer encoding accepted is chunked; got ${JSON.stringify(encodings.join(", ").slice(0, 40))}`);
    }
    const chunked = readChunked(buffer, bodyStart, maxBody);
    if (chunked.kind !== "done") return chunked.kind === "incomplete" ? expectContinue(buffer, headers) : chunked.error;
    body = chunked.body;
    consumed = chunked.end;
  } else if (lengths.length > 0) {
    const distinct = new Set(lengths.flatMap((l) => l.split(",").map((x) => x.trim())));
    const text = [...distinct][0]!;
    if (distinct.size > 1 || !/^\d{1,15}$/.test(text)) return bad(400, "bad_request", `Content-Length must be one whole number; got ${JSON.stringify(lengths.join(", ").slice(0, 40))}`);
    const length = Number(text);
    if (length > maxBody) return bad(413, "payload_too_large", `the body may be at most ${maxBody} bytes, this one is ${length}`);
    if (buffer.length < bodyStart + length) return expectContinue(buffer, headers);
    body = length > 0 ? Buffer.from(buffer.subarray(bodyStart, bodyStart + length)) : undefined;
    consumed = bodyStart + length;
  } else {
    consumed = bodyStart;
  }
  return { kind: "request", method, target, host, headers, body, keepAlive, consumed };
}

/** The body is still coming; a client that asked `Expect: 100-continue` is to be told to send it. */
function expectContinue(_buffer: Buffer, headers: Array<[string, string]>): Parsed {
  const expect = headers.find(([n]) => n === "expect")?.[1].toLowerCase();
  return { kind: "incomplete", expectsContinue: expect === "100-continue" };
}

type Chunked = { kind: "done"; body: Buffer; end: number } | { kind: "incomplete" } | { kind: "error"; error: Parsed };

/** Reads a chunked body starting at `at`: its bytes and where the request ends. */
function readChunked(buffer: Buffer, at: number, maxBody: number): Chunked {
  const parts: Buffer[] = [];
  let size = 0;
  let pos = at;
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", pos);
    if (lineEnd < 0) return buffer.length - pos > 1024 ? { kind: "error", error: bad(400, "bad_request", "a chunk size line is too long") } : { kind: "incomplete" };
    const sizeText = buffer.toString("latin1", pos, lineEnd).split(";")[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return { kind: "error", error: bad(400, "bad_request", `expected a chunk size in hex; got ${JSON.stringify(sizeText.slice(0, 20))}`) };
    const chunk = Number.parseInt(sizeText, 16);
    if (size + chunk > maxBody) return { kind: "error", error: bad(413, "payload_too_large", `the body may be at most ${maxBody} bytes`) };
    pos = lineEnd + 2;
    if (chunk === 0) {
      // Trailers, if any, up to an empty line.
      const end = buffer.indexOf("\r\n\r\n", pos - 2);
      if (end < 0) return { kind: "incomplete" };
      return { kind: "done", body: Buffer.concat(parts), end: end + 4 };
    }
    if (buffer.length < pos + chunk + 2) return { kind: "incomplete" };
    if (buffer[pos + chunk] !== 0x0d || buffer[pos + chunk + 1] !== 0x0a) return { kind: "error", error: bad(400, "bad_request", "a chunk is longer than its size says") };
    parts.push(buffer.subarray(pos, pos + chunk));
    size += chunk;
    pos += chunk + 2;
  }
}

/** The fetch Request of a parsed request, or the 4xx that says why there cannot be one. */
function toRequest(parsed: Extract<Parsed, { kind: "request" }>, signal: AbortSignal): Request | HttpError {
  if (UNSERVED.has(parsed.method.toUpperCase())) {
    return new HttpError(405, "method_not_allowed", `${parsed.method} is not served here; use GET, HEAD, POST or DELETE`, { allow: "GET, HEAD, POST, DELETE" });
  }
  let path = parsed.target;
  if (/^https?:\/\//i.test(path)) {
    try {
      const absolute = new URL(path);
      path = `${absolute.pathname}${absolute.search}`;
    } catch {
      return new HttpError(400, "bad_request", "the request target is not a valid URL");
    }
  } else if (!path.startsWith("/")) {
    return new HttpError(400, "bad_request", `expected a request target such as /metrics; got ${JSON.stringify(path.slice(0, 40))}`);
  }
  const host = parsed.host && parsed.host !== "" ? parsed.host : "agent";
  const withBody = parsed.body !== undefined && parsed.method !== "GET" && parsed.method !== "HEAD";
  try {
    return new Request(`http://${host}${path}`, {
      method: parsed.method,
      headers: parsed.headers,
      signal,
      ...(withBody ? { body: parsed.body } : {}),
    });
  } catch {
    try {
      // A Host the URL parser refuses: the request is still answered, as for HTTP/1.0 without Host.
      return new Request(`http://agent${path}`, { method: parsed.method, headers: parsed.headers, signal, ...(withBody ? { body: parsed.body } : {}) });
    } catch {
      return new HttpError(400, "bad_request", "the request cannot be read (its URL or headers are malformed)");
    }
  }
}
