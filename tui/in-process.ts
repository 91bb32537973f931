import type { Config } from "../src/config/schema.ts";
import { listAnomalies } from "../src/store/anomalies.ts";
import type { Store } from "../src/store/store.ts";
import { type InProcessAgent, type DataSource, createInProcessSource } from "./source.ts";
import { thresholdsOf } from "./thresholds.ts";

export interface InProcessDeps {
  agent: InProcessAgent;
  /** The configuration in force (it changes on reload). */
  config: () => Config;
  version: string;
  /** The agent's store: history seeds the sparklines, recorded anomalies fill the panel. */
  store?: Pick<Store, "querySeries" | "read">;
}

/** The data source of `run --tui`: the agent beside it, its configuration, and its store's history. */
export function inProcessSource(deps: InProcessDeps): DataSource {
  const { store } = deps;
  return createInProcessSource({
    agent: deps.agent,
    info: () => {
      const config = deps.config();
      return {
        name: config.agent.name,
        environment: config.agent.environment,
        version: deps.version,
        interval: config.agent.interval,
        thresholds: thresholdsOf(config),
        ...(deps.agent.inventory ? { inventory: deps.agent.inventory } : {}),
      };
    },
    ...(store
      ? {
          history: (metric: string, from: number, to: number) => store.querySeries({ metric, from, to }).series[0]?.points.map((p) => p.value) ?? [],
          recentFindings: () => store.read((db) => listAnomalies(db, { limit: 50 })).items,
        }
      : {}),
  });
}
