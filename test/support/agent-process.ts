import { join } from "node:path";
import { collectJsonLines } from "./lines.ts";
import { waitFor } from "./ports.ts";

/** The agent run from source as a user would run it, its JSON log lines collected as they come. */
export interface AgentProcess {
  proc: ReturnType<typeof Bun.spawn>;
  lines: Array<Record<string, unknown>>;
  port: number;
  url(path: string): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

const MAIN = join(import.meta.dir, "../../src/main.ts");

/**
 * Starts `bun src/main.ts run` with a clean AIOPS_* environment plus `env`, and waits for /readyz.
 * `wrap` turns the agent's command into the one started (e.g. inside a PID namespace of its own).
 */
export async function startAgentProcess(
  env: Record<string, string>,
  port: number,
  args: string[] = [],
  wrap: (command: string[]) => string[] = (command) => command,
): Promise<AgentProcess> {
  const agent = spawnAgentProcess(env, port, args, wrap);
  try {
    await waitFor("the agent to be ready", async () => ((await fetch(agent.url("/readyz"))).ok ? true : undefined), 20_000);
  } catch (cause) {
    agent.proc.kill("SIGKILL");
    throw new Error(`${(cause as Error).message}; log: ${JSON.stringify(agent.lines.slice(-5))}`);
  }
  return agent;
}

/** Starts `bun src/main.ts run` as `startAgentProcess` does, without waiting for it to be ready. */
export function spawnAgentProcess(
  env: Record<string, string>,
  port: number,
  args: string[] = [],
  wrap: (command: string[]) => string[] = (command) => command,
): AgentProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_"))) as Record<string, string>;
  const proc = Bun.spawn(wrap([process.execPath, MAIN, "run", ...args]), {
    env: { ...clean, AIOPS_LISTEN: `127.0.0.1:${port}`, AIOPS_LOG_FORMAT: "json", ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines: Array<Record<string, unknown>> = [];
  void collectJsonLines(proc.stdout, lines);
  const agent: AgentProcess = {
    proc,
    lines,
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
  };
  return agent;
}
