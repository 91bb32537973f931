import type { Clock } from "../src/clock.ts";
import type { Inventory } from "../src/collect/inventory.ts";
import type { Snapshot } from "../src/contracts/snapshot.ts";
import type { Finding } from "../src/contracts/finding.ts";
import type { AlertChange } from "../src/contracts/alert.ts";
import type { DeliveryAttempt } from "../src/contracts/delivery.ts";
import type { AgentIdentity } from "../src/contracts/agent-identity.ts";
import type { AgentEvent } from "../src/contracts/events.ts";
import type { AlertView } from "../src/contracts/alert.ts";
import type { RemediationRun } from "../src/contracts/remediation.ts";
import { type ProcessQuery, type ProcessReading, createProcessReader } from "./process-reader.ts";
import { readRecentAlerting } from "./recent-alerting.ts";
import { createSseParser } from "./sse-parser.ts";
import { SPARK_KEYS, SPARKLINE_METRICS, type SparkKey } from "./sparklines.ts";
import type { ThresholdLevels } from "./thresholds.ts";

/** Who the watched agent is: the header's identity line and the gauges' levels. */
export interface AgentInfo {
  name: string;
  environment: string;
  version?: string;
  inventory?: Inventory;
  /** Collection interval, seconds. */
  interval?: number;
  /** Levels by metric; empty when the agent does not send them. */
  thresholds: ThresholdLevels;
}

/** How the UI is connected to its agent. */
export type Connection =
  | { state: "in-process" }
  | { state: "connecting"; attempt: number }
  | { state: "live" }
  | { state: "disconnected"; reason: string; attempt: number; retryAt: number };

/** What a data source tells the UI: the same stream whether the agent is in this process or remote. */
export type SourceEvent =
  | { type: "info"; info: AgentInfo }
  | { type: "connection"; connection: Connection }
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "finding"; finding: Finding }
  /** Findings recorded before the UI started, newest first. */
  | { type: "findings"; findings: Finding[] }
  | { type: "alert"; alert: AlertChange; time?: string }
  | { type: "delivery"; delivery: DeliveryAttempt; time?: string }
  /** The alerts the engine tracked when the UI (re)connected: those already firing show at once. */
  | { type: "alerts"; alerts: AlertView[] }
  /** Delivery attempts made before the UI (re)connected, newest first. */
  | { type: "deliveries"; deliveries: DeliveryAttempt[] }
  /** Earlier values of a sparkline's series, oldest first, to draw before the UI has its own. */
  | { type: "history"; key: SparkKey; values: number[] }
  /** A remediation run was recorded or changed (or a decision through this UI was taken). */
  | { type: "remediation"; run: RemediationRun }
  /** The remediation runs recorded when the UI (re)connected, newest first. */
  | { type: "remediations"; runs: RemediationRun[] }
  /** The process list for the panel's query (`processes`), or why the agent gives none (`processes-unavailable`). */
  | ProcessReading;

export type SourceListener = (event: SourceEvent) => void;

/** What the operator decides about a remediation run awaiting approval. */
export type RemediationDecision = "approve" | "deny";

/**
 * Snapshots, findings, alert changes, deliveries, remediation runs and processes of one agent, for the UI. It
 * reads, and changes one thing only: the decision on a remediation run awaiting approval.
 */
export interface DataSource {
  /** Where the data comes from, for the header: `in-process` or the agent's URL. */
  readonly label: string;
  /** Starts delivering events to `listener`. */
  start(listener: SourceListener): void;
  /** Stops delivering; safe twice, and before start. */
  stop(): void;
  /**
   * Approves or denies a run through the API (`POST /api/v1/remediations/{id}/approve` or `/deny`, with
   * the same token) and resolves with the run as it now is, which listeners receive too. A refusal
   * rejects with what the agent said: `HTTP 409: run 12 is denied, not awaiting approval`.
   */
  decide(id: number, decision: RemediationDecision): Promise<RemediationRun>;
  /**
   * The process list is read only while its panel is in view: with a query, `GET /api/v1/processes` is
   * read at once and after every snapshot, and listeners receive each answer; undefined stops reading.
   */
  watchProcesses(query: ProcessQuery | undefined): void;
}

