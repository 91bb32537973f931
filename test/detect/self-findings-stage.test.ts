import { describe, expect, test } from "bun:test";
import { configSchema } from "../../src/config/schema.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import type { TickContext } from "../../src/contracts/tick.ts";
import { createSelfFindingsStage } from "../../src/detect/self-findings-stage.ts";
import { finding } from "../support/findings.ts";

const tick = (time: number): TickContext => ({ time, samples: [], findings: [], startedFindings: [], alertChanges: [], snapshot: { timestamp: new Date(time).toISOString() } });

describe("findings the agent raises about itself", () => {
  test("added to every tick while they hold, each episode told once; sources follow reloads and stop with the agent", () => {
    let holding: Finding[] = [];
    const calls: string[] = [];
    const stage = createSelfFindingsStage([
      { findings: (time) => (calls.push(`at ${time}`), holding), reload: () => calls.push("reload"), close: () => calls.push("close") },
      { findings: () => [] },
    ]);
    const quiet = tick(1000);
    stage.run(quiet);
    expect(quiet.findings).toEqual([]);

    holding = [finding({ type: "delivery_failing", labels: { channel: "slack" } })];
    const first = tick(2000);
    stage.run(first);
    expect(first.findings).toEqual(holding);
    expect(first.startedFindings).toEqual(holding);
    const second = tick(3000);
    stage.run(second);
    expect(second.findings).toEqual(holding);
    expect(second.startedFindings).toEqual([]);

    holding = [];
    stage.run(tick(4000));
    holding = [finding({ type: "delivery_failing", labels: { channel: "slack" } })];
    const again = tick(5000);
    stage.run(again);
    expect(again.startedFindings).toHaveLength(1);

    stage.reload?.(configSchema().parse({}));
    stage.close?.();
    expect(calls).toEqual(["at 1000", "at 2000", "at 3000", "at 4000", "at 5000", "reload", "close"]);
  });
});
