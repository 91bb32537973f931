import { selfCommand } from "../collect/inventory-process.ts";

/** The JavaScriptCore option that turns the optimising JIT tiers (DFG, and FTL above it) on or off. */
export const DFG_JIT_VARIABLE = "BUN_JSC_useDFGJIT";

/**
 * Runs this same command again in a child process with JavaScriptCore's optimising JIT tiers off, and
 * returns the child's exit code. The terminal UI draws one frame a second: the optimising compilers
 * spend more CPU recompiling its code than they save (bench:tui: 6.2 % of a core with them, 3.6 %
 * without), as they do for the agent's once-a-second loop, which deploy/ runs the same way. The
 * option is read only when the JavaScript engine starts, hence the child. Returns undefined when the
 * environment already says (`BUN_JSC_useDFGJIT` set, as in the child): this process goes on itself.
 */
export async function rerunWithoutOptimisingJit(entry: string, argv: string[], env: Record<string, string | undefined>): Promise<number | undefined> {
  if (env[DFG_JIT_VARIABLE] !== undefined) return undefined;
  const child = Bun.spawn(selfCommand(entry, argv), { env: { ...env, [DFG_JIT_VARIABLE]: "0" }, stdio: ["inherit", "inherit", "inherit"] });
  // The child owns the terminal; signals sent to this process are for it.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (["SIGTERM", "SIGINT", "SIGHUP"] as const).map((signal) => [signal, forward(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const code = await child.exited;
  for (const [signal, handler] of handlers) process.off(signal, handler);
  return code;
}
