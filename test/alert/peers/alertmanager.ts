import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../sink.ts";

/** A real Alertmanager on a loopback port, with its own temporary configuration and storage. */
export interface RunningAlertmanager {
  url: string;
  /** Its active alerts, from its own API (`GET /api/v2/alerts`). */
  alerts(): Promise<Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL?: string; status: { state: string } }>>;
  stop(): Promise<void>;
}

const CONFIG = `route:
  receiver: blackhole
receivers:
  - name: blackhole
`;

/**
 * Starts `prometheus-alertmanager` (Debian's binary) alone (clustering off, so it binds no gossip
 * port) and waits for `/-/ready`.
 */
export async function startAlertmanager(binary: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), "aiops-am-"));
  writeFileSync(join(dir, "am.yml"), CONFIG);
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn(
    [binary, `--config.file=${join(dir, "am.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
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
    async alerts() {
      const r = await fetch(`${url}/api/v2/alerts`);
      return (await r.json()) as never;
    },
    stop,
  };
}
