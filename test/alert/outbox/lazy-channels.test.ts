import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const SRC = join(import.meta.dir, "../../../src");

/** Creates alerting in a fresh process with these channels and says which channel libraries loaded. */
function librariesLoaded(channels: unknown[]): { undici: boolean; nodemailer: boolean } {
  const script = `
    const { mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { createAlerting } = await import(${JSON.stringify(join(SRC, "alert/alerting.ts"))});
    const { configSchema } = await import(${JSON.stringify(join(SRC, "config/schema.ts"))});
    const { createStore } = await import(${JSON.stringify(join(SRC, "store/store.ts"))});
    const { createLogger } = await import(${JSON.stringify(join(SRC, "log.ts"))});
    const { SelfMetrics } = await import(${JSON.stringify(join(SRC, "self-metrics.ts"))});
    const { EventBus } = await import(${JSON.stringify(join(SRC, "event-bus.ts"))});
    const { systemClock: clock } = await import(${JSON.stringify(join(SRC, "clock.ts"))});
    const config = configSchema().parse({ alert: { channels: ${JSON.stringify(channels)} } });
    const log = createLogger({ level: "critical", clock, sink: { write() {} } });
    const store = createStore({ dataDir: mkdtempSync(join(tmpdir(), "aiops-lazy-")), settings: config.store, log, metrics: new SelfMetrics(), clock });
    store.open();
    const alerting = await createAlerting(config, { store, metrics: new SelfMetrics(), events: new EventBus(clock), log, clock });
    const keys = Object.keys(require.cache);
    console.log(JSON.stringify({ undici: keys.some((k) => k.includes("/node_modules/undici/")), nodemailer: keys.some((k) => k.includes("/node_modules/nodemailer/")) }));
    await alerting.stage.close();
    store.close();`;
  const r = Bun.spawnSync([process.execPath, "-e", script]);
  expect(r.stderr.toString()).toBe("");
  return JSON.parse(r.stdout.toString()) as { undici: boolean; nodemailer: boolean };
}

describe("channel libraries", () => {
  test("an agent with no alert channel never loads undici or nodemailer; one with a channel does", () => {
    expect(librariesLoaded([])).toEqual({ undici: false, nodemailer: false });
    expect(librariesLoaded([{ name: "hook", type: "webhook", url: "http://127.0.0.1:9/" }])).toEqual({ undici: true, nodemailer: true });
  });
});