/** Earlier values of a label-less metric between two times (ms), oldest first. */
export type HistoryReader = (metric: string, from: number, to: number) => Promise<number[]> | number[];

/** How many remediation runs are read when the UI (re)connects. */
export const REMEDIATIONS_AT_ATTACH = 50;

/** The User-Agent of the UI's requests: the agent records a decision taken here as taken by `tui`. */
export const TUI_USER_AGENT = "aiops-agent-tui";

/** How many points of history a sparkline keeps. */
export const HISTORY_POINTS = 240;

function forwardAgentEvent(event: Exclude<AgentEvent, { type: "agent" }>, listener: SourceListener): void {
  switch (event.type) {
    case "snapshot":
      return listener({ type: "snapshot", snapshot: event.snapshot });
    case "finding":
      return listener({ type: "finding", finding: event.finding });
    case "alert":
      return listener({ type: "alert", alert: event.alert, time: event.time });
    case "delivery":
      return listener({ type: "delivery", delivery: event.delivery, time: event.time });
    case "remediation":
      return listener({ type: "remediation", run: event.remediation });
  }
}

/** Seeds every sparkline from history; a series that cannot be read is left to fill live. */
async function seedHistory(read: HistoryReader, intervalSeconds: number, now: number, listener: SourceListener, alive: () => boolean): Promise<void> {
  const from = now - HISTORY_POINTS * intervalSeconds * 1000;
  await Promise.all(
    SPARK_KEYS.map(async (key) => {
      try {
        const values = await read(SPARKLINE_METRICS[key], from, now);
        if (values.length > 0 && alive()) listener({ type: "history", key, values: values.slice(-HISTORY_POINTS) });
      } catch {
        // No history (no store, an older agent): the sparkline fills as snapshots come.
      }
    }),
  );
}

export interface ApiSourceOptions {
  /** The agent's base URL, e.g. `http://web-1:8080`. */
  url: string;
  /** What the header shows as the source (default: the URL). */
  label?: string;
  /** The agent runs in this process (`run --tui`): `fetch` reaches its server without a socket. */
  inProcess?: boolean;
  /** Bearer token for /api/v1, when the agent requires one. */
  token?: string;
  fetch?: typeof fetch;
  /** First wait before reconnecting, ms; doubles up to `maxRetryMs`. The stream's `retry:` overrides it. */
  retryMs?: number;
  maxRetryMs?: number;
  /** A stream silent this long is taken as dead (the agent sends a keepalive every 15 s). */
  idleTimeoutMs?: number;
  /** Times the retries and the silent-stream check; its wall time bounds the history asked for. */
  clock: Clock;
}

/** A failed request, with what to tell the operator. */
class RemoteError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What the UI shows of an agent's identity. */
function infoOf(agent: Partial<AgentIdentity>, inventory: unknown): AgentInfo {
  return {
    name: agent.name ?? "?",
    environment: agent.environment ?? "?",
    ...(agent.version ? { version: agent.version } : {}),
    ...(inventory ? { inventory: inventory as Inventory } : {}),
    ...(typeof agent.interval_seconds === "number" ? { interval: agent.interval_seconds } : {}),
    thresholds: agent.thresholds ?? {},
  };
}

/**
 * An agent through its API, the one way the UI reads an agent, attached over HTTP or in the same
 * process: `/api/v1/snapshot` (identity, interval, levels, inventory, latest snapshot), `/api/v1/series`
 * and `/api/v1/anomalies` (history, when the agent has a store), then `/api/v1/events` as server-sent
 * events. A dropped stream is reconnected with backoff and `Last-Event-ID`, so nothing buffered by the
 * agent is missed. `/api/v1/processes` is read only while the processes panel is in view, once per snapshot.
 */
