import { describe, expect, test } from "bun:test";
import { Agent, STOP_TIMEOUT_MS } from "../src/agent.ts";
import type { TickStage } from "../src/contracts/tick.ts";
import { ManualClock } from "../src/clock.ts";
import type { Collector } from "../src/collect/collector.ts";
import { loadConfig } from "../src/config/load.ts";
import { createLogger } from "../src/log.ts";
import { EventBus } from "../src/event-bus.ts";
import { createHttpServer } from "../src/server/server.ts";

function setup(options: { interval?: number; collectors?: Collector[]; stages?: TickStage[] } = {}) {
  const clock = new ManualClock();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "debug", clock, sink: { write: (line) => void lines.push(JSON.parse(line)) } });
  const { config } = loadConfig({ env: { AIOPS_INTERVAL: String(options.interval ?? 10) } });
  const collectors = options.collectors ?? [{ name: "cpu", collect: () => ({ cpu: cpuAt(clock.now()) }) }];
  const agent = new Agent({ config, log, clock, collectors: () => collectors, ...(options.stages ? { stages: options.stages } : {}) });
  return { agent, clock, lines, config };
}

function cpuAt(now: number) {
  return { usage_percent: (now / 1000) % 100, count: 1, per_cpu: [0], user_percent: 0, system_percent: 0, iowait_percent: 0, steal_percent: 0 };
}

