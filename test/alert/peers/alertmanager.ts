import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../sink.ts";

/** A real Alertmanager on a loopback port, with its own temporary configuration and storage. */
export interface RunningAlertmanager {
  url: string;
  /** Its gossip address when clustered (`127.0.0.1:PORT`). */
  clusterAddress?: string;
  /** Members its cluster status lists as peers (itself included), from `GET /api/v2/status`. */
  peers(): Promise<number>;
  /** Its active alerts, from its own API (`GET /api/v2/alerts`). */
  alerts(): Promise<Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL?: string; status: { state: string } }>>;
  stop(): Promise<void>;
}

const CONFIG = `route:
  receiver: blackhole
receivers:
  - name: blackhole
`;

/** How a started Alertmanager joins a cluster: its own gossip port and the members it knows. */
export interface ClusterOptions {
  /** Gossip port on 127.0.0.1 (a free one when absent). */
  port?: number;
  /** Gossip addresses (`127.0.0.1:PORT`) of the other members. */
  peers: string[];
}

/**
 * Starts `prometheus-alertmanager` (Debian's binary) and waits for `/-/ready`: alone (clustering off,
 * so it binds no gossip port), or as a member of a cluster gossiping on loopback.
 */
export async function startAlertmanager(binary: string, cluster?: ClusterOptions): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), "aiops-am-"));
  writeFileSync(join(dir, "am.yml"), CONFIG);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const gossip = cluster ? `127.0.0.1:${cluster.port ?? freePort()}` : undefined;
  const clustering = gossip
    ? [
        `--cluster.listen-address=${gossip}`,
        `--cluster.advertise-address=${gossip}`,
        ...cluster!.peers.map((p) => `--cluster.peer=${p}`),
        // Loopback gossip settles in well under a second; the defaults are sized for networks.
        "--cluster.gossip-interval=50ms",
        "--cluster.pushpull-interval=1s",
        "--cluster.settle-timeout=1s",
      ]
    : ["--cluster.listen-address="];
  const proc = Bun.spawn(
    [binary, `--config.file=${join(dir, "am.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, ...clustering],
    { stdout: "pipe", stderr: "pipe" },
  );
  const stop = async () => {
    proc.kill();
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      const log = await new Response(proc.stderr).text().catch(() => "");
      await stop();
      throw new Error(`alertmanager did not become ready on ${url}:\n${log.slice(-2000)}`);
    }
    await Bun.sleep(100);
  }
  return {
    url,
    ...(gossip ? { clusterAddress: gossip } : {}),
    async peers() {
      const r = await fetch(`${url}/api/v2/status`);
      const status = (await r.json()) as { cluster?: { peers?: unknown[] } };
      return status.cluster?.peers?.length ?? 0;
    },
    async alerts() {
      const r = await fetch(`${url}/api/v2/alerts`);
      return (await r.json()) as never;
    },
    stop,
  };
}
