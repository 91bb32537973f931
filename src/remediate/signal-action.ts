import type { HostPaths } from "../collect/linux/host-paths.ts";
import type { ActionConfig } from "../config/remediation.ts";
import type { RemediationAction } from "./action.ts";
import { type ProcessInfo, listProcesses } from "./process-finder.ts";

type SignalConfig = NonNullable<ActionConfig["signal"]>;

export interface SignalActionDeps {
  /** Where the host's /proc is (the agent's host root). */
  paths: HostPaths;
  /** Pids never signalled: the agent itself (and, through it, nothing that keeps it alive). */
  selfPid: number;
}

/** Which processes a signal action means: every given selector must match (command line, name, cgroup). */
export function selectProcesses(processes: readonly ProcessInfo[], config: SignalConfig, selfPid: number): ProcessInfo[] {
  const byCommand = config.process !== undefined ? new RegExp(config.process) : undefined;
  const byCgroup = config.cgroup !== undefined ? new RegExp(config.cgroup) : undefined;
  return processes.filter(
    (p) =>
      p.pid !== selfPid &&
      p.pid !== 1 &&
      // Kernel threads have no command line: never a signal action's target.
      !p.command.startsWith("[") &&
      (byCommand === undefined || byCommand.test(p.command)) &&
      (config.comm === undefined || p.comm === config.comm) &&
      (byCgroup === undefined || byCgroup.test(p.cgroup)),
  );
}

/**
 * Sends a signal to the processes chosen by command-line pattern, name or cgroup, read from /proc when
 * the run is prepared (the plan lists them). Never the agent itself or pid 1; no process at all, or more
 * than `max_processes` (a pattern wider than meant), refuses the run. Needs the same user as the
 * targets or CAP_KILL, and the host's PID namespace to reach the host's processes.
 */
export function createSignalAction(config: SignalConfig, deps: SignalActionDeps): RemediationAction {
  const what = [
    config.process !== undefined ? `command line ~ /${config.process}/` : "",
    config.comm !== undefined ? `name = ${config.comm}` : "",
    config.cgroup !== undefined ? `cgroup ~ /${config.cgroup}/` : "",
  ]
    .filter(Boolean)
    .join(", ");
  return {
    kind: "signal",
    async prepare() {
      const targets = selectProcesses(listProcesses(deps.paths), config, deps.selfPid);
      if (targets.length === 0) return { refused: `no process matches ${what}` };
      if (targets.length > config.max_processes) {
        return { refused: `${targets.length} processes match ${what}, more than max_processes (${config.max_processes}): nothing signalled` };
      }
      const list = targets.map((p) => `${p.pid} ${p.command.length > 80 ? `${p.command.slice(0, 80)}…` : p.command}`);
      return {
        plan: `send ${config.name} to ${targets.length} process${targets.length > 1 ? "es" : ""}: ${list.join("; ")}`,
        async run() {
          const lines: string[] = [];
          let failed = 0;
          for (const p of targets) {
            try {
              process.kill(p.pid, config.name);
              lines.push(`${p.pid}: ${config.name} sent`);
            } catch (cause) {
              const code = (cause as NodeJS.ErrnoException).code;
              // Gone since the plan was made: nothing left to stop, which is no failure.
              if (code === "ESRCH") lines.push(`${p.pid}: already gone`);
              else {
                failed++;
                lines.push(`${p.pid}: ${code === "EPERM" ? "not permitted (another user: the agent needs CAP_KILL)" : (cause as Error).message}`);
              }
            }
          }
          const output = lines.join("\n");
          return failed > 0 ? { ok: false, reason: `${failed} of ${targets.length} could not be signalled`, output } : { ok: true, reason: "", output };
        },
      };
    },
  };
}
