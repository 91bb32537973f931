import { readFileSync } from "node:fs";
import type { HttpClientFactory } from "../alert/http-client.ts";
import { createLazyHttpClient } from "../alert/lazy-http-client.ts";
import { createScrubber, secretTexts } from "../alert/scrub.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import { componentLogger, type Logger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import type { Store } from "../store/store.ts";
import { createExportMetrics, type ExportMetrics } from "./export-metrics.ts";
import type { MetricFamily } from "./metric-families.ts";
import { createNameFilter } from "./name-filter.ts";
import { osTypeOf } from "./otlp-encoder.ts";
import { createOtlpProtocol, otlpMetricsUrl } from "./otlp.ts";
import type { ExportTarget, PushProtocol } from "./push-protocol.ts";
import { createPushQueue } from "./push-queue.ts";
import { createPusher, type Pusher } from "./pusher.ts";
import { createRemoteWriteProtocol } from "./remote-write.ts";

/** What exporting needs from the agent. */
export interface ExportingDeps {
  /** An open store: the queues live in it. */
  store: Store;
  metrics: SelfMetrics;
  /** The root logger; exporting logs as `aiops_agent.export`. */
  log: Logger;
  /** The families `/metrics` shows right now. */
  source: () => readonly MetricFamily[];
  version: string;
  /** This host's name: the `host` label and `host.name`. */
  hostName: string;
  /** When the agent started (ms since the epoch): the start of OTLP's cumulative sums. */
  startedAt: number;
  /** Times the pushes, their retries and their requests; dates what is pushed. */
  clock: Clock;
  http?: HttpClientFactory;
  readFile?: (path: string) => string;
  random?: () => number;
}

/** The push targets of the configuration, running. */
export interface Exporting {
  /** The pushers running now, by target (for tests and benchmarks). */
  readonly pushers: ReadonlyMap<ExportTarget, Pusher>;
  start(): void;
  /** Rebuilds the pushers when `export` (or the identity they label with) changed; queued data is kept. */
  reload(config: Config): void;
  /** Stops every pusher; what is queued stays for the next run. Safe twice. */
  shutdown(): Promise<void>;
}

const MB = 1024 * 1024;

/**
 * Wires remote_write and OTLP export from the configuration: for each target with a URL, a durable
 * queue in the store and a pusher. Throws, naming the key, when a TLS file cannot be read (start-up
 * must stop on it rather than every push failing later).
 */
export function createExporting(config: Config, deps: ExportingDeps): Exporting {
  const log = componentLogger(deps.log, "export");
  const clock = deps.clock;
  const metrics = createExportMetrics(deps.metrics, () => clock.wallMs());
  let pushers = build(config, deps, metrics, log, clock);
  let current = config;
  let started = false;

  return {
    get pushers() {
      return pushers;
    },
    start() {
      started = true;
      for (const [target, p] of pushers) {
        p.start();
        log.info({ target }, `Export to ${target} started`);
      }
    },
    reload(next) {
      const identity = (c: Config) => JSON.stringify([c.export, c.agent.name, c.agent.environment]);
      if (identity(next) === identity(current)) return;
      let rebuilt: Map<ExportTarget, Pusher>;
      try {
        rebuilt = build(next, deps, metrics, log, clock);
      } catch (cause) {
        log.error({ err: cause }, "Export not reloaded: the running targets are kept");
        return;
      }
      const old = pushers;
      pushers = rebuilt;
      current = next;
      for (const target of old.keys()) if (!rebuilt.has(target)) metrics.unwatch(target);
      void Promise.all([...old.values()].map((p) => p.shutdown())).then(() => {
        if (started) for (const p of rebuilt.values()) p.start();
      });
    },
    async shutdown() {
      await Promise.all([...pushers.values()].map((p) => p.shutdown()));
    },
  };
}

function build(config: Config, deps: ExportingDeps, metrics: ExportMetrics, log: Logger, clock: Clock): Map<ExportTarget, Pusher> {
  const out = new Map<ExportTarget, Pusher>();
  const userAgent = `aiops-agent/${deps.version}`;
  for (const target of ["remote_write", "otlp"] as const) {
    const t = config.export[target];
    if (t.url === undefined) continue;
    const key = `export.${target}`;
    const keep = createNameFilter(t.allow, t.deny, key);
    let protocol: PushProtocol;
    let url = t.url;
    if (target === "remote_write") {
      protocol = createRemoteWriteProtocol(
        { agent: config.agent.name, environment: config.agent.environment, host: deps.hostName, ...config.export.external_labels },
        keep,
        userAgent,
      );
    } else {
      url = otlpMetricsUrl(t.url);
      protocol = createOtlpProtocol(
        {
          serviceName: "aiops-agent",
          serviceVersion: deps.version,
          instanceId: config.agent.name,
          hostName: deps.hostName,
          osType: osTypeOf(process.platform),
          environment: config.agent.environment,
          extra: config.export.external_labels,
        },
        deps.startedAt,
        keep,
        userAgent,
      );
    }
    const { url: plainUrl, headers } = credentialsAsHeader(url, t.headers);
    const queue = createPushQueue(deps.store, target, t.queue_max_mb * MB);
    metrics.watch(target, () => queue.stats());
    out.set(
      target,
      createPusher(
        {
          url: plainUrl,
          headers,
          intervalMs: t.interval * 1000,
          timeoutMs: t.timeout * 1000,
          batchSamples: t.batch_samples,
          backoff: { baseMs: t.backoff_base * 1000, maxMs: t.backoff_max * 1000 },
        },
        {
          protocol,
          queue,
          http: (deps.http ?? createLazyHttpClient)({ ...tlsOf(t, key, deps.readFile), clock }),
          clock,
          source: deps.source,
          metrics,
          log,
          scrub: createScrubber(secretTexts([...Object.values(t.headers), ...Object.values(headers)], [t.url])),
          ...(deps.random ? { random: deps.random } : {}),
        },
      ),
    );
  }
  return out;
}

/** The files of a target's TLS settings, read now. */
function tlsOf(t: Config["export"]["remote_write"], key: string, readFile = (p: string) => readFileSync(p, "utf8")) {
  const read = (field: "ca_file" | "cert_file" | "key_file") => {
    const path = t[field];
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (cause) {
      throw new Error(`${key}.${field}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
    }
  };
  const ca = read("ca_file");
  const cert = read("cert_file");
  const pem = read("key_file");
  return { ...(ca ? { ca } : {}), ...(cert && pem ? { cert, key: pem } : {}) };
}

/**
 * `https://user:pass@host/...` as receivers expect it: the credentials in an `Authorization: Basic`
 * header (an HTTP client never sends a URL's user part by itself), unless the headers already set one.
 */
export function credentialsAsHeader(raw: string, headers: Readonly<Record<string, string>>): { url: string; headers: Record<string, string> } {
  const u = new URL(raw);
  const out = { ...headers };
  if (u.username === "" && u.password === "") return { url: raw, headers: out };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  if (!Object.keys(out).some((h) => h.toLowerCase() === "authorization")) {
    out.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
  }
  return { url: u.toString(), headers: out };
}