describe("the tick loop", () => {
  test("primes, ticks a short window later, then every interval on a fixed schedule", async () => {
    const ticks: number[] = [];
    const { agent, clock } = setup({ interval: 10, stages: [{ name: "probe", run: () => void ticks.push(clock.now()) }] });
    await agent.start();
    await clock.advance(35_000);
    expect(ticks).toEqual([1000, 11_000, 21_000, 31_000]);
    await agent.stop();
  });

  test("a slow tick never overlaps the next: missed slots are skipped and counted, and the schedule does not drift", async () => {
    const ticks: number[] = [];
    let slowOnce = true;
    const clock = new ManualClock();
    const { config } = loadConfig({ env: { AIOPS_INTERVAL: "10" } });
    let active = 0;
    let maxActive = 0;
    const stage: TickStage = {
      name: "slow",
      async run() {
        active++;
        maxActive = Math.max(maxActive, active);
        ticks.push(clock.now());
        if (slowOnce) {
          slowOnce = false;
          // Hold this tick for 25 s of clock time: the 11 s and 21 s slots pass while it runs.
          await new Promise<void>((resolve) => clock.setTimer(25_000, resolve));
        }
        active--;
      },
    };
    const agent = new Agent({ config, log: createLogger({ level: "critical", clock, sink: { write() {} } }), clock, collectors: () => [], stages: [stage] });
    await agent.start();
    await clock.advance(50_000);
    expect(maxActive).toBe(1);
    expect(ticks).toEqual([1000, 31_000, 41_000]);
    expect(agent.metrics.all().find((f) => f.name === "aiops_ticks_skipped_total")!.samples()[0]!.value).toBe(2);
    await agent.stop();
  });

  test("a collector that throws costs only its own section, once logged, and the tick goes on", async () => {
    const broken: Collector = {
      name: "memory",
      collect() {
        throw new Error("read meminfo", { cause: new Error("EIO") });
      },
    };
    const { agent, clock, lines } = setup({ collectors: [broken, { name: "cpu", collect: () => ({ cpu: cpuAt(0) }) }] });
    await agent.start();
    await clock.advance(30_000);
    const snapshot = agent.latest()!;
    expect(snapshot.cpu).toBeDefined();
    expect(snapshot.memory).toBeUndefined();
    expect(snapshot.errors).toEqual({ memory: "read meminfo: EIO" });
    expect(lines.filter((l) => l.message === "Collector memory failed; the others go on")).toHaveLength(1);
  });

  test("a stage that throws is logged and counted; later stages still run", async () => {
    const ran: string[] = [];
    const { agent, clock } = setup({
      stages: [
        { name: "bad", run: () => { throw new Error("boom"); } },
        { name: "good", run: () => void ran.push("good") },
      ],
    });
    await agent.start();
    await clock.advance(1000);
    expect(ran).toEqual(["good"]);
    const errors = agent.metrics.all().find((f) => f.name === "aiops_stage_errors_total")!;
    expect(errors.samples()).toEqual([{ labels: { stage: "bad" }, value: 1 }]);
    await agent.stop();
  });

  test("stop finishes the tick in flight, closes stages once, and is safe twice and before start", async () => {
    const closed: string[] = [];
    let finished = false;
    const clock = new ManualClock();
    const { config } = loadConfig({ env: {} });
    const stage: TickStage = {
      name: "store",
      async run() {
        await Promise.resolve();
        finished = true;
      },
      close: () => void closed.push("store"),
    };
    const agent = new Agent({ config, log: createLogger({ level: "critical", clock, sink: { write() {} } }), clock, collectors: () => [], stages: [stage] });
    await new Agent({ config, log: createLogger({ level: "critical", clock, sink: { write() {} } }), clock, collectors: () => [] }).stop();
    await agent.start();
    await clock.advance(1000);
    await Promise.all([agent.stop(), agent.stop()]);
    expect(finished).toBe(true);
    expect(closed).toEqual(["store"]);
    expect(clock.pendingTimers).toBe(0);
  });

  test("stop gives up on a tick still running after 5 s of clock time, says so, and closes the stages", async () => {
    const closed: string[] = [];
    const stuck: TickStage = { name: "stuck", run: () => new Promise<void>(() => {}), close: () => void closed.push("stuck") };
    const { agent, clock, lines } = setup({ stages: [stuck] });
    await agent.start();
    await clock.advance(1000);
    let stopped = false;
    const stopping = agent.stop().then(() => (stopped = true));
    await clock.advance(STOP_TIMEOUT_MS - 1);
    expect(stopped).toBe(false);
    await clock.advance(1);
    expect(stopped).toBe(true);
    await stopping;
    expect(closed).toEqual(["stuck"]);
    expect(lines.some((l) => l.message === `The tick in flight did not finish within ${STOP_TIMEOUT_MS} ms; stopping anyway`)).toBe(true);
  });

  test("health: not ready before the first collection, live while ticking, not live after three silent intervals", async () => {
    const { agent, clock } = setup({ interval: 10 });
    expect(agent.health()).toMatchObject({ ready: false, reasons: ["first collection not done yet"] });
    await agent.start();
    await clock.advance(1000);
    expect(agent.health()).toMatchObject({ live: true, ready: true, reasons: [] });
    await agent.stop();
    await clock.advance(40_000);
    expect(agent.health().live).toBe(false);
  });

  test("reload applies a new interval from now", async () => {
    const ticks: number[] = [];
    const { agent, clock } = setup({ interval: 10, stages: [{ name: "probe", run: () => void ticks.push(clock.now()) }] });
    await agent.start();
    await clock.advance(1000);
    agent.reload(loadConfig({ env: { AIOPS_INTERVAL: "2" } }).config);
    await clock.advance(5000);
    expect(ticks).toEqual([1000, 3000, 5000]);
    await agent.stop();
  });

  test("/metrics shows the time and CPU of each part of a tick by stage, and of the whole tick", async () => {
    const clock = new ManualClock();
    const { config } = loadConfig({ env: { AIOPS_INTERVAL: "10" } });
    const log = createLogger({ level: "critical", clock, sink: { write() {} } });
    const burnt: number[] = [];
    const stages: TickStage[] = [
      // 300 ms of clock time waiting, as a stage waiting on I/O would.
      { name: "wait", run: () => new Promise<void>((resolve) => clock.setTimer(300, resolve)) },
      {
        // At least 30 ms of this process's CPU, as the stage itself measures it.
        name: "burn",
        run() {
          const from = process.cpuUsage();
          let used = 0;
          while (used < 30_000) {
            const now = process.cpuUsage(from);
            used = now.user + now.system;
          }
          burnt.push(used / 1e6);
        },
      },
    ];
    const collectors = [{ name: "cpu", collect: () => ({ cpu: cpuAt(clock.now()) }) }];
    const agent = new Agent({ config, log, clock, collectors: () => collectors, stages });
    const server = createHttpServer({
      agent,
      config: () => loadConfig({ env: {} }),
      metrics: agent.metrics,
      events: new EventBus(clock),
      log,
      clock,
      version: "0.0.0-test",
    });
    await agent.start();
    // The first tick at 1 s, its wait stage done at 1.3 s.
    await clock.advance(1500);
    const body = await (await server.fetch(new Request("http://agent/metrics"))).text();
    await agent.stop();

    const value = (series: string) => {
      const line = body.split("\n").find((l) => l.startsWith(`${series} `));
      if (!line) throw new Error(`${series} is not on /metrics:\n${body}`);
      return Number(line.slice(series.length + 1));
    };
    expect(body).toContain("# HELP aiops_tick_stage_seconds ");
    expect(body).toContain("# TYPE aiops_tick_stage_seconds summary");
    expect(body).toContain("# TYPE aiops_tick_stage_cpu_seconds summary");
    expect(body).toContain("# TYPE aiops_tick_cpu_seconds histogram");
    for (const stage of ["collect", "series", "wait", "burn", "publish"]) {
      expect(value(`aiops_tick_stage_seconds_count{stage="${stage}"}`)).toBe(1);
      expect(value(`aiops_tick_stage_cpu_seconds_count{stage="${stage}"}`)).toBe(1);
    }
    expect(value('aiops_tick_stage_seconds_sum{stage="wait"}')).toBe(0.3);
    expect(value('aiops_tick_stage_seconds_sum{stage="burn"}')).toBe(0);
    expect(value("aiops_tick_duration_seconds_sum")).toBe(0.3);
    const burn = value('aiops_tick_stage_cpu_seconds_sum{stage="burn"}');
    expect(burn).toBeGreaterThanOrEqual(burnt[0]!);
    // The whole tick's CPU is at least the sum of its parts' (each part is measured between the same readings).
    const parts = ["collect", "series", "wait", "burn", "publish"].reduce((sum, stage) => sum + value(`aiops_tick_stage_cpu_seconds_sum{stage="${stage}"}`), 0);
    expect(value("aiops_tick_cpu_seconds_sum")).toBeCloseTo(parts, 9);
    expect(value("aiops_tick_cpu_seconds_count")).toBe(1);
  });
});
