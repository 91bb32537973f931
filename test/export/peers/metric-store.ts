import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../../support/ports.ts";

/** One raw series as a receiver stored it. */
export interface StoredSeries {
  labels: Record<string, string>;
  samples: Array<{ timestamp: number; value: number }>;
}

/** A real remote_write receiver on a loopback port: Prometheus or VictoriaMetrics. */
export interface RunningMetricStore {
  name: string;
  /** Where remote_write goes. */
  writeUrl: string;
  /** Every raw sample of the series matching `selector` (e.g. `{agent="a1"}`). */
  series(selector: string): Promise<StoredSeries[]>;
  /** Stops the process, keeping its data (a receiver that went down). */
  down(): Promise<void>;
  /** Starts it again on the same port and data. */
  up(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

interface Flavour {
  name: string;
  args(port: number, dir: string): string[];
  readyPath: string;
  writePath: string;
  series(base: string, selector: string): Promise<StoredSeries[]>;
}

/**
 * Prometheus 2.42 (Debian's) as a remote_write receiver: `--web.enable-remote-write-receiver`, no
 * scrape jobs. Raw samples come back through an instant query of a range selector.
 */
export const PROMETHEUS: Flavour = {
  name: "Prometheus",
  args: (port, dir) => [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--web.enable-remote-write-receiver",
  ],
  readyPath: "/-/ready",
  writePath: "/api/v1/write",
  async series(base, selector) {
    const url = `${base}/api/v1/query?query=${encodeURIComponent(`${selector}[2h]`)}&time=${Date.now() / 1000}`;
    const body = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    if (body.status !== "success") throw new Error(`Prometheus query failed: ${body.error}`);
    return body.data.result.map((r) => ({ labels: r.metric, samples: r.values.map(([t, v]) => ({ timestamp: Math.round(t * 1000), value: Number(v) })) }));
  },
};

/** VictoriaMetrics (Debian's `victoria-metrics`) single node. Raw samples come back through `/api/v1/export`. */
export const VICTORIA_METRICS: Flavour = {
  name: "VictoriaMetrics",
  args: (port, dir) => [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, "vm")}`, "-retentionPeriod=1y", "-loggerLevel=ERROR"],
  readyPath: "/health",
  writePath: "/api/v1/write",
  async series(base, selector) {
    // Make freshly written samples searchable now rather than within a second.
    await fetch(`${base}/internal/force_flush`);
    const text = await (await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(selector)}`)).text();
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const row = JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
        return { labels: row.metric, samples: row.timestamps.map((t, i) => ({ timestamp: t, value: row.values[i]! })) };
      });
  },
};

/** Starts a metric store and waits until it is ready. */
export async function startMetricStore(binary: string, flavour: Flavour): Promise<RunningMetricStore> {
  const dir = mkdtempSync(join(tmpdir(), "aiops-receiver-"));
  await Bun.write(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const up = async () => {
    proc = Bun.spawn([binary, ...flavour.args(port, dir)], { stdout: "ignore", stderr: "pipe" });
    const started = proc;
    await waitFor(`${flavour.name} to be ready on ${base}`, async () => {
      if (started.exitCode !== null) throw new Error(`${flavour.name} exited: ${await new Response(started.stderr as ReadableStream).text()}`);
      return (await fetch(`${base}${flavour.readyPath}`)).ok ? true : undefined;
    });
  };
  const down = async () => {
    proc?.kill();
    await proc?.exited;
    proc = undefined;
  };
  await up();
  return {
    name: flavour.name,
    writeUrl: `${base}${flavour.writePath}`,
    series: (selector) => flavour.series(base, selector),
    down,
    up,
    async stop() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