export function createApiSource(options: ApiSourceOptions): DataSource {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const { clock } = options;
  const maxRetryMs = options.maxRetryMs ?? 15_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  let retryMs = options.retryMs ?? 1000;
  let running = false;
  let controller: AbortController | undefined;
  let wake: (() => void) | undefined;
  let lastEventId: number | undefined;
  /** History and recorded anomalies are read once, on the first connection. */
  let seeded = false;
  /** Connection attempts since the stream was last live. */
  let attempt = 0;
  /** The host's inventory as the snapshot gave it: a reload does not change it. */
  let inventory: unknown;

  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    accept: "application/json",
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...extra,
  });

  async function getJson(path: string, signal: AbortSignal): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { headers: headers(), signal });
    } catch (cause) {
      throw new RemoteError(describeNetworkError(cause));
    }
    if (!response.ok) throw new RemoteError(await describeHttpError(response), response.status);
    return (await response.json()) as Record<string, unknown>;
  }

  async function connectOnce(listener: SourceListener, signal: AbortSignal): Promise<void> {
    const body = await getJson("/api/v1/snapshot", signal);
    inventory = body.inventory;
    const info = infoOf((body.agent ?? {}) as Partial<AgentIdentity>, inventory);
    listener({ type: "info", info });
    if (body.snapshot) listener({ type: "snapshot", snapshot: body.snapshot as Snapshot });
    if (!seeded) {
      seeded = true;
      await seedHistory((metric, from, to) => readSeries(metric, from, to, signal), info.interval ?? 10, clock.wallMs(), listener, () => running);
      try {
        const page = await getJson("/api/v1/anomalies?limit=50", signal);
        if (Array.isArray(page.items) && page.items.length > 0) listener({ type: "findings", findings: page.items as Finding[] });
      } catch (cause) {
        if (signal.aborted) throw cause;
      }
    }
    // The alerts and deliveries as they are now, on every connection: what changed while away shows.
    try {
      const recent = await readRecentAlerting((path) => getJson(path, signal), 20);
      listener({ type: "alerts", alerts: recent.alerts });
      if (recent.deliveries.length > 0) listener({ type: "deliveries", deliveries: recent.deliveries });
    } catch (cause) {
      // An agent without alerting (404) has none to show; the stream still brings what comes.
      if (signal.aborted) throw cause;
    }
    // The remediation runs as they are now, on every connection: one awaiting approval shows at once.
    try {
      const page = await getJson(`/api/v1/remediations?limit=${REMEDIATIONS_AT_ATTACH}`, signal);
      if (Array.isArray(page.items)) listener({ type: "remediations", runs: page.items as RemediationRun[] });
    } catch (cause) {
      // An agent without remediation (404) has no runs; the stream brings those to come.
      if (signal.aborted) throw cause;
    }
    await streamEvents(listener, signal);
  }

  async function readSeries(metric: string, from: number, to: number, signal: AbortSignal): Promise<number[]> {
    const query = new URLSearchParams({ metric, from: (from / 1000).toFixed(3), to: (to / 1000).toFixed(3) });
    const body = await getJson(`/api/v1/series?${query}`, signal);
    const series = (body.series as Array<{ points?: Array<{ value?: unknown }> }> | undefined)?.[0];
    return (series?.points ?? []).map((p) => p.value).filter((v): v is number => typeof v === "number");
  }

  async function streamEvents(listener: SourceListener, signal: AbortSignal): Promise<void> {
    let response: Response;
    try {
      response = await doFetch(`${base}/api/v1/events`, {
        headers: headers({ accept: "text/event-stream", ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) }),
        signal,
      });
    } catch (cause) {
      throw new RemoteError(describeNetworkError(cause));
    }
    if (!response.ok || !response.body) throw new RemoteError(await describeHttpError(response), response.status);
    listener({ type: "connection", connection: options.inProcess ? { state: "in-process" } : { state: "live" } });
    retryMs = options.retryMs ?? 1000;
    attempt = 0;
    let resync = false;
    const parser = createSseParser((message) => {
      if (message.retry !== undefined) retryMs = message.retry;
      if (message.event === "reset") {
        // The agent no longer holds every event since ours: fetch the snapshot again after this stream.
        resync = true;
        return;
      }
      if (message.id !== undefined && /^\d+$/.test(message.id)) lastEventId = Number(message.id);
      let event: AgentEvent;
      try {
        event = JSON.parse(message.data) as AgentEvent;
      } catch {
        return;
      }
      if (!event || typeof event !== "object" || event.type !== message.event) return;
      if (event.type === "agent") listener({ type: "info", info: infoOf(event.agent, inventory) });
      else forwardAgentEvent(event, listener);
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let disarm = () => {};
    const arm = () => {
      disarm();
      disarm = clock.setTimer(idleTimeoutMs, () => void reader.cancel(new Error("no data")).catch(() => {}));
    };
    try {
      arm();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        parser.feed(value);
        if (resync) break;
      }
    } catch (cause) {
      if (signal.aborted) throw cause;
    } finally {
      disarm();
      reader.cancel().catch(() => {});
    }
    throw new RemoteError(resync ? "events were missed; fetching the snapshot again" : "the event stream ended");
  }

  async function loop(listener: SourceListener): Promise<void> {
    while (running) {
      attempt++;
      controller = new AbortController();
      listener({ type: "connection", connection: { state: "connecting", attempt } });
      let reason: string;
      try {
        await connectOnce(listener, controller.signal);
        reason = "the event stream ended";
      } catch (cause) {
        reason = cause instanceof RemoteError ? cause.message : (cause as Error).message;
      }
      if (!running) return;
      const wait = Math.min(retryMs, maxRetryMs);
      retryMs = Math.min(retryMs * 2, maxRetryMs);
      listener({ type: "connection", connection: { state: "disconnected", reason, attempt, retryAt: clock.wallMs() + wait } });
      await new Promise<void>((resolve) => {
        const cancel = clock.setTimer(wait, resolve);
        wake = () => {
          cancel();
          resolve();
        };
      });
      wake = undefined;
    }
  }

  let current: SourceListener | undefined;
  const processes = createProcessReader(
    (path, signal) => getJson(path, signal),
    (reading) => {
      if (running) current?.(reading);
    },
  );
  return {
    label: options.label ?? base,
    start(listener) {
      if (running) return;
      running = true;
      // Each snapshot is a collection done: the process list, when its panel is in view, is read again.
      current = (event) => {
        listener(event);
        if (event.type === "snapshot") processes.refresh();
      };
      void loop(current);
    },
    watchProcesses(query) {
      processes.watch(query);
    },
    async decide(id, decision) {
      let response: Response;
      try {
        response = await doFetch(`${base}/api/v1/remediations/${id}/${decision}`, { method: "POST", headers: headers({ "user-agent": TUI_USER_AGENT }) });
      } catch (cause) {
        throw new RemoteError(describeNetworkError(cause));
      }
      if (!response.ok) throw new RemoteError(await describeHttpError(response), response.status);
      const run = (await response.json()) as RemediationRun;
      // Shown at once; the event stream brings the same change, and later ones.
      if (running) current?.({ type: "remediation", run });
      return run;
    },
    stop() {
      running = false;
      controller?.abort();
      processes.stop();
      wake?.();
    },
  };
}

function describeNetworkError(cause: unknown): string {
  const error = cause as Error & { code?: string };
  if (error?.name === "AbortError") return "stopped";
  return `cannot connect (${error?.code ?? error?.message ?? String(cause)})`;
}

async function describeHttpError(response: Response): Promise<string> {
  let message = "";
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    message = body.error?.message ?? "";
  } catch {
    // not JSON
  }
  if (response.status === 401) return `HTTP 401: the agent wants a bearer token (--token or AIOPS_API_TOKEN)${message ? `: ${message}` : ""}`;
  return `HTTP ${response.status}${message ? `: ${message}` : ""}`;
}
