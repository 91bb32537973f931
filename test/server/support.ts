import type { AgentHealth } from "../../src/contracts/agent-health.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { loadConfig } from "../../src/config/load.ts";
import { EventBus } from "../../src/event-bus.ts";
import { createLogger } from "../../src/log.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { type ServerDeps, createHttpServer } from "../../src/server/server.ts";
import { ManualClock } from "../../src/clock.ts";

/** A snapshot as the collectors produce it (shape checked by the collector fixtures). */
export const SNAPSHOT: Snapshot = {
  timestamp: "2026-11-26T17:00:00.000Z",
  cpu: { usage_percent: 45.2, count: 2, per_cpu: [42, 48.4], user_percent: 30, system_percent: 15.2, iowait_percent: 0, steal_percent: 0 },
  memory: {
    total: 8589934592,
    available: 4294967296,
    used: 4294967296,
    free: 1073741824,
    percent: 50,
    buffers: 0,
    cached: 0,
    swap: { total: 0, used: 0, free: 0, percent: 0 },
  },
  disks: [
    {
      mountpoint: '/mnt/odd "name"\\',
      device: "/dev/sdb1",
      fstype: "ext4",
      total: 100,
      used: 50,
      free: 50,
      percent: 50,
      inodes_total: 10,
      inodes_used: 1,
      inodes_free: 9,
      inodes_percent: 10,
      read_only: false,
    },
  ],
};

/** A server over a fake agent view, on a manual clock: tests call `server.fetch(new Request(...))`, no socket. */
export function testServer(
  options: { env?: Record<string, string>; yaml?: string; snapshot?: Snapshot; health?: Partial<AgentHealth>; deps?: Partial<ServerDeps> } = {},
) {
  const yaml = options.yaml;
  const loaded = loadConfig({ env: options.env ?? {}, ...(yaml !== undefined ? { file: "agent.yaml", readFile: () => yaml } : {}) });
  const clock = new ManualClock();
  const events = new EventBus(clock);
  const metrics = new SelfMetrics();
  const logged: string[] = [];
  const health: AgentHealth = { live: true, ready: true, reasons: [], ticks: 3, ...options.health };
  const server = createHttpServer({
    agent: { health: () => health, latest: () => ("snapshot" in options ? options.snapshot : SNAPSHOT) },
    config: () => loaded,
    metrics,
    events,
    log: createLogger({ level: "debug", clock, sink: { write: (l) => void logged.push(l) } }),
    clock,
    version: "0.0.0-test",
    ...options.deps,
  });
  const get = (path: string, init?: RequestInit) => server.fetch(new Request(`http://agent${path}`, init));
  return { server, clock, events, metrics, logged, get };
}
