import { rootCertificates } from "node:tls";
// The real undici, by path: Bun maps the bare specifier "undici" to a fetch-based stand-in whose
// Agent ignores `connect.ca` and the time-outs, so a private CA would silently never be trusted.
import { Agent, request } from "undici/index.js";
import type { Clock } from "../clock.ts";
import { credentialsOf } from "../config/url-credentials.ts";
import type { HttpAnswer } from "./http-status.ts";
import { HttpTransportError } from "./http-transport-error.ts";

/** One HTTP request of a notifier or an exporter. */
export interface HttpRequest {
  url: string;
  method?: "POST" | "GET";
  headers: Readonly<Record<string, string>>;
  /** Text (JSON) for notifiers; bytes for pushes (protobuf). */
  body?: string | Uint8Array;
  /** The whole attempt (connect, headers, body) must end within this. */
  timeoutMs: number;
  /** The caller's cancellation (shutdown, the outbox giving up). */
  signal?: AbortSignal;
}

/** The HTTP client of the notifiers: undici with TLS always verified. Injected, so tests may replace it. */
export interface HttpClient {
  /** Resolves with any HTTP answer (a 500 too); rejects with an `HttpTransportError` when none came. */
  send(req: HttpRequest): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** How a channel's HTTP client connects. */
export interface HttpClientOptions {
  /** Extra PEM certificate authorities to trust beside the system's (a private CA). */
  ca?: string;
  /** A client certificate and its key (PEM), for receivers that authenticate clients by TLS. */
  cert?: string;
  key?: string;
  /** Times each request's time-out. */
  clock: Clock;
}

/** Makes an HttpClient for one channel; its own connection pool, so each channel may trust its own CA. */
export type HttpClientFactory = (options: HttpClientOptions) => HttpClient;


/** Answers beyond this are cut: a notifier reads a status and a reason, never a page. */
const MAX_BODY = 64 * 1024;

/** Creates the undici-based client. Certificates are always verified; `ca` only adds trust. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const agent = new Agent({
    connect: {
      rejectUnauthorized: true,
      // Node's `ca` replaces the system roots; keep them so public endpoints still verify.
      ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}),
      ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
    },
  });
  let closed = false;
  return {
    async send(req) {
      const controller = new AbortController();
      const cancelTimer = options.clock.setTimer(req.timeoutMs, () => controller.abort(new TimeoutMarker()));
      const onCancel = () => controller.abort(req.signal?.reason);
      req.signal?.addEventListener("abort", onCancel, { once: true });
      if (req.signal?.aborted) onCancel();
      try {
        const target = withBasicAuth(req);
        const res = await request(target.url, {
          method: req.method ?? "POST",
          headers: target.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          dispatcher: agent,
          signal: controller.signal,
          // Backstops for the timer above: undici's own time-outs fire even if the abort is late.
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        const body = await readLimited(res.body);
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
        return { status: res.statusCode, headers, body };
      } catch (cause) {
        throw transportError(cause, controller.signal, req);
      } finally {
        cancelTimer();
        req.signal?.removeEventListener("abort", onCancel);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await agent.close();
    },
  };
}

/**
 * Credentials written into the URL (`http://user:pass@am-0:9093`) go as basic authentication, as
 * Prometheus does with such URLs; the request line never carries them. An Authorization header the
 * channel sets itself wins.
 */
export function withBasicAuth(req: Pick<HttpRequest, "url" | "headers">): { url: string; headers: Record<string, string> } {
  const headers = { ...req.headers };
  const credentials = credentialsOf(req.url);
  if (!credentials) return { url: req.url, headers };
  const url = new URL(req.url);
  url.username = "";
  url.password = "";
  if (!Object.keys(headers).some((k) => k.toLowerCase() === "authorization")) {
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
  }
  return { url: url.toString(), headers };
}

class TimeoutMarker extends Error {
  constructor() {
    super("timed out");
  }
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array> & { destroy?: () => void }): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString("utf8");
}

/** TLS failures are configuration problems (wrong CA, wrong name): retrying cannot fix them. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/;

function transportError(cause: unknown, signal: AbortSignal, req: HttpRequest): HttpTransportError {
  const err = cause as NodeJS.ErrnoException;
  const code = String(err?.code ?? "");
  if (signal.aborted && signal.reason instanceof TimeoutMarker) {
    return new HttpTransportError(`timed out after ${formatMs(req.timeoutMs)}`, true, { cause });
  }
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") {
    return new HttpTransportError(`timed out after ${formatMs(req.timeoutMs)} (${code})`, true, { cause });
  }
  if (signal.aborted) return new HttpTransportError("cancelled", true, { cause });
  const host = hostOf(req.url);
  if (TLS_CODES.test(code)) {
    return new HttpTransportError(`TLS verification of ${host} failed: ${err.message} (${code}); set ca_file for a private CA`, false, { cause });
  }
  // Refused, reset, closed mid-answer, DNS hiccups: the peer may be back on the next attempt.
  const detail = code && !err.message.includes(code) ? `${err.message} (${code})` : (err?.message ?? String(cause));
  return new HttpTransportError(`no answer from ${host}: ${detail}`, true, { cause });
}

/** Host and port only: paths and queries of webhook URLs carry tokens. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}
