import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

const work = mkdtempSync(join(tmpdir(), "aiops-history-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type SeriesAnswer = { series: Array<{ points: Array<{ ts: number; value: number }> }> };

async function cpuPoints(url: string): Promise<number[]> {
  const body = (await (await fetch(url)).json()) as SeriesAnswer;
  return body.series[0]?.points.map((p) => p.ts) ?? [];
}

describe("history in the agent's data directory", () => {
  test("survives a restart: points written before it are served after it", async () => {
    const data = join(work, "data");
    const env = { AIOPS_DATA_DIR: data, AIOPS_INTERVAL: "0.5" };
    const first = await startAgentProcess(env, await freePort());
    const before = await waitFor("three ticks of history", async () => {
      const ts = await cpuPoints(first.url("/api/v1/series?metric=aiops_cpu_usage_percent"));
      return ts.length >= 3 ? ts : undefined;
    });
    expect(await first.stop()).toBe(0);

    const second = await startAgentProcess(env, await freePort());
    try {
      const after = await cpuPoints(second.url("/api/v1/series?metric=aiops_cpu_usage_percent"));
      for (const ts of before) expect(after).toContain(ts);
      expect(second.lines.some((l) => l.message === "Learned baselines restored")).toBe(true);
    } finally {
      await second.stop();
    }
  }, 60_000);

  test("a data directory that cannot be written leaves a running agent, degraded, saying why", async () => {
    // A directory below a regular file can never be created, whoever runs the test (root included).
    const blocker = join(work, "not-a-directory");
    writeFileSync(blocker, "");
    const agent = await startAgentProcess({ AIOPS_DATA_DIR: join(blocker, "data"), AIOPS_INTERVAL: "0.5" }, await freePort());
    try {
      const metrics = await (await fetch(agent.url("/metrics"))).text();
      expect(metrics).toMatch(/^aiops_store_degraded 1$/m);
      const ready = await fetch(agent.url("/readyz?verbose"));
      expect(ready.status).toBe(200);
      const detail = (await ready.json()) as { checks: Record<string, string> };
      expect(detail.checks.store).toStartWith("degraded: ");
      expect(detail.checks.store).toContain(blocker);
      expect(agent.lines.some((l) => l.level === "WARNING" && l.logger === "aiops_agent.store")).toBe(true);
      // It still collects, and still keeps history (in memory) for the API.
      const ts = await waitFor("history in memory", async () => {
        const points = await cpuPoints(agent.url("/api/v1/series?metric=aiops_cpu_usage_percent"));
        return points.length >= 2 ? points : undefined;
      });
      expect(ts.length).toBeGreaterThanOrEqual(2);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  }, 60_000);
});
