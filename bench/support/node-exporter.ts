import { waitFor } from "../../test/support/ports.ts";
import { rawGet } from "./loopback-scraper.ts";

/** Where Debian's prometheus-node-exporter package puts the binary. */
export const NODE_EXPORTER_PATH = "/usr/bin/prometheus-node-exporter";

/** The version node_exporter prints (`1.5.0`); throws, naming the path, when it cannot run. */
export function nodeExporterVersion(path: string): string {
  const run = Bun.spawnSync([path, "--version"]);
  if (run.exitCode !== 0) throw new Error(`node_exporter: ${path} --version failed (exit ${run.exitCode}); install prometheus-node-exporter or pass its path`);
  return `${run.stdout}${run.stderr}`.match(/version (\S+)/)?.[1] ?? "unknown";
}

/**
 * Starts node_exporter with its default collectors on 127.0.0.1:`port`, its log to `logFile` (it logs
 * a line per failing collector per scrape: a pipe nobody read would fill), and waits until it answers.
 */
export async function startNodeExporter(path: string, port: number, logFile: string): Promise<ReturnType<typeof Bun.spawn>> {
  const exporter = Bun.spawn([path, `--web.listen-address=127.0.0.1:${port}`], { stdout: "ignore", stderr: Bun.file(logFile) });
  try {
    await waitFor("node_exporter to answer", async () => {
      if (exporter.exitCode !== null) throw new Error(`node_exporter exited with ${exporter.exitCode}; its log: ${logFile}`);
      return (await rawGet(port, "/", { gzip: false, timeoutMs: 2000 })).status === 200;
    });
  } catch (cause) {
    exporter.kill();
    throw cause;
  }
  return exporter;
}

/** Pure: what node_exporter's log says: the collectors it enabled, and those that failed at least once. */
export function collectorsOf(log: string): { enabledCollectors: string[]; failedCollectors: string[] } {
  // After its "Enabled collectors" line, one line per collector: `... level=info collector=arp`.
  const listed = log.slice(Math.max(0, log.indexOf('msg="Enabled collectors"')));
  return {
    enabledCollectors: [...listed.matchAll(/ level=info collector=(\S+)$/gm)].map((m) => m[1]!),
    failedCollectors: [...new Set([...log.matchAll(/msg="collector failed" name=(\S+)/g)].map((m) => m[1]!))],
  };
}
