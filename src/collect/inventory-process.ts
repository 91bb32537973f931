import type { Clock } from "../clock.ts";
import type { Inventory } from "./inventory.ts";
import { completeInventory } from "./inventory.ts";
import { readHostInventory } from "./linux/host-inventory.ts";
import type { HostPaths } from "./linux/host-paths.ts";

/**
 * The command line that runs the agent's CLI again with `args`: the binary itself when compiled, or
 * `bun <entry>` from source. `entry` is the CLI module's own path (src/main.ts's import.meta.path), not
 * Bun.main: a script that imports main.ts must never be the one started again.
 */
export function selfCommand(entry: string, args: string[]): string[] {
  // A compiled binary's modules live in Bun's embedded file system; from source they are files.
  const compiled = entry.startsWith("/$bunfs/") || entry.startsWith("B:/~BUN/");
  return compiled ? [process.execPath, ...args] : [process.execPath, entry, ...args];
}

/**
 * The inventory, asked of a short-lived child process running `aiops-agent inventory`: on systems other
 * than Linux, where systeminformation answers (on Linux the host's files answer in the agent's process).
 * systeminformation costs the process that loads it some 10–30 MB that it never gives back, and starts
 * programs of its own; in a child, that memory goes away when the child exits, and the time limit is
 * a kill. If the child fails or is too slow, the host's own files answer alone.
 */
export async function inventoryInChild(options: {
  /** The command that prints the inventory as JSON: `selfCommand(entry, ["inventory"])`. */
  command: string[];
  paths?: HostPaths;
  timeoutMs: number;
  env: Record<string, string | undefined>;
  /** Times the kill. */
  clock: Clock;
}): Promise<Inventory> {
  const fallback = () => completeInventory(options.paths ? readHostInventory(options.paths) : {}, {});
  let child: ReturnType<typeof Bun.spawn> | undefined;
  try {
    child = Bun.spawn(options.command, { env: options.env, stdout: "pipe", stderr: "ignore", stdin: "ignore" });
  } catch {
    return fallback();
  }
  const running = child;
  const cancel = options.clock.setTimer(options.timeoutMs + 1000, () => running.kill("SIGKILL"));
  try {
    const [text, code] = await Promise.all([new Response(running.stdout as ReadableStream).text(), running.exited]);
    if (code !== 0) return fallback();
    return JSON.parse(text) as Inventory;
  } catch {
    return fallback();
  } finally {
    cancel();
  }
}
