import { seriesKey } from "../contracts/sample.ts";
import type { Finding } from "../contracts/finding.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";

/** Something the agent watches in itself, asked once per tick: what holds now (empty when all is well). */
export type SelfFindingSource = () => Finding[];

/**
 * Findings the agent raises about itself (its remediation budget used up, a channel failing for a
 * while), added to the tick before the alert stage so they become alerts like any other and reach the
 * other channels. Each episode is told once, as the detection stage does.
 */
export function createSelfFindingsStage(sources: readonly SelfFindingSource[]): TickStage {
  let active = new Set<string>();
  return {
    name: "self",
    run(tick: TickContext): void {
      const current = new Set<string>();
      for (const source of sources) {
        for (const finding of source()) {
          const key = `${finding.type}|${seriesKey(finding.metric, finding.labels)}`;
          current.add(key);
          tick.findings.push(finding);
          if (!active.has(key)) tick.startedFindings.push(finding);
        }
      }
      active = current;
    },
  };
}
