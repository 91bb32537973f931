import { readFileSync } from "node:fs";
import type { Clock } from "../clock.ts";
import type { HostPaths } from "../collect/linux/host-paths.ts";
import type { ActionConfig } from "../config/remediation.ts";
import type { RemediationAction } from "./action.ts";
import { createCleanupAction } from "./cleanup-action.ts";
import { createExecAction } from "./exec-action.ts";
import { createHttpAction } from "./http-action.ts";
import { createSignalAction } from "./signal-action.ts";
import { createSystemdAction } from "./systemd-action.ts";

/** What the actions need from the agent. */
export interface ActionDeps {
  clock: Clock;
  /** The agent's environment, for `exec`'s allow-list. */
  env: Readonly<Record<string, string | undefined>>;
  /** The host's /proc, for `signal`. */
  paths: HostPaths;
  hostRoot: string;
  agent: { name: string; environment: string };
}

/** The action of one configured entry, by its kind. Throws, naming the action, when its `ca_file` cannot be read. */
export function createAction(config: ActionConfig, deps: ActionDeps): RemediationAction {
  if (config.exec) return createExecAction(config.exec, { env: deps.env, clock: deps.clock });
  if (config.signal) return createSignalAction(config.signal, { paths: deps.paths, selfPid: process.pid });
  if (config.systemd) return createSystemdAction(config.systemd, { hostRoot: deps.hostRoot, clock: deps.clock });
  if (config.cleanup) return createCleanupAction(config.cleanup, { clock: deps.clock });
  if (config.http) {
    let ca: string | undefined;
    if (config.http.ca_file !== undefined) {
      try {
        ca = readFileSync(config.http.ca_file, "utf8");
      } catch (cause) {
        throw new Error(`remediation.actions[${config.name}].http.ca_file: cannot read ${config.http.ca_file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
      }
    }
    return createHttpAction(config.name, config.http, { clock: deps.clock, agent: deps.agent, ...(ca !== undefined ? { ca } : {}) });
  }
  throw new Error(`remediation action ${config.name}: no kind`);
}
