import { connect } from "node:net";

/** What a scraper did: answers with status 200, failures (with the last reason), bytes received. */
export interface ScrapeCount {
  ok: number;
  failed: number;
  lastError?: string;
  bytes: number;
}

/**
 * One plain HTTP/1.0 GET over a fresh loopback connection, read to the end (the server closes it):
 * a client as light as can be, so that the bench's own work stays small beside the exporter's.
 * With `gzip`, it asks for a compressed answer as Prometheus does.
 */
export function rawGet(port: number, path: string, options: { gzip: boolean; timeoutMs: number }): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let head = "";
    let bytes = 0;
    socket.setTimeout(options.timeoutMs, () => socket.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    socket.on("connect", () => {
      socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nAccept: text/plain\r\n${options.gzip ? "Accept-Encoding: gzip\r\n" : ""}\r\n`);
    });
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (head.length < 64) head += chunk.toString("latin1", 0, 64);
    });
    socket.on("error", reject);
    socket.on("end", () => {
      const status = Number(head.match(/^HTTP\/1\.\d (\d{3})/)?.[1]);
      if (!status) reject(new Error(`not an HTTP answer: ${JSON.stringify(head.slice(0, 40))}`));
      else resolve({ status, bytes });
    });
  });
}

/**
 * Scrapes `http://127.0.0.1:<port><path>` every `everySeconds`, on a fixed schedule from now (the
 * first at once); a scrape still running when the next is due makes that one skipped, not queued.
 * `count` is kept up to date; `stop()` waits for the scrape in flight and returns the counts.
 */
export function startLoopbackScraper(port: number, path: string, everySeconds: number, gzip: boolean): { count: Readonly<ScrapeCount>; stop(): Promise<ScrapeCount> } {
  const count: ScrapeCount = { ok: 0, failed: 0, bytes: 0 };
  let stopped = false;
  let wake = () => {};
  const stopping = new Promise<void>((resolve) => (wake = resolve));
  const loop = (async () => {
    const start = performance.now();
    for (let k = 0; !stopped; k++) {
      const due = start + k * everySeconds * 1000;
      if (performance.now() > due + everySeconds * 1000) continue; // fell behind: skip, as Prometheus does
      await Promise.race([Bun.sleep(Math.max(0, due - performance.now())), stopping]);
      if (stopped) break;
      try {
        const answer = await rawGet(port, path, { gzip, timeoutMs: Math.max(1000, everySeconds * 1000) });
        if (answer.status === 200) count.ok++;
        else {
          count.failed++;
          count.lastError = `status ${answer.status}`;
        }
        count.bytes += answer.bytes;
      } catch (cause) {
        count.failed++;
        count.lastError = (cause as Error).message;
      }
    }
  })();
  return {
    count,
    async stop() {
      stopped = true;
      wake();
      await loop;
      return count;
    },
  };
}
