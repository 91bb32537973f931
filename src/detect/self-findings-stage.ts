import type { Config } from "../config/schema.ts";
import { seriesKey } from "../contracts/sample.ts";
import type { Finding } from "../contracts/finding.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";

/**
 * Something the agent watches in itself (its remediation budget, a channel failing for a while): what
 * holds at a tick's time, asked once per tick, empty when all is well. It may follow a new
 * configuration and let go of what it holds at stop.
 */
export interface SelfFindingSource {
  findings(time: number): Finding[];
  reload?(config: Config): void;
  close?(): void;
}

/**
 * Findings the agent raises about itself, added to the tick before history and the alert stage, so
 * they are recorded and become alerts like any other and reach the channels. Each episode is told once
 * (recorded, published), as the detection stage does.
 */
export function createSelfFindingsStage(sources: readonly SelfFindingSource[]): TickStage {
  let active = new Set<string>();
  return {
    name: "self",
    run(tick: TickContext): void {
      const current = new Set<string>();
      for (const source of sources) {
        for (const finding of source.findings(tick.time)) {
          const key = `${finding.type}|${seriesKey(finding.metric, finding.labels)}`;
          current.add(key);
          tick.findings.push(finding);
          if (!active.has(key)) tick.startedFindings.push(finding);
        }
      }
      active = current;
    },
    reload(config: Config): void {
      for (const source of sources) source.reload?.(config);
    },
    close(): void {
      for (const source of sources) source.close?.();
    },
  };
}
