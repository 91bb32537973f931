import { z } from "zod";
import type { Inventory } from "../collect/inventory.ts";
import type { LoadedConfig } from "../config/load.ts";
import { effectiveSettings } from "../config/print.ts";
import type { AgentIdentity } from "../contracts/agent-identity.ts";
import type { Snapshot } from "../contracts/snapshot.ts";
import { thresholdLevelsOf } from "../detect/threshold-levels.ts";
import type { EventBus } from "../event-bus.ts";
import { HttpError, json } from "./http.ts";
import { type ApiRoute, defineRoute } from "./route.ts";

/** What the agent routes read. */
export interface AgentRoutesDeps {
  agent: { latest(): Snapshot | undefined; readonly inventory?: Inventory };
  /** The configuration in force (it changes on reload). */
  config: () => LoadedConfig;
  events: EventBus;
  version: string;
}

/** Who the agent is under a configuration, for `/api/v1/snapshot` and the `agent` event of a reload. */
export function agentIdentity(loaded: LoadedConfig, version: string): AgentIdentity {
  const { config } = loaded;
  return {
    name: config.agent.name,
    environment: config.agent.environment,
    version,
    interval_seconds: config.agent.interval,
    thresholds: thresholdLevelsOf(config),
  };
}

/** The routes about the running agent itself: its latest snapshot and its configuration. */
export function createAgentRoutes(deps: AgentRoutesDeps): ApiRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/api/v1/snapshot",
      summary: "The latest Snapshot of the host, with the agent's identity, interval, threshold levels and inventory.",
      query: z.strictObject({}),
      responses: { 200: "the latest snapshot", 503: "no collection has finished yet" },
      handler() {
        const snapshot = deps.agent.latest();
        if (!snapshot) throw new HttpError(503, "not_ready", "the first collection has not finished yet; try again in a moment");
        return json({
          agent: agentIdentity(deps.config(), deps.version),
          // Resume the event stream from here (Last-Event-ID) to miss nothing after this snapshot.
          event_id: deps.events.lastId,
          inventory: deps.agent.inventory ?? null,
          snapshot,
        });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/config",
      summary: "The effective configuration, secrets redacted, with where each value came from.",
      query: z.strictObject({}),
      responses: { 200: "the effective configuration" },
      handler() {
        const loaded = deps.config();
        return json({ file: loaded.file ?? null, settings: effectiveSettings(loaded) });
      },
    }),
  ];
}
