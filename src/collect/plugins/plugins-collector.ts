import type { PluginsSection } from "../../contracts/snapshot.ts";
import type { Collector } from "../collector.ts";
import type { PluginRunner } from "./exec-plugins.ts";

/**
 * The exec plugins' part of the Snapshot: the last run of each plugin and the series of those whose last
 * run succeeded. The plugins run off the tick, on their own intervals (PluginRunner): collecting spawns
 * nothing and never waits for a plugin.
 */
export function createPluginsCollector(runner: PluginRunner): Collector {
  return {
    name: "plugins",
    collect() {
      const latest = runner.latest();
      const section: PluginsSection = { runs: latest.map((o) => o.run), families: latest.flatMap((o) => o.families) };
      return { plugins: section };
    },
  };
}
