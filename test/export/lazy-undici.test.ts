import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const SRC = join(import.meta.dir, "../../src");

describe("undici for exporting", () => {
  test("exporting without a target never loads it; a push client loads it on its first request, which is answered", async () => {
    using sink = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
    const script = `
      const { mkdtempSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const { createExporting } = await import(${JSON.stringify(join(SRC, "export/exporting.ts"))});
      const { createLazyHttpClient } = await import(${JSON.stringify(join(SRC, "alert/lazy-http-client.ts"))});
      const { configSchema } = await import(${JSON.stringify(join(SRC, "config/schema.ts"))});
      const { createStore } = await import(${JSON.stringify(join(SRC, "store/store.ts"))});
      const { createLogger } = await import(${JSON.stringify(join(SRC, "log.ts"))});
      const { SelfMetrics } = await import(${JSON.stringify(join(SRC, "self-metrics.ts"))});
      const { systemClock: clock } = await import(${JSON.stringify(join(SRC, "clock.ts"))});
      const config = configSchema().parse({});
      const log = createLogger({ level: "critical", clock, sink: { write() {} } });
      const store = createStore({ dataDir: mkdtempSync(join(tmpdir(), "aiops-lazy-")), settings: config.store, log, metrics: new SelfMetrics(), clock });
      store.open();
      const exporting = createExporting(config, { store, metrics: new SelfMetrics(), log, source: () => [], version: "0", hostName: "h", startedAt: 0, clock });
      exporting.start();
      const loaded = () => Object.keys(require.cache).some((k) => k.includes("/node_modules/undici/"));
      const before = loaded();
      const client = createLazyHttpClient({ clock });
      const idle = loaded();
      const answer = await client.send({ url: "http://127.0.0.1:${sink.port}/", headers: {}, body: "x", timeoutMs: 5000 });
      await client.close();
      await exporting.shutdown();
      store.close();
      console.log(JSON.stringify({ before, idle, after: loaded(), status: answer.status, body: answer.body }));`;
    const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
    expect(err).toBe("");
    expect(JSON.parse(out)).toEqual({ before: false, idle: false, after: true, status: 200, body: "ok" });
  });
});
