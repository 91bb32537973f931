import type { Clock } from "../clock.ts";
import type { ActionConfig } from "../config/remediation.ts";
import { type ActionResult, type RemediationAction, capText } from "./action.ts";
import { fillTemplate } from "./label-template.ts";

type ExecConfig = NonNullable<ActionConfig["exec"]>;

export interface ExecActionDeps {
  /** The agent's environment: only the names the action lists are passed on. */
  env: Readonly<Record<string, string | undefined>>;
  /** Sets the time-out. */
  clock: Clock;
}

/** Quotes an argument for the plan, so a reader sees exactly the words the program gets. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs a program with arguments, never through a shell: the alert's labels reach it only through
 * `{{labels.NAME}}` templates, each checked against its pattern first. The program gets only the
 * environment variables the action lists, runs in its own process group, and the whole group is killed
 * at the time-out (or when the agent stops), so nothing it started outlives it. Output beyond the cap
 * is read and dropped, so a chatty program never blocks on a full pipe.
 */
export function createExecAction(config: ExecConfig, deps: ExecActionDeps): RemediationAction {
  const env: Record<string, string> = {};
  for (const name of config.env) {
    const value = deps.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    kind: "exec",
    async prepare(alert) {
      const args: string[] = [];
      for (const arg of config.args) {
        const filled = fillTemplate(arg, alert.labels, config.label_patterns);
        if ("refused" in filled) return { refused: filled.refused };
        args.push(filled.value);
      }
      const argv = [config.path, ...args];
      return { plan: argv.map(quote).join(" "), run: (signal) => runProgram(argv, config, env, deps.clock, signal) };
    },
  };
}

async function runProgram(argv: string[], config: ExecConfig, env: Record<string, string>, clock: Clock, signal: AbortSignal): Promise<ActionResult> {
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn({ cmd: argv, cwd: config.cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  } catch (cause) {
    return { ok: false, reason: `cannot start ${argv[0]}: ${(cause as Error).message}`, output: "" };
  }
  let killedBy: string | undefined;
  const killGroup = (why: string) => {
    killedBy ??= why;
    try {
      // The negative pid is the process group the child leads (detached: setsid).
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const cancelTimer = clock.setTimer(config.timeout * 1000, () => killGroup(`timed out after ${config.timeout} s: its process group was killed`));
  const onAbort = () => killGroup("the agent stopped while it ran: its process group was killed");
  signal.addEventListener("abort", onAbort);
  const chunks: string[] = [];
  let kept = 0;
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      if (kept <= config.output_limit) chunks.push(decoder.decode(chunk, { stream: true }));
      kept += chunk.byteLength;
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  await child.exited;
  cancelTimer();
  signal.removeEventListener("abort", onAbort);
  // Whatever it left running in its group (a background job holding the pipes open) ends with it.
  // A daemon that should outlive it detaches into a session of its own, as daemons do.
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group is already empty
  }
  await drained;
  const output = capText(chunks.join(""), config.output_limit);
  const exitCode = child.exitCode;
  const signalCode = child.signalCode === null || child.signalCode === undefined ? null : String(child.signalCode);
  if (killedBy) return { ok: false, reason: killedBy, exitCode, signal: signalCode, output };
  if (exitCode !== 0) return { ok: false, reason: signalCode ? `ended by ${signalCode}` : `exited with code ${exitCode}`, exitCode, signal: signalCode, output };
  return { ok: true, reason: "", exitCode, signal: signalCode, output };
}
